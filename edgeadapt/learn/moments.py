"""Running moments and covariance: weighted Welford updates, Chan's merge.

Both learners hold their sufficient statistics only (count, mean, and the sum of
weighted squared deviations or the scatter matrix). ``update`` adds one sample,
``update_many`` a batch with the same result to rounding, and ``a += b`` merges the
state of another stream exactly (Chan, Golub and LeVeque, 1979).

Examples
--------
>>> import numpy as np
>>> m = Moments(dim=2)
>>> m.update_many(np.array([[1.0, 10.0], [3.0, 30.0]]))
>>> m.count, m.mean.tolist(), m.variance().tolist()
(2.0, [2.0, 20.0], [1.0, 100.0])
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..errors import InputError, StateMismatchError
from ..core.protocol import Stateful, expect_array, expect_keys, expect_scalar, mutator
from ..core import checks
from ..core.checks import FLOAT
from ._forget import decay_weights

__all__ = ["Moments", "Covariance"]

# Dimension of the bivariate case that Covariance keeps in Python floats for speed.
PAIR_DIM = 2
PAIR_SHAPE = (PAIR_DIM,)
# Relative asymmetry a loaded scatter matrix may show (rounding of merges), no more.
SYMMETRY_RTOL = 1e-9


_ONES: dict[int, np.ndarray] = {}
_ONES_CACHE_MAX = 8


def _ones(n: int) -> np.ndarray:
    """A read-only vector of ``n`` ones (column sums as one BLAS call), cached by size."""
    ones = _ONES.get(n)
    if ones is None:
        if len(_ONES) >= _ONES_CACHE_MAX:
            _ONES.clear()
        ones = np.ones(n, dtype=FLOAT)
        ones.flags.writeable = False
        _ONES[n] = ones
    return ones


def _check_merge(self: Any, other: Any) -> None:
    if type(other) is not type(self) or other.dim != self.dim:
        raise InputError(
            f"{type(self).__name__}: can only merge another {type(self).__name__} of dim {self.dim}, "
            f"got {type(other).__name__}" + (f" of dim {other.dim}" if hasattr(other, "dim") else "")
        )


def _check_count(count: float, owner: Any) -> float:
    if count < 0.0:
        raise StateMismatchError(f"{type(owner).__name__}: state entry 'count' is negative; the state is damaged: reset it")
    return count


class Moments(Stateful):
    """Running count, mean and variance of each feature of a vector stream.

    Parameters
    ----------
    dim : int
        Number of features.
    forgetting : float or None
        ``None`` (default) weighs every sample alike and merges exactly. A factor
        ``f`` in (0, 1] multiplies the weight of everything seen before at each update,
        so the statistics follow a drifting stream with an effective memory of about
        ``1 / (1 - f)`` samples. With forgetting, ``a += b`` still pools the two
        weighted states, but that is no longer what one pass over both streams gives,
        because the order of the samples matters.

    Attributes
    ----------
    count : float
        Sum of the weights seen (after forgetting).
    mean : numpy.ndarray
        Weighted mean, shape ``(dim,)``; zeros before any update.

    Notes
    -----
    Weighted Welford update (West, 1979); with ``dim == 1`` the state is held in Python
    floats, so one update costs a few hundred nanoseconds. ``update`` accepts a float
    when ``dim == 1``.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = Moments(dim=1), Moments(dim=1)
    >>> for x in [1.0, 2.0, 3.0]:
    ...     a.update(x)
    >>> b.update_many(np.array([[4.0], [5.0]]))
    >>> a += b
    >>> a.count, a.mean.tolist(), a.variance(ddof=1).tolist()
    (5.0, [3.0], [2.5])
    """

    def __init__(self, dim: int, forgetting: float | None = None) -> None:
        self.dim = checks.count(dim, type(self).__name__, "dim")
        self.forgetting = checks.forgetting(forgetting, type(self).__name__)
        self._scalar = self.dim == 1
        self._fast = self._scalar and self.forgetting is None
        self._count = 0.0
        if self._scalar:
            self._mean: Any = 0.0
            self._m2: Any = 0.0
        else:
            self._mean = np.zeros(self.dim, dtype=FLOAT)
            self._m2 = np.zeros(self.dim, dtype=FLOAT)

    # ------------------------------------------------------------------ updates
    @mutator
    def update(self, x: Any, weight: float = 1.0) -> None:
        """Add one sample.

        Parameters
        ----------
        x : array_like, shape (dim,)
            The sample (a float is accepted when ``dim == 1``).
        weight : float
            Non-negative weight of the sample (frequency weight).

        Examples
        --------
        >>> m = Moments(dim=1)
        >>> m.update(2.0, weight=3.0)
        >>> m.count, m.mean.tolist()
        (3.0, [2.0])
        """
        if self._fast and type(x) is float and weight == 1.0:
            # dim 1, unit weight, no forgetting: plain floats (river-style cost).
            mean = self._mean
            delta = x - mean
            if delta - delta == 0.0:
                n = self._count + 1.0
                self._count = n
                mean += delta / n
                self._mean = mean
                self._m2 += delta * (x - mean)
                return
        self._update_any(x, weight)

    def _update_any(self, x: Any, weight: Any) -> None:
        weight = checks.weight(weight, "Moments")
        if self._scalar:
            if type(x) is not float:
                x = float(checks.vector(x, 1, "Moments")[0])
            if x - x != 0.0:
                raise InputError("Moments: x is NaN or Inf; drop or repair the sample before updating")
            count = self._count
            if self.forgetting is not None:
                count *= self.forgetting
                self._m2 *= self.forgetting
            n = count + weight
            self._count = n
            if n > 0.0:
                delta = x - self._mean
                self._mean += delta * (weight / n)
                self._m2 += (weight * count / n) * delta * delta
            return
        x = checks.vector(x, self.dim, "Moments")
        count = self._count
        if self.forgetting is not None:
            count *= self.forgetting
            self._m2 *= self.forgetting
        n = count + weight
        self._count = n
        if n > 0.0:
            delta = x - self._mean
            self._mean += delta * (weight / n)
            self._m2 += (weight * count / n) * (delta * delta)

    @mutator
    def update_many(self, X: Any, weights: Any = None) -> None:
        """Add a batch of samples; the state equals that of the ``update`` loop.

        Parameters
        ----------
        X : array_like, shape (n, dim)
            One sample per row (a 1-d array when ``dim == 1``).
        weights : array_like, shape (n,), optional
            Non-negative weights; all ones by default.

        Examples
        --------
        >>> m = Moments(dim=1, forgetting=0.5)
        >>> m.update_many([1.0, 2.0, 3.0])
        >>> round(m.count, 6), m.mean.round(6).tolist()
        (1.75, [2.428571])
        """
        if self._scalar and weights is None and self.forgetting is None:
            x = X if type(X) is np.ndarray and X.dtype == FLOAT else checks.matrix(X, 1, "Moments")
            if x.ndim == 1 or (x.ndim == 2 and x.shape[1] == 1):
                self._update_many_scalar(x.reshape(-1))
                return
        X = checks.matrix(X, self.dim, "Moments")
        w = checks.weights(weights, X.shape[0], "Moments")
        if X.shape[0] == 0:
            return
        w, old = decay_weights(w, self.forgetting)
        total = float(w.sum())
        count = self._count * old
        m2 = self._m2 * old
        if total <= 0.0:
            self._count, self._m2 = count, m2
            return
        mean_b = w.dot(X) / total
        dev = X - mean_b
        m2_b = w.dot(dev * dev)
        self._merge(count, self._mean, m2, total, mean_b, m2_b)

    def _update_many_scalar(self, x: np.ndarray) -> None:
        # dim 1, unit weights, no forgetting: three passes over a contiguous vector,
        # then Chan's merge in Python floats. NaN or Inf anywhere reaches the sums.
        n = x.shape[0]
        if n == 0:
            return
        nb = float(n)
        mean_b = float(np.add.reduce(x)) / nb
        if mean_b - mean_b != 0.0:
            raise InputError("Moments: X holds NaN or Inf; drop or repair those rows before updating")
        dev = x - mean_b
        m2_b = float(dev.dot(dev))
        if m2_b - m2_b != 0.0:
            raise InputError("Moments: X holds values too large to square; rescale them")
        na = self._count
        total = na + nb
        delta = mean_b - self._mean
        self._mean += delta * (nb / total)
        self._m2 += m2_b + delta * delta * (na * nb / total)
        self._count = total

    def _merge(self, na: float, ma: Any, m2a: Any, nb: float, mb: Any, m2b: Any) -> None:
        n = na + nb
        if nb <= 0.0:
            self._count, self._m2 = n, m2a
            return
        if self._scalar:
            ma, mb, m2a, m2b = (float(np.asarray(v).reshape(-1)[0]) for v in (ma, mb, m2a, m2b))
        delta = mb - ma
        self._mean = ma + delta * (nb / n)
        self._m2 = m2a + m2b + (delta * delta) * (na * nb / n)
        self._count = n

    def __iadd__(self, other: "Moments") -> "Moments":
        """Merge another stream's state (Chan's formula): equals one pass over both."""
        _check_merge(self, other)
        self._merge(self._count, self._mean, self._m2, other._count, other._mean, other._m2)
        return self

    def __add__(self, other: "Moments") -> "Moments":
        """A new state holding both streams; neither operand changes.

        Examples
        --------
        >>> a, b = Moments(1), Moments(1)
        >>> a.update(1.0); b.update(3.0)
        >>> (a + b).mean.tolist(), a.count
        ([2.0], 1.0)
        """
        out = type(self)(self.dim, self.forgetting)
        out.load_state_dict(self.state_dict())
        out += other
        return out

    # ------------------------------------------------------------------ queries
    @property
    def count(self) -> float:
        """Sum of the weights seen (after forgetting)."""
        return float(self._count)

    @property
    def mean(self) -> np.ndarray:
        """Weighted mean per feature, shape ``(dim,)`` (zeros before any update)."""
        return np.array(self._mean, dtype=FLOAT).reshape(self.dim)

    def variance(self, ddof: float = 0) -> np.ndarray:
        """Weighted variance per feature, ``m2 / (count - ddof)``.

        Parameters
        ----------
        ddof : float
            Delta degrees of freedom (1 for the unbiased estimate with frequency weights).

        Returns
        -------
        numpy.ndarray, shape (dim,)
            Zeros while ``count <= ddof``.

        Examples
        --------
        >>> m = Moments(1); m.update_many([1.0, 2.0, 3.0, 4.0])
        >>> m.variance().tolist(), m.variance(ddof=1).round(4).tolist()
        ([1.25], [1.6667])
        """
        ddof = checks.real(ddof, "Moments", "ddof", 0.0)
        m2 = np.array(self._m2, dtype=FLOAT).reshape(self.dim)
        denom = self._count - ddof
        if denom <= 0.0:
            return np.zeros(self.dim, dtype=FLOAT)
        return np.maximum(m2 / denom, 0.0)

    def std(self, ddof: float = 0) -> np.ndarray:
        """Weighted standard deviation per feature, ``sqrt(variance(ddof))``.

        Examples
        --------
        >>> m = Moments(1); m.update_many([1.0, 3.0])
        >>> m.std().tolist()
        [1.0]
        """
        return np.sqrt(self.variance(ddof))

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """The state as new arrays: ``count`` (float64), ``mean`` and ``m2`` (dim,).

        Examples
        --------
        >>> sorted(Moments(2).state_dict())
        ['count', 'm2', 'mean']
        """
        return {
            "count": np.float64(self._count),
            "mean": np.array(self._mean, dtype=FLOAT).reshape(self.dim),
            "m2": np.array(self._m2, dtype=FLOAT).reshape(self.dim),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state after checking names, shapes, dtypes and values.

        Examples
        --------
        >>> a = Moments(2); a.update([1.0, 2.0])
        >>> b = Moments(2); b.load_state_dict(a.state_dict())
        >>> b.mean.tolist()
        [1.0, 2.0]
        """
        expect_keys(state, ["count", "mean", "m2"], self)
        count = _check_count(float(expect_scalar(state, "count", FLOAT, self)), self)
        mean = expect_array(state, "mean", (self.dim,), FLOAT, self)
        m2 = expect_array(state, "m2", (self.dim,), FLOAT, self)
        if (m2 < 0.0).any():
            raise StateMismatchError("Moments: state entry 'm2' is negative; the state is damaged: reset it")
        self._count = count
        if self._scalar:
            self._mean, self._m2 = float(mean[0]), float(m2[0])
        else:
            self._mean, self._m2 = mean, m2

    def __repr__(self) -> str:
        return f"Moments(dim={self.dim}, forgetting={self.forgetting}, count={self._count:g})"


class Covariance(Stateful):
    """Running count, mean and covariance (scatter) matrix of a vector stream.

    Parameters
    ----------
    dim : int
        Number of features.
    forgetting : float or None
        As in :class:`Moments`: ``None`` merges exactly; a factor in (0, 1] discounts
        the past at each update and makes ``+=`` a pooling, not one pass.

    Notes
    -----
    The state is ``count``, ``mean`` and the comoment ``C = sum w (x - mean)(x - mean)^T``,
    updated by the rank-one Welford step ``C += w n_old / n * d d^T`` with
    ``d = x - mean_old``; it is exactly symmetric.

    Examples
    --------
    >>> import numpy as np
    >>> c = Covariance(dim=2)
    >>> c.update_many(np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0]]))
    >>> c.covariance(ddof=1).tolist()
    [[1.0, 2.0], [2.0, 4.0]]
    >>> c.correlation().round(6).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """

    def __init__(self, dim: int, forgetting: float | None = None) -> None:
        self.dim = checks.count(dim, type(self).__name__, "dim")
        self.forgetting = checks.forgetting(forgetting, type(self).__name__)
        self._count = 0.0
        # dim 2 (the bivariate case) keeps mean and comoment in Python floats:
        # [mean_0, mean_1, c_00, c_01, c_11]; other dims keep numpy arrays.
        self._pair = self.dim == PAIR_DIM
        self._fast = self._pair and self.forgetting is None
        self._put(np.zeros(self.dim, dtype=FLOAT), np.zeros((self.dim, self.dim), dtype=FLOAT))

    def _put(self, mean: np.ndarray, comoment: np.ndarray) -> None:
        if self._pair:
            self._p = [float(mean[0]), float(mean[1]), float(comoment[0, 0]), float(comoment[0, 1]), float(comoment[1, 1])]
        else:
            self._mean, self._comoment = mean, comoment

    def _get(self) -> tuple[np.ndarray, np.ndarray]:
        if self._pair:
            m0, m1, c00, c01, c11 = self._p
            return np.array([m0, m1], dtype=FLOAT), np.array([[c00, c01], [c01, c11]], dtype=FLOAT)
        return self._mean, self._comoment

    @mutator
    def update(self, x: Any, weight: float = 1.0) -> None:
        """Add one sample of shape ``(dim,)`` with a non-negative weight.

        Examples
        --------
        >>> c = Covariance(2); c.update([1.0, 2.0]); c.update([3.0, 0.0])
        >>> c.covariance().tolist()
        [[1.0, -1.0], [-1.0, 1.0]]
        """
        if self._fast and weight == 1.0:
            # bivariate, unit weight, no forgetting: plain floats. Anything but a
            # numeric array of two values (or a NaN) fails here and takes the checked path.
            try:
                x0, x1 = x.tolist()
                m0, m1, c00, c01, c11 = self._p
                d0 = x0 - m0
                d1 = x1 - m1
            except (AttributeError, TypeError, ValueError):
                d0 = d1 = math.nan
            if d0 - d0 == 0.0 == d1 - d1 and type(d0) is float and type(d1) is float:
                n = self._count + 1.0
                self._count = n
                r = 1.0 / n
                s = 1.0 - r
                e0 = d0 * s
                self._p = [m0 + d0 * r, m1 + d1 * r, c00 + e0 * d0, c01 + e0 * d1, c11 + d1 * s * d1]
                return
        self._update_any(x, weight)

    def _update_any(self, x: Any, weight: Any) -> None:
        weight = checks.weight(weight, "Covariance")
        if self._pair:
            x0, x1 = checks.vector(x, PAIR_DIM, "Covariance").tolist()
            if x0 - x0 != 0.0 or x1 - x1 != 0.0:
                raise InputError("Covariance: x holds NaN or Inf; drop or repair the sample before updating")
            p = self._p
            count = self._count
            if self.forgetting is not None:
                f = self.forgetting
                count *= f
                p[2] *= f
                p[3] *= f
                p[4] *= f
            n = count + weight
            self._count = n
            if n > 0.0:
                d0 = x0 - p[0]
                d1 = x1 - p[1]
                r = weight / n
                p[0] += d0 * r
                p[1] += d1 * r
                coef = weight * count / n
                e0 = d0 * coef
                p[2] += e0 * d0
                p[3] += e0 * d1
                p[4] += d1 * coef * d1
            return
        x = checks.vector(x, self.dim, "Covariance")
        count = self._count
        if self.forgetting is not None:
            count *= self.forgetting
            self._comoment *= self.forgetting
        n = count + weight
        self._count = n
        if n > 0.0:
            delta = x - self._mean
            self._mean += delta * (weight / n)
            coef = weight * count / n
            if coef != 0.0:
                e = delta * math.sqrt(coef)
                self._comoment += e.reshape(self.dim, 1).dot(e.reshape(1, self.dim))

    @mutator
    def update_many(self, X: Any, weights: Any = None) -> None:
        """Add a batch; the state equals that of the ``update`` loop to rounding.

        Examples
        --------
        >>> c = Covariance(2); c.update_many([[1.0, 2.0], [3.0, 0.0]], weights=[1.0, 1.0])
        >>> c.mean.tolist()
        [2.0, 1.0]
        """
        if weights is None and self.forgetting is None:
            arr = X if type(X) is np.ndarray and X.dtype == FLOAT else checks.matrix(X, self.dim, "Covariance")
            if arr.ndim == 2 and arr.shape[1] == self.dim and arr.shape[0] > 0:
                self._update_many_unit(arr)
                return
        X = checks.matrix(X, self.dim, "Covariance")
        w = checks.weights(weights, X.shape[0], "Covariance")
        if X.shape[0] == 0:
            return
        w, old = decay_weights(w, self.forgetting)
        total = float(w.sum())
        mean, comoment = self._get()
        count = self._count * old
        comoment = comoment * old
        if total <= 0.0:
            self._count = count
            self._put(mean, comoment)
            return
        mean_b = w.dot(X) / total
        dev = X - mean_b
        c_b = (dev * w[:, None]).T.dot(dev)
        c_b = 0.5 * (c_b + c_b.T)
        self._merge(count, mean, comoment, total, mean_b, c_b)

    def _update_many_unit(self, X: np.ndarray) -> None:
        # Unit weights, no forgetting: work on the transposed copy, whose rows (features)
        # are contiguous, so sums, centering and products are long 1-d loops or BLAS.
        # NaN or Inf anywhere in X reaches the mean and the scatter, which are checked.
        n = X.shape[0]
        XT = X.T.copy()
        mean_b = XT.dot(_ones(n)) / n
        means = mean_b.tolist()
        check = sum(means)
        if check - check != 0.0:
            raise InputError("Covariance: X holds NaN or Inf; drop or repair those rows before updating")
        D = np.subtract(XT, mean_b[:, None], out=XT)  # XT is our copy: center in place
        if self._pair:
            d0, d1 = D[0], D[1]
            mb0, mb1 = means
            c00, c01, c11 = float(d0.dot(d0)), float(d0.dot(d1)), float(d1.dot(d1))
            check = c00 + c11
            if check - check != 0.0:
                raise InputError("Covariance: X holds values too large to square; rescale them")
            # Chan's merge in Python floats.
            p = self._p
            na, nb = self._count, float(n)
            total = na + nb
            e0, e1 = mb0 - p[0], mb1 - p[1]
            r, f = nb / total, na * nb / total
            p[0] += e0 * r
            p[1] += e1 * r
            p[2] += c00 + e0 * e0 * f
            p[3] += c01 + e0 * e1 * f
            p[4] += c11 + e1 * e1 * f
            self._count = total
            return
        c_b = D.dot(D.T)
        check = float(c_b.trace())
        if check - check != 0.0:
            raise InputError("Covariance: X holds values too large to square; rescale them")
        c_b = 0.5 * (c_b + c_b.T)
        mean, comoment = self._get()
        self._merge(self._count, mean, comoment, float(n), mean_b, c_b)

    def _merge(self, na: float, ma: np.ndarray, ca: np.ndarray, nb: float, mb: np.ndarray, cb: np.ndarray) -> None:
        n = na + nb
        if nb <= 0.0:
            self._count = n
            self._put(ma.copy(), ca.copy())
            return
        delta = mb - ma
        e = delta * math.sqrt(na * nb / n)
        self._put(ma + delta * (nb / n), ca + cb + np.multiply.outer(e, e))
        self._count = n

    def __iadd__(self, other: "Covariance") -> "Covariance":
        """Merge another stream's state: equals one pass over both (without forgetting)."""
        _check_merge(self, other)
        self._merge(self._count, *self._get(), other._count, *other._get())
        return self

    def __add__(self, other: "Covariance") -> "Covariance":
        """A new state holding both streams; neither operand changes.

        Examples
        --------
        >>> a, b = Covariance(1), Covariance(1)
        >>> a.update([1.0]); b.update([3.0])
        >>> (a + b).covariance().tolist()
        [[1.0]]
        """
        out = type(self)(self.dim, self.forgetting)
        out.load_state_dict(self.state_dict())
        out += other
        return out

    @property
    def count(self) -> float:
        """Sum of the weights seen (after forgetting)."""
        return float(self._count)

    @property
    def mean(self) -> np.ndarray:
        """Weighted mean per feature, shape ``(dim,)``."""
        return self._get()[0].copy()

    def covariance(self, ddof: float = 0) -> np.ndarray:
        """Covariance matrix ``C / (count - ddof)``, shape ``(dim, dim)``; zeros while ``count <= ddof``.

        Examples
        --------
        >>> c = Covariance(1); c.update_many([[0.0], [2.0]])
        >>> c.covariance(ddof=1).tolist()
        [[2.0]]
        """
        ddof = checks.real(ddof, "Covariance", "ddof", 0.0)
        denom = self._count - ddof
        if denom <= 0.0:
            return np.zeros((self.dim, self.dim), dtype=FLOAT)
        return self._get()[1] / denom

    def variance(self, ddof: float = 0) -> np.ndarray:
        """Diagonal of :meth:`covariance`, shape ``(dim,)``.

        Examples
        --------
        >>> c = Covariance(2); c.update_many([[0.0, 1.0], [2.0, 1.0]])
        >>> c.variance().tolist()
        [1.0, 0.0]
        """
        return np.maximum(np.diagonal(self.covariance(ddof)).copy(), 0.0)

    def std(self, ddof: float = 0) -> np.ndarray:
        """Square root of :meth:`variance`.

        Examples
        --------
        >>> c = Covariance(1); c.update_many([[0.0], [2.0]])
        >>> c.std().tolist()
        [1.0]
        """
        return np.sqrt(self.variance(ddof))

    def correlation(self) -> np.ndarray:
        """Pearson correlation matrix; rows and columns of constant features are 0 (1 on the diagonal).

        Examples
        --------
        >>> c = Covariance(2); c.update_many([[0.0, 1.0], [1.0, 0.0]])
        >>> c.correlation().tolist()
        [[1.0, -1.0], [-1.0, 1.0]]
        """
        comoment = self._get()[1]
        s = np.sqrt(np.maximum(np.diagonal(comoment), 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = comoment / np.multiply.outer(s, s)
        r[~np.isfinite(r)] = 0.0
        np.fill_diagonal(r, 1.0)
        return np.clip(r, -1.0, 1.0)

    def state_dict(self) -> dict[str, Any]:
        """The state as new arrays: ``count``, ``mean`` (dim,), ``comoment`` (dim, dim).

        Examples
        --------
        >>> sorted(Covariance(2).state_dict())
        ['comoment', 'count', 'mean']
        """
        mean, comoment = self._get()
        return {"count": np.float64(self._count), "mean": mean.copy(), "comoment": comoment.copy()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state after checking names, shapes, dtypes and values.

        Examples
        --------
        >>> a = Covariance(2); a.update([1.0, 2.0])
        >>> b = Covariance(2); b.load_state_dict(a.state_dict()); b.count
        1.0
        """
        expect_keys(state, ["count", "mean", "comoment"], self)
        count = _check_count(float(expect_scalar(state, "count", FLOAT, self)), self)
        mean = expect_array(state, "mean", (self.dim,), FLOAT, self)
        comoment = expect_array(state, "comoment", (self.dim, self.dim), FLOAT, self)
        if not np.allclose(comoment, comoment.T, rtol=SYMMETRY_RTOL, atol=0.0) or (np.diagonal(comoment) < 0.0).any():
            raise StateMismatchError(
                "Covariance: state entry 'comoment' is not symmetric with a non-negative diagonal; "
                "the state is damaged: reset it"
            )
        self._count = count
        self._put(mean, comoment)

    def __repr__(self) -> str:
        return f"Covariance(dim={self.dim}, forgetting={self.forgetting}, count={self._count:g})"
