"""Count-based naive Bayes classifiers: Gaussian features and discrete features.

Examples
--------
>>> import numpy as np
>>> nb = GaussianNB(dim=1, n_classes=2)
>>> nb.update_many(np.array([[0.0], [0.2], [5.0], [5.4]]), np.array([0, 0, 1, 1]))
>>> nb.predict([0.1]), nb.predict([4.0])
(0, 1)
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..errors import InputError, StateMismatchError
from ..core.protocol import Stateful, expect_array, expect_keys, mutator
from ..core import checks
from ..core.checks import FLOAT
from .prototype import as_label, as_labels

__all__ = ["GaussianNB", "CategoricalNB", "GAUSSIAN_VAR_SMOOTHING"]

# Added to every variance, times the largest feature variance (as scikit-learn does).
GAUSSIAN_VAR_SMOOTHING = 1e-9
LOG_2PI = math.log(2.0 * math.pi)


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    finite = np.isfinite(scores)
    if not finite.any():
        raise InputError("naive Bayes: no class has a sample yet; update before predicting")
    top = scores[finite].max()
    return scores - (top + math.log(np.exp(scores[finite] - top).sum()))


class GaussianNB(Stateful):
    """Gaussian naive Bayes: per-class count, mean and variance of each feature.

    Parameters
    ----------
    dim : int
        Number of features.
    n_classes : int
        Number of classes (more can be added with :meth:`add_class`).
    var_smoothing : float
        Fraction of the largest feature variance added to all variances.

    Notes
    -----
    Each class holds weighted Welford statistics (count, mean, m2), merged with Chan's
    formula, so ``+=`` equals one pass over both streams. Class priors are the counts.

    Examples
    --------
    >>> a, b = GaussianNB(1, 2), GaussianNB(1, 2)
    >>> a.update([0.0], 0); a.update([1.0], 0); b.update([10.0], 1); b.update([12.0], 1)
    >>> a += b
    >>> a.predict_proba([0.5]).round(3).tolist()
    [1.0, 0.0]
    """

    def __init__(self, dim: int, n_classes: int, var_smoothing: float = GAUSSIAN_VAR_SMOOTHING) -> None:
        self.dim = checks.count(dim, "GaussianNB", "dim")
        self.n_classes = checks.count(n_classes, "GaussianNB", "n_classes")
        vs = float(var_smoothing)
        if not (vs >= 0.0 and vs - vs == 0.0):
            raise InputError(f"GaussianNB: var_smoothing must be finite and non-negative, got {var_smoothing!r}")
        self.var_smoothing = vs
        self._counts = np.zeros(self.n_classes, dtype=FLOAT)
        self._means = np.zeros((self.n_classes, self.dim), dtype=FLOAT)
        self._m2 = np.zeros((self.n_classes, self.dim), dtype=FLOAT)

    @mutator
    def update(self, x: Any, label: int, weight: float = 1.0) -> None:
        """Add one labelled sample.

        Examples
        --------
        >>> nb = GaussianNB(1, 1); nb.update([2.0], 0); nb.means().tolist()
        [[2.0]]
        """
        x = checks.vector(x, self.dim, "GaussianNB")
        k = as_label(label, self.n_classes, "GaussianNB")
        w = checks.weight(weight, "GaussianNB")
        count = self._counts[k]
        n = count + w
        if n <= 0.0:
            return
        delta = x - self._means[k]
        self._means[k] += delta * (w / n)
        self._m2[k] += (w * count / n) * delta * delta
        self._counts[k] = n

    @mutator
    def update_many(self, X: Any, labels: Any, weights: Any = None) -> None:
        """Add a batch (per-class batch statistics merged with Chan's formula).

        Examples
        --------
        >>> nb = GaussianNB(1, 2); nb.update_many([[1.0], [3.0]], [1, 1]); nb.variances().tolist()
        [[0.0], [1.0]]
        """
        X = checks.matrix(X, self.dim, "GaussianNB")
        y = as_labels(labels, X.shape[0], self.n_classes, "GaussianNB")
        w = checks.weights(weights, X.shape[0], "GaussianNB")
        for k in np.unique(y):
            rows = y == k
            wk, Xk = w[rows], X[rows]
            nb = float(wk.sum())
            if nb <= 0.0:
                continue
            mb = (wk @ Xk) / nb
            dev = Xk - mb
            m2b = wk @ (dev * dev)
            self._merge_class(int(k), nb, mb, m2b)

    def _merge_class(self, k: int, nb: float, mb: np.ndarray, m2b: np.ndarray) -> None:
        na = self._counts[k]
        n = na + nb
        if nb <= 0.0:
            return
        delta = mb - self._means[k]
        self._means[k] = self._means[k] + delta * (nb / n)
        self._m2[k] = self._m2[k] + m2b + delta * delta * (na * nb / n)
        self._counts[k] = n

    @mutator
    def add_class(self) -> int:
        """Add an empty class and return its index.

        Examples
        --------
        >>> GaussianNB(1, 2).add_class()
        2
        """
        self._counts = np.append(self._counts, 0.0)
        self._means = np.vstack([self._means, np.zeros((1, self.dim))])
        self._m2 = np.vstack([self._m2, np.zeros((1, self.dim))])
        self.n_classes += 1
        return self.n_classes - 1

    def __iadd__(self, other: "GaussianNB") -> "GaussianNB":
        """Merge another device's per-class statistics (Chan's formula)."""
        if type(other) is not GaussianNB or (other.dim, other.n_classes) != (self.dim, self.n_classes):
            raise InputError("GaussianNB: can only merge a GaussianNB with the same dim and n_classes")
        for k in range(self.n_classes):
            self._merge_class(k, float(other._counts[k]), other._means[k], other._m2[k])
        return self

    def counts(self) -> np.ndarray:
        """Weight seen per class.

        Examples
        --------
        >>> GaussianNB(1, 2).counts().tolist()
        [0.0, 0.0]
        """
        return self._counts.copy()

    def means(self) -> np.ndarray:
        """Per-class feature means, shape ``(n_classes, dim)``.

        Examples
        --------
        >>> GaussianNB(2, 1).means().shape
        (1, 2)
        """
        return self._means.copy()

    def variances(self) -> np.ndarray:
        """Per-class feature variances (ddof 0, before smoothing), shape ``(n_classes, dim)``.

        Examples
        --------
        >>> GaussianNB(2, 1).variances().tolist()
        [[0.0, 0.0]]
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            v = self._m2 / self._counts[:, None]
        v[self._counts <= 0.0] = 0.0
        return v

    def predict_log_proba(self, x: Any) -> np.ndarray:
        """Log posterior of each class; classes never seen get ``-inf``.

        Examples
        --------
        >>> nb = GaussianNB(1, 2); nb.update([0.0], 0); nb.update([1.0], 0)
        >>> nb.predict_log_proba([0.0]).tolist()
        [0.0, -inf]
        """
        x = checks.vector(x, self.dim, "GaussianNB")
        seen = self._counts > 0.0
        var = self.variances()
        eps = self.var_smoothing * max(float(var.max()), 0.0)
        if eps <= 0.0:
            eps = self.var_smoothing or np.finfo(FLOAT).tiny
        var = var + eps
        scores = np.full(self.n_classes, -np.inf)
        total = self._counts[seen].sum()
        v, mu = var[seen], self._means[seen]
        ll = -0.5 * (LOG_2PI * self.dim + np.log(v).sum(axis=1) + (((x - mu) ** 2) / v).sum(axis=1))
        scores[seen] = np.log(self._counts[seen] / total) + ll if seen.any() else ll
        return _log_softmax(scores)

    def predict_proba(self, x: Any) -> np.ndarray:
        """Posterior probability of each class.

        Examples
        --------
        >>> nb = GaussianNB(1, 1); nb.update([0.0], 0); nb.predict_proba([3.0]).tolist()
        [1.0]
        """
        return np.exp(self.predict_log_proba(x))

    def predict(self, x: Any) -> int:
        """Most probable class.

        Examples
        --------
        >>> nb = GaussianNB(1, 2); nb.update([0.0], 1); nb.predict([0.0])
        1
        """
        return int(np.argmax(self.predict_log_proba(x)))

    def state_dict(self) -> dict[str, Any]:
        """``counts`` (K,), ``means`` and ``m2`` (K, dim).

        Examples
        --------
        >>> sorted(GaussianNB(1, 1).state_dict())
        ['counts', 'm2', 'means']
        """
        return {"counts": self._counts.copy(), "means": self._means.copy(), "m2": self._m2.copy()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state; the number of classes follows the state.

        Examples
        --------
        >>> a = GaussianNB(1, 3); b = GaussianNB(1, 1); b.load_state_dict(a.state_dict()); b.n_classes
        3
        """
        expect_keys(state, ["counts", "means", "m2"], self)
        counts = expect_array(state, "counts", (None,), FLOAT, self)
        k = counts.shape[0]
        means = expect_array(state, "means", (k, self.dim), FLOAT, self)
        m2 = expect_array(state, "m2", (k, self.dim), FLOAT, self)
        if k < 1 or (counts < 0.0).any() or (m2 < 0.0).any():
            raise StateMismatchError("GaussianNB: state has no class, or negative counts or m2; the state is damaged: reset it")
        self._counts, self._means, self._m2, self.n_classes = counts, means, m2, k

    def __repr__(self) -> str:
        return f"GaussianNB(dim={self.dim}, n_classes={self.n_classes})"


class CategoricalNB(Stateful):
    """Naive Bayes over discrete features: a table of per-class category counts.

    Parameters
    ----------
    n_features : int
        Number of discrete features per sample.
    n_categories : int
        Each feature takes values in ``[0, n_categories)``.
    n_classes : int
        Number of classes.
    alpha : float
        Additive (Laplace) smoothing, > 0.

    Examples
    --------
    >>> nb = CategoricalNB(n_features=2, n_categories=3, n_classes=2)
    >>> nb.update_many([[0, 1], [0, 2], [2, 2]], [0, 0, 1])
    >>> nb.predict([0, 2]), nb.predict([2, 2])
    (0, 1)
    """

    def __init__(self, n_features: int, n_categories: int, n_classes: int, alpha: float = 1.0) -> None:
        self.n_features = checks.count(n_features, "CategoricalNB", "n_features")
        self.n_categories = checks.count(n_categories, "CategoricalNB", "n_categories")
        self.n_classes = checks.count(n_classes, "CategoricalNB", "n_classes")
        a = float(alpha)
        if not (a > 0.0 and a - a == 0.0):
            raise InputError(f"CategoricalNB: alpha must be a positive finite smoothing count, got {alpha!r}")
        self.alpha = a
        self._class_counts = np.zeros(self.n_classes, dtype=FLOAT)
        self._counts = np.zeros((self.n_classes, self.n_features, self.n_categories), dtype=FLOAT)

    def _as_codes(self, X: Any, ndim: int) -> np.ndarray:
        arr = np.asarray(X)
        if arr.dtype.kind not in "iu":
            raise InputError("CategoricalNB: features must be integer category codes")
        if arr.ndim != ndim or arr.shape[-1] != self.n_features:
            raise InputError(f"CategoricalNB: features have shape {arr.shape}; expected {self.n_features} codes per sample")
        if arr.size and (arr.min() < 0 or arr.max() >= self.n_categories):
            raise InputError(f"CategoricalNB: category codes must lie in [0, {self.n_categories})")
        return arr.astype(np.int64)

    @mutator
    def update(self, x: Any, label: int, weight: float = 1.0) -> None:
        """Add one sample of ``n_features`` integer codes and its label.

        Examples
        --------
        >>> nb = CategoricalNB(1, 2, 1); nb.update([1], 0); nb.counts()[0].tolist()
        [[0.0, 1.0]]
        """
        codes = self._as_codes(x, 1)
        k = as_label(label, self.n_classes, "CategoricalNB")
        w = checks.weight(weight, "CategoricalNB")
        self._counts[k, np.arange(self.n_features), codes] += w
        self._class_counts[k] += w

    @mutator
    def update_many(self, X: Any, labels: Any, weights: Any = None) -> None:
        """Add a batch (exactly the loop's counts).

        Examples
        --------
        >>> nb = CategoricalNB(1, 2, 2); nb.update_many([[0], [1]], [1, 1]); nb.class_counts().tolist()
        [0.0, 2.0]
        """
        codes = self._as_codes(X, 2)
        y = as_labels(labels, codes.shape[0], self.n_classes, "CategoricalNB")
        w = checks.weights(weights, codes.shape[0], "CategoricalNB")
        feat = np.broadcast_to(np.arange(self.n_features), codes.shape)
        np.add.at(self._counts, (np.broadcast_to(y[:, None], codes.shape), feat, codes), np.broadcast_to(w[:, None], codes.shape))
        self._class_counts += np.bincount(y, weights=w, minlength=self.n_classes)

    def __iadd__(self, other: "CategoricalNB") -> "CategoricalNB":
        """Add another device's count tables."""
        if type(other) is not CategoricalNB or other._counts.shape != self._counts.shape:
            raise InputError("CategoricalNB: can only merge a CategoricalNB of the same shape")
        self._counts = self._counts + other._counts
        self._class_counts = self._class_counts + other._class_counts
        return self

    def class_counts(self) -> np.ndarray:
        """Weight seen per class.

        Examples
        --------
        >>> CategoricalNB(1, 2, 2).class_counts().tolist()
        [0.0, 0.0]
        """
        return self._class_counts.copy()

    def counts(self) -> np.ndarray:
        """Category counts, shape ``(n_classes, n_features, n_categories)``.

        Examples
        --------
        >>> CategoricalNB(1, 2, 3).counts().shape
        (3, 1, 2)
        """
        return self._counts.copy()

    def predict_log_proba(self, x: Any) -> np.ndarray:
        """Log posterior of each class; classes never seen get ``-inf``.

        Examples
        --------
        >>> nb = CategoricalNB(1, 2, 2); nb.update([0], 0); nb.update([1], 1)
        >>> nb.predict_proba([0]).round(4).tolist()
        [0.6667, 0.3333]
        """
        codes = self._as_codes(x, 1)
        seen = self._class_counts > 0.0
        table = self._counts[:, np.arange(self.n_features), codes]
        log_lik = np.log(table + self.alpha).sum(axis=1) - self.n_features * np.log(
            self._class_counts + self.alpha * self.n_categories
        )
        scores = np.full(self.n_classes, -np.inf)
        if seen.any():
            scores[seen] = np.log(self._class_counts[seen] / self._class_counts[seen].sum()) + log_lik[seen]
        return _log_softmax(scores)

    def predict_proba(self, x: Any) -> np.ndarray:
        """Posterior probability of each class.

        Examples
        --------
        >>> nb = CategoricalNB(1, 2, 1); nb.update([0], 0); nb.predict_proba([1]).tolist()
        [1.0]
        """
        return np.exp(self.predict_log_proba(x))

    def predict(self, x: Any) -> int:
        """Most probable class.

        Examples
        --------
        >>> nb = CategoricalNB(1, 2, 2); nb.update([1], 1); nb.predict([1])
        1
        """
        return int(np.argmax(self.predict_log_proba(x)))

    def state_dict(self) -> dict[str, Any]:
        """``class_counts`` (K,) and ``counts`` (K, n_features, n_categories).

        Examples
        --------
        >>> sorted(CategoricalNB(1, 2, 2).state_dict())
        ['class_counts', 'counts']
        """
        return {"class_counts": self._class_counts.copy(), "counts": self._counts.copy()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state after checking it.

        Examples
        --------
        >>> a = CategoricalNB(1, 2, 2); b = CategoricalNB(1, 2, 2); b.load_state_dict(a.state_dict())
        """
        expect_keys(state, ["class_counts", "counts"], self)
        cc = expect_array(state, "class_counts", (self.n_classes,), FLOAT, self)
        counts = expect_array(state, "counts", (self.n_classes, self.n_features, self.n_categories), FLOAT, self)
        if (cc < 0.0).any() or (counts < 0.0).any():
            raise StateMismatchError("CategoricalNB: state holds negative counts; the state is damaged: reset it")
        self._class_counts, self._counts = cc, counts

    def __repr__(self) -> str:
        return f"CategoricalNB(n_features={self.n_features}, n_categories={self.n_categories}, n_classes={self.n_classes})"
