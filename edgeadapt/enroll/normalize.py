"""Normalize embeddings against a background estimate learned on the device.

:class:`BackgroundNormalizer` keeps running per-feature moments
(:class:`edgeadapt.learn.Moments`) of embeddings of ambient audio, and maps vectors to
z-scores against them. Vectors may hold several frames side by side (a window of ``k``
embeddings flattened to ``k * dim``): each frame is normalized on its own.

Examples
--------
>>> import numpy as np
>>> norm = BackgroundNormalizer(dim=2)
>>> norm.update_many(np.array([[0.0, 10.0], [2.0, 30.0]]))
>>> norm.transform(np.array([[1.0, 20.0, 3.0, 40.0]])).tolist()     # two frames in one row
[[0.0, 0.0, 2.0, 2.0]]
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..errors import InputError
from ..core.protocol import Stateful, mutator
from ..learn import Moments

__all__ = ["BackgroundNormalizer", "FrozenNormalization", "STD_FLOOR_FRACTION"]

#: A feature's standard deviation is floored at this fraction of the mean standard
#: deviation over features, so that a feature constant in the background (e.g. in
#: digital silence) is not blown up.
STD_FLOOR_FRACTION = 0.1


class BackgroundNormalizer(Stateful):
    """Per-feature z-scores against running background moments.

    Parameters
    ----------
    dim : int
        Size of one embedding frame.
    forgetting : float or None
        Passed to :class:`~edgeadapt.learn.Moments`: ``None`` weighs all background
        alike; a factor in (0, 1) follows a changing room with a memory of about
        ``1 / (1 - forgetting)`` frames.

    Notes
    -----
    Before any background is seen the transform is the identity. ``a += b`` merges
    two background estimates exactly (without forgetting).

    Examples
    --------
    >>> norm = BackgroundNormalizer(dim=3)
    >>> norm.transform(np.ones((1, 3))).tolist()      # nothing learned yet: identity
    [[1.0, 1.0, 1.0]]
    """

    def __init__(self, dim: int, forgetting: float | None = None) -> None:
        self.dim = dim
        self.forgetting = forgetting
        self._moments: Moments | None = None

    @property
    def moments(self) -> Moments:
        """The running moments (created on first use)."""
        if self._moments is None:
            self._moments = Moments(self.dim, self.forgetting)
        return self._moments

    # ------------------------------------------------------------ updates
    @mutator
    def update(self, x: Any) -> None:
        """Add one background frame of shape ``(dim,)``."""
        self.moments.update(x)

    @mutator
    def update_many(self, X: Any) -> None:
        """Add background frames, one per row of ``X`` with shape ``(n, dim)``.

        Examples
        --------
        >>> norm = BackgroundNormalizer(dim=2); norm.update_many(np.zeros((4, 2)))
        >>> norm.count
        4.0
        """
        self.moments.update_many(X)

    def __iadd__(self, other: "BackgroundNormalizer") -> "BackgroundNormalizer":
        """Merge another device's or session's background estimate."""
        if not isinstance(other, BackgroundNormalizer):
            raise InputError(f"BackgroundNormalizer: can only merge another BackgroundNormalizer, got {type(other).__name__}")
        self.moments.__iadd__(other.moments)
        return self

    # ------------------------------------------------------------ queries
    @property
    def count(self) -> float:
        """Background frames seen (weighted, after forgetting)."""
        return self.moments.count

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        """The mean and floored standard deviation used by :meth:`transform` (float32).

        Examples
        --------
        >>> norm = BackgroundNormalizer(dim=2); norm.update_many(np.array([[0.0, 0.0], [0.0, 2.0]]))
        >>> [v.round(3).tolist() for v in norm.statistics()]     # std 0 floored at 0.1 * 0.5
        [[0.0, 1.0], [0.05, 1.0]]
        """
        m = self.moments
        if m.count <= 0.0:
            return np.zeros(self.dim, np.float32), np.ones(self.dim, np.float32)
        std = m.std()
        floor = STD_FLOOR_FRACTION * float(std.mean()) if std.mean() > 0.0 else 1.0
        return m.mean.astype(np.float32), np.maximum(std, floor).astype(np.float32)

    def transform(self, X: Any) -> np.ndarray:
        """Z-scores of rows holding one or more frames side by side.

        Parameters
        ----------
        X : array_like, shape (n, k * dim) or (k * dim,)

        Returns
        -------
        numpy.ndarray, float32, same shape as ``X``

        Examples
        --------
        >>> BackgroundNormalizer(dim=2).transform(np.zeros((1, 3)))
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: BackgroundNormalizer: rows of X must hold whole frames of 2 values, got length 3
        """
        return self.frozen()(X)

    def frozen(self) -> "FrozenNormalization":
        """A snapshot of the current map that later updates do not change.

        Examples
        --------
        >>> norm = BackgroundNormalizer(dim=1); snap = norm.frozen(); norm.update_many([[5.0], [7.0]])
        >>> snap(np.array([[6.0]])).tolist(), norm.transform(np.array([[6.0]])).tolist()
        ([[6.0]], [[0.0]])
        """
        return FrozenNormalization(*self.statistics())

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """The moments' state (``count``, ``mean``, ``m2``).

        Examples
        --------
        >>> sorted(BackgroundNormalizer(dim=2).state_dict())
        ['count', 'm2', 'mean']
        """
        return self.moments.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the background estimate after the moments' checks."""
        self.moments.load_state_dict(state)

    def __repr__(self) -> str:
        return f"BackgroundNormalizer(dim={self.dim}, forgetting={self.forgetting}, count={self.count:g})"


class FrozenNormalization:
    """The z-score map of a :class:`BackgroundNormalizer` at one moment (a callable).

    Searching an index needs stored vectors and queries mapped alike; a frozen
    snapshot keeps them consistent while the background estimate goes on learning.

    Examples
    --------
    >>> f = FrozenNormalization(np.array([1.0], np.float32), np.array([2.0], np.float32))
    >>> f(np.array([[3.0, 5.0]])).tolist()
    [[1.0, 2.0]]
    """

    def __init__(self, mean: np.ndarray, std: np.ndarray) -> None:
        self.mean = mean
        self.std = std

    def __call__(self, X: Any) -> np.ndarray:
        x = np.ascontiguousarray(X, dtype=np.float32)
        dim = self.mean.shape[0]
        if x.shape[-1] % dim:
            raise InputError(
                f"BackgroundNormalizer: rows of X must hold whole frames of {dim} values, got length {x.shape[-1]}"
            )
        frames = x.reshape(*x.shape[:-1], -1, dim)
        return ((frames - self.mean) / self.std).reshape(x.shape)
