"""Forgetting applied to a batch, shared by the learners that support it."""

from __future__ import annotations

import numpy as np

from ..core.checks import FLOAT

__all__ = ["decay_weights"]


def decay_weights(weights: np.ndarray, forgetting: float | None) -> tuple[np.ndarray, float]:
    """Effective weights of a batch under forgetting, and the factor applied to the old state.

    The loop multiplies past weights by ``forgetting`` before each sample, so sample ``i``
    of ``n`` ends with weight ``w_i * forgetting**(n - 1 - i)`` and the old state with
    ``forgetting**n``.

    Examples
    --------
    >>> w, old = decay_weights(np.ones(3), 0.5)
    >>> w.tolist(), old
    ([0.25, 0.5, 1.0], 0.125)
    """
    n = weights.shape[0]
    if forgetting is None or forgetting == 1.0:
        return weights, 1.0
    powers = forgetting ** np.arange(n - 1, -1, -1, dtype=FLOAT)
    return weights * powers, float(forgetting**n)
