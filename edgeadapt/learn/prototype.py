"""Nearest-class-mean (prototype) classifier from per-class sums and counts.

Examples
--------
>>> ncm = NearestClassMean(dim=2, n_classes=2)
>>> ncm.update([0.0, 0.0], 0); ncm.update([2.0, 2.0], 1)
>>> ncm.predict([0.4, 0.1]), ncm.predict([1.9, 1.5])
(0, 1)
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..errors import InputError, StateMismatchError
from ..core.protocol import Stateful, expect_array, expect_keys, mutator
from ..core import checks
from ..core.checks import FLOAT

__all__ = ["NearestClassMean", "as_label", "as_labels"]


def as_label(label: Any, n_classes: int, owner: str) -> int:
    """Return ``label`` as an int in ``[0, n_classes)`` or raise :class:`InputError`.

    Examples
    --------
    >>> as_label(2, 3, "Demo")
    2
    """
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)):
        raise InputError(f"{owner}: label must be an integer class index, got {label!r}")
    if not 0 <= label < n_classes:
        raise InputError(f"{owner}: label {label} is outside [0, {n_classes}); add a class first or fix the label")
    return int(label)


def as_labels(labels: Any, n: int, n_classes: int, owner: str) -> np.ndarray:
    """Return ``labels`` as an int64 vector of ``n`` class indices, or raise.

    Examples
    --------
    >>> as_labels([0, 1], 2, 2, "Demo").tolist()
    [0, 1]
    """
    arr = np.asarray(labels)
    if arr.shape != (n,) or (n and arr.dtype.kind not in "iu"):
        raise InputError(f"{owner}: labels must be {n} integer class indices (one per row), got shape {arr.shape}")
    arr = arr.astype(np.int64)
    if n and (arr.min() < 0 or arr.max() >= n_classes):
        raise InputError(f"{owner}: labels must lie in [0, {n_classes}); add a class first or fix the labels")
    return arr


class NearestClassMean(Stateful):
    """Classify by the closest class mean (squared Euclidean distance).

    The state is each class's weighted feature sum and weight count, so updates are
    exact, ``update_many`` equals the loop, and ``+=`` adds two devices' states.
    Classes can be added at run time with :meth:`add_class`.

    Parameters
    ----------
    dim : int
        Number of features.
    n_classes : int
        Initial number of classes.

    Examples
    --------
    >>> import numpy as np
    >>> ncm = NearestClassMean(dim=1, n_classes=2)
    >>> ncm.update_many(np.array([[0.0], [1.0], [9.0]]), np.array([0, 0, 1]))
    >>> ncm.means().tolist(), ncm.counts().tolist()
    ([[0.5], [9.0]], [2.0, 1.0])
    >>> ncm.predict([6.0])
    1
    """

    def __init__(self, dim: int, n_classes: int) -> None:
        self.dim = checks.count(dim, "NearestClassMean", "dim")
        self.n_classes = checks.count(n_classes, "NearestClassMean", "n_classes")
        self._sums = np.zeros((self.n_classes, self.dim), dtype=FLOAT)
        self._counts = np.zeros(self.n_classes, dtype=FLOAT)

    @mutator
    def update(self, x: Any, label: int, weight: float = 1.0) -> None:
        """Add one labelled sample.

        Examples
        --------
        >>> ncm = NearestClassMean(1, 1); ncm.update([3.0], 0, weight=2.0); ncm.counts().tolist()
        [2.0]
        """
        x = checks.vector(x, self.dim, "NearestClassMean")
        k = as_label(label, self.n_classes, "NearestClassMean")
        w = checks.weight(weight, "NearestClassMean")
        self._sums[k] += w * x
        self._counts[k] += w

    @mutator
    def update_many(self, X: Any, labels: Any, weights: Any = None) -> None:
        """Add a batch of labelled samples (same state as the loop, to rounding).

        Examples
        --------
        >>> ncm = NearestClassMean(1, 2); ncm.update_many([[1.0], [2.0]], [1, 1]); ncm.counts().tolist()
        [0.0, 2.0]
        """
        X = checks.matrix(X, self.dim, "NearestClassMean")
        y = as_labels(labels, X.shape[0], self.n_classes, "NearestClassMean")
        w = checks.weights(weights, X.shape[0], "NearestClassMean")
        np.add.at(self._sums, y, X * w[:, None])
        self._counts += np.bincount(y, weights=w, minlength=self.n_classes)

    @mutator
    def add_class(self) -> int:
        """Add an empty class and return its index.

        Examples
        --------
        >>> NearestClassMean(2, 1).add_class()
        1
        """
        self._sums = np.vstack([self._sums, np.zeros((1, self.dim), dtype=FLOAT)])
        self._counts = np.append(self._counts, 0.0)
        self.n_classes += 1
        return self.n_classes - 1

    def __iadd__(self, other: "NearestClassMean") -> "NearestClassMean":
        """Add another device's sums and counts (classes must match)."""
        if type(other) is not NearestClassMean or (other.dim, other.n_classes) != (self.dim, self.n_classes):
            raise InputError("NearestClassMean: can only merge a NearestClassMean with the same dim and n_classes")
        self._sums = self._sums + other._sums
        self._counts = self._counts + other._counts
        return self

    def counts(self) -> np.ndarray:
        """Weight seen per class, shape ``(n_classes,)``.

        Examples
        --------
        >>> NearestClassMean(1, 2).counts().tolist()
        [0.0, 0.0]
        """
        return self._counts.copy()

    def means(self) -> np.ndarray:
        """Class means, shape ``(n_classes, dim)``; NaN rows for classes never seen.

        Examples
        --------
        >>> NearestClassMean(1, 1).means().tolist()
        [[nan]]
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            out = self._sums / self._counts[:, None]
        out[self._counts <= 0.0] = np.nan
        return out

    def distances(self, x: Any) -> np.ndarray:
        """Squared distance to each class mean, ``inf`` for classes never seen.

        Examples
        --------
        >>> ncm = NearestClassMean(1, 2); ncm.update([1.0], 0); ncm.distances([3.0]).tolist()
        [4.0, inf]
        """
        x = checks.vector(x, self.dim, "NearestClassMean")
        seen = self._counts > 0.0
        d = np.full(self.n_classes, np.inf)
        if seen.any():
            diff = self._sums[seen] / self._counts[seen][:, None] - x
            d[seen] = np.einsum("ij,ij->i", diff, diff)
        return d

    def predict(self, x: Any) -> int:
        """Index of the class whose mean is nearest (ties: lowest index).

        Raises
        ------
        InputError
            If no class has any sample yet.

        Examples
        --------
        >>> NearestClassMean(1, 2).predict([0.0])
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: NearestClassMean: no class has a sample yet; update before predicting
        """
        d = self.distances(x)
        if not np.isfinite(d).any():
            raise InputError("NearestClassMean: no class has a sample yet; update before predicting")
        return int(np.argmin(d))

    def state_dict(self) -> dict[str, Any]:
        """``sums`` (n_classes, dim) and ``counts`` (n_classes,).

        Examples
        --------
        >>> sorted(NearestClassMean(1, 1).state_dict())
        ['counts', 'sums']
        """
        return {"sums": self._sums.copy(), "counts": self._counts.copy()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state; the number of classes follows the state.

        Examples
        --------
        >>> a = NearestClassMean(1, 3); b = NearestClassMean(1, 1); b.load_state_dict(a.state_dict()); b.n_classes
        3
        """
        expect_keys(state, ["sums", "counts"], self)
        sums = expect_array(state, "sums", (None, self.dim), FLOAT, self)
        counts = expect_array(state, "counts", (sums.shape[0],), FLOAT, self)
        if sums.shape[0] < 1 or (counts < 0.0).any():
            raise StateMismatchError("NearestClassMean: state has no class or a negative count; the state is damaged: reset it")
        self._sums, self._counts, self.n_classes = sums, counts, sums.shape[0]

    def __repr__(self) -> str:
        return f"NearestClassMean(dim={self.dim}, n_classes={self.n_classes})"
