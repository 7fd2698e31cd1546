"""A per-label linear verifier learned on the device in closed form (no back-propagation).

The template scorer says how much a window *sounds like* an enrollment utterance; words
of the same speaker that share sounds with the keyword score high too. The verifier adds
what the keyword is *not*: a Fisher linear discriminant between

- the label's positive windows (the enrolled templates, their noisy copies and shifted
  windows, and confirmed self-learned entries: whatever the index holds for the label),
- the negative windows: everything the device heard that scored low (mostly other
  speech of the same household), held as summation-form scatter statistics
  (:class:`ScatterStats`: a count, a sum and a sum of outer products, so two devices'
  statistics merge by addition, and a forgetting factor bounds their memory).

Features are order-aware: a window of ``segments * k`` embeddings is cut into
``segments`` consecutive parts (beginning, middle, end of the keyword) and each part is
averaged, so a phrase with the same sounds in another order has other features.

The discriminant is ``w = (S + shrink * diag(S))^-1 (mean_pos - mean_neg)`` with ``S``
the negatives' covariance (shrunk toward its diagonal, which keeps it invertible with
few negatives and makes the rule invariant to the scale of each feature). A window's
verifier score is its projection mapped so that the negatives' mean is 0 and the
positives' mean is 1; :data:`DEFAULT_CUT` 0.5 is the midpoint, the Bayes boundary for two
classes of equal spread and prior along ``w``.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> v = WindowVerifier(segment_dim=2, segments=2, min_negatives=10)
>>> v.add_negatives(rng.standard_normal((200, 4, 2)).reshape(200, 8))
>>> pos = rng.standard_normal((20, 8)) * 0.1 + 2.0
>>> v.fit({"k": pos})
>>> bool(v.score("k", pos).min() > 0.5), bool(v.score("k", np.zeros((1, 8)))[0] < 0.5)
(True, True)
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..errors import InputError, StateMismatchError
from ..core.protocol import Stateful, expect_array, expect_keys, expect_scalar, mutator

__all__ = ["ScatterStats", "WindowVerifier", "segment_features", "DEFAULT_CUT", "DEFAULT_SHRINK",
           "DEFAULT_SEGMENTS"]

#: Parts a window is cut into for the features (beginning, middle, end of a keyword).
DEFAULT_SEGMENTS = 3
#: Shrinkage of the negatives' covariance toward its diagonal (1: equal weight to the
#: sample covariance and its diagonal; the windows overlap, so far fewer independent
#: negatives are seen than windows).
DEFAULT_SHRINK = 1.0
#: Verifier score needed to pass: the midpoint between the negatives' mean (0) and the
#: positives' mean (1).
DEFAULT_CUT = 0.5
#: Negative windows needed before the verifier takes part: ten per feature of one segment
#: times the segments (the usual ten samples per dimension for a covariance estimate).
SAMPLES_PER_FEATURE = 10


def segment_features(windows: np.ndarray, segment_dim: int, segments: int) -> np.ndarray:
    """Mean of each of ``segments`` consecutive parts of flattened windows: ``(n, segments * dim)``.

    Examples
    --------
    >>> w = np.arange(8, dtype=np.float32).reshape(1, 8)      # 4 frames of 2 values
    >>> segment_features(w, 2, 2).tolist()
    [[1.0, 2.0, 5.0, 6.0]]
    """
    w = np.asarray(windows, dtype=np.float64)
    if w.ndim == 1:
        w = w[None]
    frames = w.shape[1] // segment_dim
    z = w.reshape(w.shape[0], frames, segment_dim)
    parts = np.array_split(np.arange(frames), segments)
    return np.concatenate([z[:, p].mean(axis=1) for p in parts], axis=1)


class ScatterStats(Stateful):
    """Weighted count, sum and sum of outer products of vectors (summation form).

    ``a.merge(b)`` adds the sums: exact, in any order, when ``forgetting`` is None.

    Examples
    --------
    >>> s = ScatterStats(2)
    >>> s.update(np.array([[1.0, 0.0], [3.0, 2.0]]))
    >>> s.count, s.mean().tolist(), s.covariance().tolist()
    (2.0, [2.0, 1.0], [[1.0, 1.0], [1.0, 1.0]])
    """

    def __init__(self, dim: int, forgetting: float | None = None) -> None:
        self.dim = int(dim)
        self.forgetting = forgetting
        self.count = 0.0
        self.total = np.zeros(self.dim)
        self.scatter = np.zeros((self.dim, self.dim))

    @mutator
    def reset(self) -> None:
        """Forget everything."""
        self.count = 0.0
        self.total = np.zeros(self.dim)
        self.scatter = np.zeros((self.dim, self.dim))

    @mutator
    def update(self, X: np.ndarray) -> None:
        """Add rows of ``X`` (each row after forgetting the past once)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        f = 1.0 if self.forgetting is None else float(self.forgetting)
        for x in X:   # one forgetting step per row, as a stream would see them
            self.count = self.count * f + 1.0
            self.total *= f
            self.total += x
            self.scatter *= f
            self.scatter += np.outer(x, x)

    def __iadd__(self, other: "ScatterStats") -> "ScatterStats":
        """Pool another device's statistics (exact without forgetting)."""
        self.count += other.count
        self.total += other.total
        self.scatter += other.scatter
        return self

    def mean(self) -> np.ndarray:
        """The weighted mean (zeros before any update)."""
        return self.total / max(self.count, 1e-300)

    def covariance(self) -> np.ndarray:
        """The weighted covariance (population)."""
        m = self.mean()
        return self.scatter / max(self.count, 1e-300) - np.outer(m, m)

    def state_dict(self) -> dict[str, Any]:
        return {"count": np.float64(self.count), "sum": self.total.copy(), "scatter": self.scatter.copy()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        expect_keys(state, ["count", "sum", "scatter"], self)
        count = float(expect_scalar(state, "count", np.float64, self))
        total = expect_array(state, "sum", (self.dim,), np.float64, self)
        scatter = expect_array(state, "scatter", (self.dim, self.dim), np.float64, self)
        if count < 0:
            raise StateMismatchError("ScatterStats: state entry 'count' is negative; the state is damaged: reset it")
        self.count, self.total, self.scatter = count, total.copy(), scatter.copy()


class WindowVerifier(Stateful):
    """Per-label Fisher discriminant over segment features, negatives in summation form.

    Parameters
    ----------
    segment_dim : int
        Values per embedding (96).
    segments : int
        Parts a window is cut into (:data:`DEFAULT_SEGMENTS`).
    shrink : float
        Covariance shrinkage toward the diagonal (:data:`DEFAULT_SHRINK`).
    cut : float
        Score needed to pass (:data:`DEFAULT_CUT`).
    forgetting : float or None
        Forgetting factor of the negative statistics (memory ``1 / (1 - f)`` windows).
    min_negatives : int or None
        Negative windows needed before the verifier takes part (``None``:
        :data:`SAMPLES_PER_FEATURE` per feature). Until then every window passes.

    Attributes
    ----------
    negatives : ScatterStats
        The only state: what the positives are is read from the caller's index at
        :meth:`fit` time, so forgetting or dropping entries undoes their effect exactly.
    """

    def __init__(self, segment_dim: int, segments: int = DEFAULT_SEGMENTS, shrink: float = DEFAULT_SHRINK,
                 cut: float = DEFAULT_CUT, forgetting: float | None = None,
                 min_negatives: float | None = None) -> None:
        if not (isinstance(segments, int) and segments >= 1):
            raise InputError(f"segments must be a positive integer, got {segments!r}")
        if not (math.isfinite(shrink) and shrink >= 0):
            raise InputError(f"shrink must be a finite number >= 0, got {shrink!r}")
        if not math.isfinite(cut):
            raise InputError(f"cut must be a finite number, got {cut!r}")
        self.segment_dim = int(segment_dim)
        self.segments = segments
        self.dim = self.segment_dim * segments
        self.shrink = float(shrink)
        self.cut = float(cut)
        self.min_negatives: float = SAMPLES_PER_FEATURE * self.dim if min_negatives is None else float(min_negatives)
        self.negatives = ScatterStats(self.dim, forgetting)
        self.adopt(negatives=self.negatives)
        self._models: dict[str, tuple[np.ndarray, float, float]] = {}

    def features(self, windows: np.ndarray) -> np.ndarray:
        return segment_features(windows, self.segment_dim, self.segments)

    @property
    def active(self) -> bool:
        """Whether enough negatives were heard for the verifier to take part."""
        return self.negatives.count >= self.min_negatives

    @mutator
    def add_negatives(self, windows: np.ndarray) -> None:
        """Add windows (flattened) heard that were not the keyword."""
        self.negatives.update(self.features(windows))

    def fit(self, positives: Mapping[str, np.ndarray]) -> None:
        """Recompute each label's discriminant from its positive windows (closed form)."""
        self._models = {}
        if not self.active:
            return
        mean_n = self.negatives.mean()
        cov = self.negatives.covariance()
        cov = cov + self.shrink * np.diag(np.diag(cov)) + 1e-9 * np.eye(self.dim)
        try:
            factor = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            return
        for label, windows in positives.items():
            if len(windows) == 0:
                continue
            P = self.features(windows)
            mean_p = P.mean(axis=0)
            w = np.linalg.solve(factor.T, np.linalg.solve(factor, mean_p - mean_n))
            lo, hi = float(mean_n @ w), float(mean_p @ w)
            if hi - lo > 1e-12:
                self._models[label] = (w, lo, hi)

    def score(self, label: str, windows: np.ndarray) -> np.ndarray:
        """Verifier score of flattened windows for ``label`` (1.0 for all while inactive)."""
        windows = np.atleast_2d(windows)
        model = self._models.get(label)
        if model is None:
            return np.ones(windows.shape[0])
        w, lo, hi = model
        return (self.features(windows) @ w - lo) / (hi - lo)

    def models(self) -> dict[str, tuple[np.ndarray, float, float]]:
        """The fitted discriminants ``{label: (w, lo, hi)}`` (a cache of :meth:`fit`)."""
        return dict(self._models)

    def set_models(self, models: Mapping[str, tuple[np.ndarray, float, float]]) -> None:
        """Restore fitted discriminants (e.g. saved with the app, so a restart scores alike)."""
        self._models = {k: (np.asarray(w, np.float64), float(lo), float(hi)) for k, (w, lo, hi) in models.items()}

    def passes(self, label: str, windows: np.ndarray) -> np.ndarray:
        return self.score(label, windows) >= self.cut

    def state_dict(self) -> dict[str, Any]:
        return self.negatives.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.negatives.load_state_dict(state)
        self._models = {}

    def __repr__(self) -> str:
        return (f"WindowVerifier(segments={self.segments}, shrink={self.shrink}, cut={self.cut}, "
                f"negatives={self.negatives.count:.0f})")
