"""Ridge regression from sufficient statistics (XᵀX, Xᵀy, yᵀy, count).

Examples
--------
>>> import numpy as np
>>> r = Ridge(dim=2, alpha=0.0)
>>> r.update_many(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([2.0, 3.0, 5.0]))
>>> r.coef().round(6).tolist()
[2.0, 3.0]
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..errors import InputError, StateMismatchError
from ..core.protocol import Stateful, expect_array, expect_keys, expect_scalar, mutator
from .moments import SYMMETRY_RTOL
from ..core import checks
from ..core.checks import FLOAT
from ._forget import decay_weights

__all__ = ["Ridge", "RIDGE_RCOND", "check_scatter", "regularized_inverse"]

# Eigenvalues below RIDGE_RCOND * largest are treated as zero in the fallback solve.
RIDGE_RCOND = 1e-12


def check_scatter(xtx: np.ndarray, count: Any, yty: Any, owner: str) -> None:
    """Raise ``StateMismatchError`` for scatter statistics no sequence of updates can give.

    ``xtx`` is one ``(p, p)`` matrix or a stack of them; ``count`` and ``yty`` match the
    stack. Shared by :class:`Ridge` and the per-arm regressions of ``LinUCB``.

    Examples
    --------
    >>> check_scatter(np.array([[1.0, 2.0], [0.0, 1.0]]), np.float64(1), np.float64(0), "Ridge")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.StateMismatchError: Ridge: state has a negative count or yty, or a non-symmetric xtx; the state is damaged: reset it
    """
    sym = np.allclose(xtx, np.swapaxes(xtx, -1, -2), rtol=SYMMETRY_RTOL, atol=0.0)
    diag = np.diagonal(xtx, axis1=-2, axis2=-1)
    if (np.asarray(count) < 0.0).any() or (np.asarray(yty) < 0.0).any() or not sym or (diag < 0.0).any():
        raise StateMismatchError(
            f"{owner}: state has a negative count or yty, or a non-symmetric xtx; the state is damaged: reset it"
        )


def regularized_inverse(xtx: np.ndarray, penalty: float) -> np.ndarray:
    """``inv(xtx + penalty I)`` for one scatter matrix or a stack, exactly symmetric.

    Through a Cholesky factor: ``penalty > 0`` makes the matrix positive definite.

    Examples
    --------
    >>> regularized_inverse(np.array([[3.0]]), 1.0).tolist()
    [[0.25]]
    """
    p = xtx.shape[-1]
    a = xtx + penalty * np.eye(p, dtype=FLOAT)
    inv_l = np.linalg.inv(np.linalg.cholesky(a))
    inv = np.swapaxes(inv_l, -1, -2) @ inv_l
    return 0.5 * (inv + np.swapaxes(inv, -1, -2))


class Ridge(Stateful):
    """Linear least squares with an L2 penalty, updated exactly one sample at a time.

    The state is the weighted scatter ``XᵀX`` (dim × dim), ``Xᵀy`` (dim), ``yᵀy`` and
    the sum of weights. :meth:`coef` solves ``(XᵀX + alpha I) w = Xᵀy``, which equals
    a batch fit on all data seen; two states add up (``+=``) to the state of one
    device that saw both streams.

    Parameters
    ----------
    dim : int
        Number of input features (without the intercept).
    alpha : float
        Ridge penalty (>= 0). ``0`` gives ordinary least squares.
    fit_intercept : bool
        Append a constant feature whose weight is not penalized.
    forgetting : float or None
        Exponential forgetting factor in (0, 1] applied to the statistics before each
        update; with it, ``+=`` pools states but no longer equals one pass.

    Notes
    -----
    The solve uses a Cholesky factorization of ``XᵀX + alpha I``. If that matrix is
    singular or too ill-conditioned for Cholesky (for example ``alpha = 0`` with
    collinear features), it falls back to a symmetric eigendecomposition that drops
    eigenvalues below ``RIDGE_RCOND`` times the largest and returns the minimum-norm
    least-squares solution: always finite, never an exception. With
    ``alpha = 0`` the accuracy is that of the normal equations, about
    ``cond(X)**2 * 1e-16`` relative error.

    Examples
    --------
    >>> a, b = Ridge(1, alpha=0.0, fit_intercept=True), Ridge(1, alpha=0.0, fit_intercept=True)
    >>> a.update([0.0], 1.0); a.update([1.0], 3.0)
    >>> b.update([2.0], 5.0)
    >>> a += b
    >>> a.coef().round(6).tolist(), round(a.intercept(), 6), round(a.predict([3.0]), 6)
    ([2.0], 1.0, 7.0)
    """

    def __init__(self, dim: int, alpha: float = 1.0, fit_intercept: bool = False, forgetting: float | None = None) -> None:
        self.dim = checks.count(dim, "Ridge", "dim")
        alpha = float(alpha)
        if not (alpha >= 0.0 and alpha - alpha == 0.0):
            raise InputError(f"Ridge: alpha must be a finite non-negative penalty, got {alpha!r}")
        self.alpha = alpha
        self.fit_intercept = bool(fit_intercept)
        self.forgetting = checks.forgetting(forgetting, "Ridge")
        self._p = self.dim + (1 if self.fit_intercept else 0)
        self._count = 0.0
        self._xtx = np.zeros((self._p, self._p), dtype=FLOAT)
        self._xty = np.zeros(self._p, dtype=FLOAT)
        self._yty = 0.0
        self._solution: np.ndarray | None = None

    def _augment(self, x: np.ndarray) -> np.ndarray:
        if not self.fit_intercept:
            return x
        return np.concatenate([x, np.ones(x.shape[:-1] + (1,), dtype=FLOAT)], axis=-1)

    @mutator
    def update(self, x: Any, y: float, weight: float = 1.0) -> None:
        """Add one sample ``(x, y)``.

        Examples
        --------
        >>> r = Ridge(1, alpha=0.0); r.update([2.0], 4.0); r.coef().tolist()
        [2.0]
        """
        z = self._augment(checks.vector(x, self.dim, "Ridge"))
        y = checks.number(y, "Ridge", "y")
        w = checks.weight(weight, "Ridge")
        if self.forgetting is not None:
            f = self.forgetting
            self._count *= f
            self._xtx *= f
            self._xty *= f
            self._yty *= f
        e = z if w == 1.0 else z * math.sqrt(w)
        self._xtx += e.reshape(self._p, 1).dot(e.reshape(1, self._p))
        self._xty += (w * y) * z
        self._yty += w * y * y
        self._count += w
        self._solution = None

    @mutator
    def update_many(self, X: Any, y: Any, weights: Any = None) -> None:
        """Add a batch; the state equals that of the ``update`` loop to rounding.

        Examples
        --------
        >>> r = Ridge(1, alpha=0.0); r.update_many([[1.0], [2.0]], [2.0, 4.0]); r.coef().tolist()
        [2.0]
        """
        X = checks.matrix(X, self.dim, "Ridge")
        n = X.shape[0]
        try:
            yv = np.ascontiguousarray(y, dtype=FLOAT).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise InputError("Ridge: y must be a numeric vector with one target per row of X") from exc
        if yv.shape != (n,):
            raise InputError(f"Ridge: y has {yv.size} values for {n} rows of X; pass one target per row")
        if not np.isfinite(yv).all():
            raise InputError("Ridge: y holds NaN or Inf; drop or repair those rows before updating")
        w, old = decay_weights(checks.weights(weights, n, "Ridge"), self.forgetting)
        Z = self._augment(X)
        wZ = Z * w[:, None]
        xtx = wZ.T @ Z
        self._xtx = self._xtx * old + 0.5 * (xtx + xtx.T)
        self._xty = self._xty * old + wZ.T @ yv
        self._yty = self._yty * old + float(w @ (yv * yv))
        self._count = self._count * old + float(w.sum())
        self._solution = None

    def __iadd__(self, other: "Ridge") -> "Ridge":
        """Add another stream's statistics (exact: the sums add)."""
        if type(other) is not Ridge or other.dim != self.dim or other.fit_intercept != self.fit_intercept:
            raise InputError("Ridge: can only merge another Ridge with the same dim and fit_intercept")
        self._xtx = self._xtx + other._xtx
        self._xty = self._xty + other._xty
        self._yty += other._yty
        self._count += other._count
        self._solution = None
        return self

    # ------------------------------------------------------------------ queries
    def _penalty(self) -> np.ndarray:
        diag = np.full(self._p, self.alpha, dtype=FLOAT)
        if self.fit_intercept:
            diag[-1] = 0.0
        return diag

    def _solve(self) -> np.ndarray:
        if self._solution is None:
            A = self._xtx.copy()
            A[np.diag_indices_from(A)] += self._penalty()
            try:
                L = np.linalg.cholesky(A)
                sol = np.linalg.solve(L.T, np.linalg.solve(L, self._xty))
                if not np.isfinite(sol).all() or np.diag(L).min() <= np.diag(L).max() * np.sqrt(RIDGE_RCOND):
                    raise np.linalg.LinAlgError("ill-conditioned")
            except np.linalg.LinAlgError:
                vals, vecs = np.linalg.eigh(A)
                top = max(float(vals.max()), 0.0)
                keep = vals > top * RIDGE_RCOND
                inv = np.zeros_like(vals)
                inv[keep] = 1.0 / vals[keep]
                sol = vecs @ (inv * (vecs.T @ self._xty))
            self._solution = sol
        return self._solution

    def coef(self) -> np.ndarray:
        """Weights of the features, shape ``(dim,)`` (zeros before any data).

        Examples
        --------
        >>> Ridge(2).coef().tolist()
        [0.0, 0.0]
        """
        return self._solve()[: self.dim].copy()

    def intercept(self) -> float:
        """The intercept (0.0 without ``fit_intercept``).

        Examples
        --------
        >>> Ridge(1).intercept()
        0.0
        """
        return float(self._solve()[-1]) if self.fit_intercept else 0.0

    def predict(self, x: Any) -> float:
        """Prediction for one sample of shape ``(dim,)``.

        Examples
        --------
        >>> r = Ridge(1, alpha=0.0); r.update([1.0], 2.0); r.predict([3.0])
        6.0
        """
        z = self._augment(checks.vector(x, self.dim, "Ridge"))
        return float(z @ self._solve())

    def predict_many(self, X: Any) -> np.ndarray:
        """Predictions for a batch of shape ``(n, dim)``.

        Examples
        --------
        >>> r = Ridge(1, alpha=0.0); r.update([1.0], 2.0); r.predict_many([[1.0], [2.0]]).tolist()
        [2.0, 4.0]
        """
        return self._augment(checks.matrix(X, self.dim, "Ridge")) @ self._solve()

    @property
    def count(self) -> float:
        """Sum of weights seen (after forgetting)."""
        return float(self._count)

    def residual_sum_of_squares(self) -> float:
        """Weighted sum of squared residuals of the current fit, from the statistics alone.

        Examples
        --------
        >>> r = Ridge(1, alpha=0.0); r.update_many([[1.0], [2.0]], [2.0, 4.0])
        >>> abs(r.residual_sum_of_squares()) < 1e-12
        True
        """
        w = self._solve()
        return max(float(self._yty - 2.0 * (w @ self._xty) + w @ self._xtx @ w), 0.0)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """``count``, ``yty`` (float64), ``xtx`` (p, p), ``xty`` (p,), p = dim (+1 with intercept).

        Examples
        --------
        >>> sorted(Ridge(2).state_dict())
        ['count', 'xtx', 'xty', 'yty']
        """
        return {
            "count": np.float64(self._count),
            "xtx": self._xtx.copy(),
            "xty": self._xty.copy(),
            "yty": np.float64(self._yty),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state after checking it.

        Examples
        --------
        >>> a = Ridge(1); a.update([1.0], 1.0); b = Ridge(1); b.load_state_dict(a.state_dict()); b.count
        1.0
        """
        expect_keys(state, ["count", "xtx", "xty", "yty"], self)
        count = float(expect_scalar(state, "count", FLOAT, self))
        xtx = expect_array(state, "xtx", (self._p, self._p), FLOAT, self)
        xty = expect_array(state, "xty", (self._p,), FLOAT, self)
        yty = float(expect_scalar(state, "yty", FLOAT, self))
        check_scatter(xtx, np.float64(count), np.float64(yty), "Ridge")
        self._count, self._xtx, self._xty, self._yty = count, xtx, xty, yty
        self._solution = None

    def __repr__(self) -> str:
        return f"Ridge(dim={self.dim}, alpha={self.alpha}, fit_intercept={self.fit_intercept}, count={self._count:g})"
