"""Disjoint LinUCB with rank-one (Sherman-Morrison) updates of each arm's inverse.

Examples
--------
>>> import numpy as np
>>> p = LinUCB(n_arms=2, dim=2, alpha=0.1, seed=0)
>>> for t in range(50):
...     x = np.array([1.0, float(t % 2)])
...     a = p.select(x)
...     p.update(a, float(a == t % 2), x)
>>> p.select(np.array([1.0, 1.0])), p.select(np.array([1.0, 0.0]))
(1, 0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError, StateMismatchError
from ..core.protocol import mutator
from ..learn.moments import SYMMETRY_RTOL
from ..core import checks
from .base import FLOAT, Policy

__all__ = ["LinUCB"]


class LinUCB(Policy):
    """Disjoint LinUCB (Li et al., 2010): a ridge regression per arm plus a confidence bonus.

    Arm ``k`` keeps ``A_k^{-1}`` with ``A_k = ridge I + sum x xᵀ`` and ``b_k = sum r x``.
    A decision scores ``θ_kᵀx + alpha sqrt(xᵀ A_k^{-1} x)`` with ``θ_k = A_k^{-1} b_k``; an
    update applies the Sherman-Morrison rank-one formula to ``A_k^{-1}`` in O(d²),
    with no factorization per step.

    Parameters
    ----------
    n_arms : int
    dim : int
        Context dimension.
    alpha : float
        Width of the confidence bonus.
    ridge : float
        Regularization (> 0) of each arm's regression.
    seed : int or None
        Kept for a uniform interface and saved; LinUCB is deterministic (ties: lowest index).

    Notes
    -----
    ``a += b`` merges exactly in exact arithmetic: ``A = A_a + A_b - ridge I`` is rebuilt
    from the inverses (``inv(A_inv)``), so the rounding error is about ``cond(A) * 1e-16``;
    the conformance suite checks it at a relative tolerance of 1e-8.

    Examples
    --------
    >>> p = LinUCB(n_arms=3, dim=4)
    >>> p.state_dict()["a_inv"].shape
    (3, 4, 4)
    """

    _FIELDS = (("a_inv", ("d", "d")), ("b", ("d",)), ("counts", ()))
    _ADDITIVE = ("b", "counts")

    def __init__(self, n_arms: int, dim: int, alpha: float = 1.0, ridge: float = 1.0, seed: int | None = None) -> None:
        self.dim = checks.count(dim, "LinUCB", "dim")
        self.alpha = checks.real(alpha, "LinUCB", "alpha", 0.0)
        self.ridge = checks.real(ridge, "LinUCB", "ridge", 0.0, open_low=True)
        super().__init__(n_arms, seed)

    def _hyper(self) -> tuple:
        return (self.dim, self.alpha, self.ridge)

    def _new_arm(self) -> dict[str, np.ndarray]:
        return {
            "a_inv": np.eye(self.dim, dtype=FLOAT) / self.ridge,
            "b": np.zeros(self.dim, FLOAT),
            "counts": np.zeros((), FLOAT),
        }

    def _refresh(self) -> None:
        super()._refresh()
        k, d = self.n_arms, self.dim
        # One matrix [A_1^-1; ...; A_K^-1; θᵀ] so that a decision is one matrix-vector
        # product; _a_inv and _theta are views into it, updated in place.
        stacked = np.empty((k * d + k, d), dtype=FLOAT)
        stacked[: k * d] = self._a_inv.reshape(k * d, d)
        stacked[k * d :] = np.einsum("kij,kj->ki", self._a_inv, self._b)
        self._stacked = stacked
        self._a_inv = stacked[: k * d].reshape(k, d, d)
        self._theta = stacked[k * d :]
        self._split = k * d
        self._shape = (d,)
        self._col, self._row = (d, 1), (1, d)
        self._cl = self._counts.tolist()

    def _sync(self) -> None:
        if hasattr(self, "_cl"):
            self._counts = np.array(self._cl, dtype=FLOAT)

    def _validate(self, values: dict[str, np.ndarray]) -> None:
        a_inv = values["a_inv"]
        if (values["counts"] < 0.0).any() or not np.allclose(a_inv, np.swapaxes(a_inv, 1, 2), rtol=SYMMETRY_RTOL, atol=0.0):
            raise StateMismatchError("LinUCB: negative counts or a non-symmetric a_inv; the state is damaged: reset it")

    def _context(self, context: Any) -> np.ndarray:
        if type(context) is not np.ndarray or context.shape != self._shape or context.dtype != FLOAT:
            if context is None:
                raise InputError("LinUCB: context is required; pass a vector of length dim")
            if np.iscomplexobj(context):
                raise InputError("LinUCB: context is complex; pass real numbers")
            try:
                context = np.ascontiguousarray(context, dtype=FLOAT).reshape(-1)
            except (TypeError, ValueError) as exc:
                raise InputError("LinUCB: context must be a numeric vector") from exc
            if context.shape != (self.dim,):
                raise InputError(f"LinUCB: context has {context.size} values, expected {self.dim}")
        return context

    def _check_finite(self, x: np.ndarray) -> None:
        if not np.isfinite(x).all():
            raise InputError("LinUCB: context holds NaN or Inf; repair it before use")

    def scores(self, context: Any) -> np.ndarray:
        """Upper confidence bound of each arm for ``context`` (retired arms: -inf).

        Examples
        --------
        >>> LinUCB(n_arms=2, dim=1, alpha=1.0).scores([2.0]).tolist()
        [2.0, 2.0]
        """
        x = self._context(context)
        self._check_finite(x)
        u = (self._a_inv @ x) @ x
        return self._theta @ x + self.alpha * np.sqrt(np.maximum(u, 0.0)) + self._penalty

    def select(self, context: Any = None, allowed: Any = None) -> int:
        """Choose the arm with the largest upper confidence bound.

        Examples
        --------
        >>> LinUCB(n_arms=2, dim=1).select([1.0], allowed=[1])
        1
        """
        x = self._context(context)
        if not self._active_list:
            raise self._no_arm()
        y = self._stacked.dot(x)
        split = self._split
        s = y[split:] + self.alpha * np.sqrt(y[:split].reshape(self.n_arms, self.dim).dot(x))
        if not self._all_active:
            s += self._penalty
        if allowed is not None:
            s = np.where(self._mask(allowed), s, -np.inf)
        arm = int(s.argmax())
        v = float(s[arm])
        if v - v != 0.0:
            # NaN from the context (it reaches every entry) or -inf for no arm.
            self._check_finite(x)
            s = self.scores(x) if allowed is None else np.where(self._mask(allowed), self.scores(x), -np.inf)
            arm = int(s.argmax())
        return arm

    @mutator
    def update(self, arm: int, reward: float, context: Any = None) -> None:
        """Record ``reward`` of ``arm`` in ``context`` (rank-one update of its inverse).

        Examples
        --------
        >>> p = LinUCB(n_arms=1, dim=1, ridge=1.0); p.update(0, 2.0, [1.0])
        >>> p.state_dict()["a_inv"].tolist(), p.theta().tolist()
        ([[[0.5]]], [[1.0]])
        """
        if type(arm) is not int or not 0 <= arm < self.n_arms:
            arm = self._check_arm(arm)
        if type(reward) is not float or reward - reward != 0.0:
            reward = self._check_reward(reward)
        x = self._context(context)
        a_inv = self._a_inv[arm]
        u = a_inv.dot(x)
        q = float(x.dot(u))
        if not q >= 0.0 or q - q != 0.0:
            self._check_finite(x)
            raise InputError("LinUCB: context is too large for a stable update; rescale it")
        e = u * (1.0 / math.sqrt(1.0 + q))
        # (d, 1)·(1, d) through BLAS: each entry is one product, so exactly symmetric.
        a_inv -= e.reshape(self._col).dot(e.reshape(self._row))
        b = self._b[arm]
        b += reward * x
        self._cl[arm] += 1.0
        self._theta[arm] = a_inv.dot(b)

    def theta(self) -> np.ndarray:
        """Regression weights of every arm, shape ``(n_arms, dim)``.

        Examples
        --------
        >>> LinUCB(n_arms=2, dim=3).theta().shape
        (2, 3)
        """
        return self._theta.copy()

    def __iadd__(self, other: "LinUCB") -> "LinUCB":
        """Merge another device's statistics: ``A = A_a + A_b - ridge I``, ``b = b_a + b_b``."""
        self._merge_compatible(other)
        self._sync()
        other._sync()
        eye = np.eye(self.dim) * self.ridge
        a = np.linalg.inv(self._a_inv) + np.linalg.inv(other._a_inv) - eye
        a = 0.5 * (a + np.swapaxes(a, 1, 2))
        inv = np.linalg.inv(a)
        self._a_inv = 0.5 * (inv + np.swapaxes(inv, 1, 2))
        self._b = self._b + other._b
        self._counts = self._counts + other._counts
        self._refresh()
        return self
