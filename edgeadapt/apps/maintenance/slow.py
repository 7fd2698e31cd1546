"""The slow scale: means of features over aligned groups of windows.

A fault that starts small and grows hides in the window-to-window noise of the
features long before it moves a single window out of the normal range. Averaging
``group`` consecutive windows divides that noise by about ``sqrt(group)``, so the
mean of a group leaves its normal range earlier. Groups are aligned on the window
number (windows ``0..group-1``, ``group..2*group-1``, ...), and sums are carried
across calls with sequential arithmetic, so a stream cut into any batches, or
resumed after a restart, gives the same group means bit for bit.

Examples
--------
>>> import numpy as np
>>> s = SlowScale(dim=2, group=3)
>>> X = np.arange(16.0).reshape(8, 2)
>>> ends, means = s.group_means(X)
>>> ends.tolist(), means.tolist()
([2, 5], [[2.0, 3.0], [8.0, 9.0]])
>>> s.update_many(X[:4]); s.group_means(X[4:])[0].tolist(), s.last_mean.tolist()
([1], [2.0, 3.0])
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ...errors import InputError, StateMismatchError
from ...core.protocol import Stateful, mutator
from ...state.protocol import expect_array, expect_keys, expect_scalar

__all__ = ["SlowScale", "DEFAULT_GROUP"]

DEFAULT_GROUP = 16


class SlowScale(Stateful):
    """Running sum of the current group of windows, and the mean of the last complete group.

    Parameters
    ----------
    dim : int
        Features per window.
    group : int
        Windows per group (2 or more).
    """

    def __init__(self, dim: int, group: int = DEFAULT_GROUP) -> None:
        self.dim = dim
        self.group = group
        self._sum = np.zeros(dim)
        self._filled = 0
        self._last: np.ndarray | None = None

    def _check(self, X: Any) -> np.ndarray:
        if int(self.group) < 2:
            raise InputError(f"SlowScale: group must be at least 2 windows, got {self.group}")
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != int(self.dim):
            raise InputError(f"SlowScale: X must have shape (n, {self.dim}), got {X.shape}")
        return X

    def _walk(self, X: np.ndarray) -> tuple[list[int], list[np.ndarray], np.ndarray, int, np.ndarray | None]:
        group, dim = int(self.group), int(self.dim)
        ends: list[int] = []
        means: list[np.ndarray] = []
        acc, filled, last = self._sum, self._filled, self._last
        n = len(X)
        # cumsum is a sequential recurrence: the same arithmetic whatever the batching
        head = min(group - filled, n) if filled else 0
        if head:
            acc = np.cumsum(np.concatenate([acc[None, :], X[:head]]), axis=0)[-1]
            filled += head
            if filled == group:
                ends.append(head - 1)
                means.append(acc / group)
                acc, filled = np.zeros(dim), 0
        full = (n - head) // group
        if full:
            body = X[head : head + full * group].reshape(full, group, dim)
            sums = body[:, 0, :].copy()
            for j in range(1, group):  # left to right, as cumsum adds
                sums += body[:, j, :]
            ends.extend(range(head + group - 1, head + full * group, group))
            means.extend(sums / group)
        tail = X[head + full * group :]
        if len(tail):
            acc = np.cumsum(tail, axis=0)[-1]
            filled = len(tail)
        if means:
            last = means[-1]
        return ends, means, acc, filled, last

    def group_means(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Where groups end in the next windows ``X`` and their means; changes nothing.

        Returns
        -------
        (numpy.ndarray of int, numpy.ndarray of shape (k, dim))
        """
        ends, means, _, _, _ = self._walk(self._check(X))
        return np.array(ends, dtype=np.int64), (np.array(means) if means else np.empty((0, int(self.dim))))

    @mutator
    def update_many(self, X: Any) -> None:
        """Consume the next windows (carry the partial group sum)."""
        _, _, self._sum, self._filled, self._last = self._walk(self._check(X))

    @property
    def last_mean(self) -> np.ndarray | None:
        """Mean of the last complete group (None before the first one)."""
        return None if self._last is None else self._last.copy()

    @mutator
    def reset(self) -> None:
        """Forget the current and last groups."""
        self._sum, self._filled, self._last = np.zeros(int(self.dim)), 0, None

    def state_dict(self) -> dict[str, Any]:
        """Partial group sum and size, and the last group mean (NaN before one)."""
        return {
            "sum": self._sum.copy(),
            "filled": np.int64(self._filled),
            "last": np.full(int(self.dim), np.nan) if self._last is None else self._last.copy(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load a state of the same ``dim`` and ``group`` (checked before any change)."""
        expect_keys(state, ["sum", "filled", "last"], self)
        acc = expect_array(state, "sum", (int(self.dim),), np.float64, self)
        last = expect_array(state, "last", (int(self.dim),), np.float64, self, finite=False)
        filled = int(expect_scalar(state, "filled", np.int64, self))
        if not 0 <= filled < int(self.group):
            raise StateMismatchError(f"SlowScale: state entry 'filled' ({filled}) is out of range for groups of {self.group}")
        if not (np.all(np.isfinite(last)) or np.all(np.isnan(last))):
            raise StateMismatchError("SlowScale: state entry 'last' is partly NaN; the state is damaged: reset it")
        self._sum, self._filled = acc, filled
        self._last = None if np.isnan(last).all() else last
