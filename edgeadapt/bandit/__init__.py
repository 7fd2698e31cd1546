"""Bandit policies with ``select``/``update`` whose whole state is a few arrays.

Examples
--------
>>> from edgeadapt.bandit import EpsilonGreedy
>>> p = EpsilonGreedy(n_arms=3, epsilon=0.1, seed=0)
>>> arm = p.select(); p.update(arm, 1.0)
>>> p.counts().sum()
np.float64(1.0)
"""

from .base import NoArmAvailableError, Policy
from .guard import ArmGuard
from .linucb import LinUCB
from .mab import BernoulliThompson, BootstrapThompson, EpsilonGreedy, GaussianThompson, UCB1

__all__ = [
    "Policy",
    "NoArmAvailableError",
    "EpsilonGreedy",
    "UCB1",
    "BernoulliThompson",
    "GaussianThompson",
    "BootstrapThompson",
    "LinUCB",
    "ArmGuard",
]
