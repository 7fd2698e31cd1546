"""Summation-form learners: exact incremental updates, mergeable with ``+=``.

Examples
--------
>>> from edgeadapt.learn import Moments
>>> m = Moments(dim=1); m.update(1.0); m.update(3.0)
>>> m.mean.tolist(), m.variance().tolist()
([2.0], [1.0])
"""

from .moments import Covariance, Moments
from .naive_bayes import CategoricalNB, GaussianNB
from .prototype import NearestClassMean
from .ridge import Ridge

__all__ = ["Moments", "Covariance", "Ridge", "NearestClassMean", "GaussianNB", "CategoricalNB"]
