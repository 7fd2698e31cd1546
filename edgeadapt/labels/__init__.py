"""Pseudo-label heuristics: they propose labels, the caller applies them.

- :class:`~edgeadapt.labels.nearmiss.NearMissLabeller`: a score just under the
  threshold followed by a detection within a few seconds is proposed as a positive.
- :class:`~edgeadapt.labels.temporal.ConsistencyLabeller`: a label that stays the best,
  with enough confidence, over consecutive frames is proposed for the run.

Examples
--------
>>> from edgeadapt.labels import NearMissLabeller
>>> NearMissLabeller(low=0.4, high=0.6).pending
[]
"""

from .nearmiss import NearMiss, NearMissLabeller
from .temporal import ConsistencyLabeller, ConsistentRun

__all__ = ["NearMiss", "NearMissLabeller", "ConsistencyLabeller", "ConsistentRun"]
