"""Disjoint LinUCB on the sufficient statistics of one ridge regression per arm.

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
from ..learn.ridge import check_scatter, regularized_inverse
from ..core import checks
from .base import FLOAT, Policy

__all__ = ["LinUCB"]


class LinUCB(Policy):
    """Disjoint LinUCB (Li et al., 2010): a ridge regression per arm plus a confidence bonus.

    The state of arm ``k`` is the ridge statistics of :class:`~edgeadapt.learn.Ridge`:
    ``xtx = sum x xᵀ``, ``xty = sum r x``, ``yty = sum r²`` and the count. A decision
    scores ``θ_kᵀx + alpha sqrt(xᵀ A_k⁻¹ x)`` with ``A_k = xtx_k + ridge I`` and
    ``θ_k = A_k⁻¹ xty_k``. ``A_k⁻¹`` and ``θ_k`` are a cache: rebuilt from the sums (by
    Cholesky) on load, merge and new arms, and kept current between them by the
    Sherman-Morrison rank-one formula in O(d²) per update.

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
    ``a += b`` adds the sums, so the merged state equals one pass over both streams to
    the rounding of the additions, whatever the conditioning of ``A``; only the cache
    rebuilt from it carries the ``cond(A) * 1e-16`` error of an inversion.

    Examples
    --------
    >>> p = LinUCB(n_arms=3, dim=4)
    >>> p.state_dict()["xtx"].shape, sorted(p.state_dict())
    ((3, 4, 4), ['active', 'counts', 'rng', 'rng_pos', 'xtx', 'xty', 'yty'])
    """

    _xtx: np.ndarray
    _xty: np.ndarray
    _yty: np.ndarray
    _counts: np.ndarray
    _FIELDS = (("xtx", ("d", "d")), ("xty", ("d",)), ("yty", ()), ("counts", ()))
    _ADDITIVE = ("xtx", "xty", "yty", "counts")

    def __init__(self, n_arms: int, dim: int, alpha: float = 1.0, ridge: float = 1.0, seed: int | None = None) -> None:
        self.dim = checks.count(dim, "LinUCB", "dim")
        self.alpha = checks.real(alpha, "LinUCB", "alpha", 0.0)
        self.ridge = checks.real(ridge, "LinUCB", "ridge", 0.0, open_low=True)
        super().__init__(n_arms, seed)

    def _hyper(self) -> tuple:
        return (self.dim, self.alpha, self.ridge)

    def _new_arm(self) -> dict[str, np.ndarray]:
        return {
            "xtx": np.zeros((self.dim, self.dim), FLOAT),
            "xty": np.zeros(self.dim, FLOAT),
            "yty": np.zeros((), FLOAT),
            "counts": np.zeros((), FLOAT),
        }

    def _refresh(self) -> None:
        super()._refresh()
        k, d = self.n_arms, self.dim
        # One matrix [A_1^-1; ...; A_K^-1; θᵀ] so that a decision is one matrix-vector
        # product; _a_inv and _theta are views into it, updated in place.
        a_inv = regularized_inverse(self._xtx, self.ridge)
        stacked = np.empty((k * d + k, d), dtype=FLOAT)
        stacked[: k * d] = a_inv.reshape(k * d, d)
        stacked[k * d :] = np.einsum("kij,kj->ki", a_inv, self._xty)
        self._stacked = stacked
        self._a_inv = stacked[: k * d].reshape(k, d, d)
        self._theta = stacked[k * d :]
        self._split = k * d
        self._shape = (d,)
        self._col, self._row = (d, 1), (1, d)
        # Python-float mirrors of the per-arm scalars: cheaper to bump than array entries.
        self._cl = self._counts.tolist()
        self._yl = self._yty.tolist()

    def _sync(self) -> None:
        if hasattr(self, "_cl"):
            self._counts = np.array(self._cl, dtype=FLOAT)
            self._yty = np.array(self._yl, dtype=FLOAT)

    def _validate(self, values: dict[str, np.ndarray]) -> None:
        check_scatter(values["xtx"], values["counts"], values["yty"], "LinUCB")

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
        """Record ``reward`` of ``arm`` in ``context``: add to its sums, update its cache.

        Examples
        --------
        >>> p = LinUCB(n_arms=1, dim=1, ridge=1.0); p.update(0, 2.0, [1.0])
        >>> p.state_dict()["xtx"].tolist(), p.theta().tolist()
        ([[[1.0]]], [[1.0]])
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
        col, row = x.reshape(self._col), x.reshape(self._row)
        # The sums: (d, 1)·(1, d) through BLAS, each entry one product, so exactly symmetric.
        self._xtx[arm] += col.dot(row)
        b = self._xty[arm]
        b += reward * x
        self._yl[arm] += reward * reward
        self._cl[arm] += 1.0
        # The cache, by Sherman-Morrison.
        e = u * (1.0 / math.sqrt(1.0 + q))
        a_inv -= e.reshape(self._col).dot(e.reshape(self._row))
        self._theta[arm] = a_inv.dot(b)

    def inverse(self) -> np.ndarray:
        """The cached ``A_k⁻¹`` of every arm, shape ``(n_arms, dim, dim)`` (a copy).

        Examples
        --------
        >>> LinUCB(n_arms=1, dim=2, ridge=2.0).inverse().tolist()
        [[[0.5, 0.0], [0.0, 0.5]]]
        """
        return self._a_inv.copy()

    def theta(self) -> np.ndarray:
        """Regression weights of every arm, shape ``(n_arms, dim)``.

        Examples
        --------
        >>> LinUCB(n_arms=2, dim=3).theta().shape
        (2, 3)
        """
        return self._theta.copy()
