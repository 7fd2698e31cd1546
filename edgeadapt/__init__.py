"""edgeadapt: on-device personalization with small, exact, portable and safe state.

A model is ``y = f(x; S)``: ``f`` is frozen, and everything that adapts is a small
state ``S`` updated in summation form and persisted power-loss safe.
"""

__version__ = "0.1.0"
