"""The learned normal of one machine and the anomaly score of new windows against it.

:class:`Baseline` holds running covariances (summation form, from
:mod:`edgeadapt.learn`) of the feature vectors of normal windows, one block of
features per sensor channel, and measures a regularized Mahalanobis distance and
conditional residuals.

:class:`BaselineScorer` adds the lifecycle: it learns for ``learn_windows`` windows,
holding out every ``HOLDOUT_EVERY``-th window of the second half to calibrate the
threshold on the baseline itself (the statistics of held-out windows, scored against
the baseline learned so far, are summarized by running moments); then it monitors,
turning the statistics into scores in [0, 1] with 0.5 at the threshold.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> scorer = BaselineScorer(dim=4, learn_windows=400)
>>> scorer.update_many(rng.normal(size=(400, 4)))
>>> scorer.phase
'monitoring'
>>> normal, odd = scorer.score_many(np.array([[0.1, -0.2, 0.0, 0.3], [6.0, 6.0, -6.0, 6.0]]))
>>> bool(normal < 0.1), bool(odd > 0.9)
(True, True)
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ...errors import InputError, StateMismatchError
from ...core.protocol import Stateful, mutator
from ...learn import Covariance, Moments
from ...core.protocol import load_parts_state, parts_state, expect_keys, expect_scalar
from .slow import SlowScale

__all__ = [
    "Baseline",
    "BaselineScorer",
    "LEARNING",
    "MONITORING",
    "HOLDOUT_EVERY",
    "DEFAULT_SHRINKAGE",
    "VARIANCE_FLOOR",
    "DEFAULT_THRESHOLD_SIGMAS",
]

# Shrinkage of each block's covariance toward its diagonal, and the variance floor
# added to it (in squared feature units: log features, so 1e-4 is a 1 % spread).
DEFAULT_SHRINKAGE = 0.05
VARIANCE_FLOOR = 1e-4
# Lifecycle phases as stored in the state.
LEARNING = 0
MONITORING = 1
_PHASE_NAMES = {LEARNING: "learning", MONITORING: "monitoring"}
# Every HOLDOUT_EVERY-th window of the second half of learning calibrates the threshold.
HOLDOUT_EVERY = 4
# The threshold sits this many calibration standard deviations above the mean distance.
DEFAULT_THRESHOLD_SIGMAS = 4.0
# The slow scale's threshold is higher: group means carry the machine's slow changes
# (load, speed) and are calibrated on fewer samples, so their tail is heavier.
DEFAULT_SLOW_THRESHOLD_SIGMAS = 8.0
# Features of a window enter its group clipped to this many standard deviations.
SLOW_CLIP_SIGMAS = 2.5
# Statistics calibrated on held-out windows: the distance and the largest residual.
CALIBRATED_STATISTICS = 2
# Smallest standard deviation of calibration distances, relative to their mean
# (guards tiny calibration sets).
MIN_RELATIVE_SPREAD = 0.05
TINY = 1e-12


class Baseline(Stateful):
    """Running covariances of normal feature vectors, in per-channel blocks.

    Parameters
    ----------
    dim : int
        Features per window.
    blocks : int
        Number of equal contiguous feature blocks with their own covariance (one per
        sensor channel); cross-block correlations are ignored, which keeps the state
        small (``blocks * (dim / blocks)**2`` numbers instead of ``dim**2``).
    shrinkage : float
        Weight in [0, 1] of the diagonal in the regularized covariance
        ``(1 - shrinkage) * C + shrinkage * diag(C) + VARIANCE_FLOOR * I``.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = Baseline(dim=2), Baseline(dim=2)
    >>> X = np.random.default_rng(1).normal(size=(100, 2))
    >>> a.update_many(X[:60]); b.update_many(X[60:])
    >>> a += b
    >>> one = Baseline(dim=2); one.update_many(X)
    >>> bool(np.allclose(a.distance(X[:3]), one.distance(X[:3])))
    True
    """

    def __init__(self, dim: int, blocks: int = 1, shrinkage: float = DEFAULT_SHRINKAGE) -> None:
        self.dim = dim
        self.blocks = blocks
        self.shrinkage = shrinkage
        if int(blocks) < 1 or int(dim) % int(blocks):
            raise InputError(f"Baseline: dim ({dim}) must be a positive multiple of blocks ({blocks})")
        self._size = int(dim) // int(blocks)
        self._parts = [Covariance(self._size) for _ in range(int(blocks))]
        self._snapshot: tuple[np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ updates
    def _changed(self) -> None:
        self._snapshot = None

    def _matrix(self, X: Any) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise InputError(f"Baseline: X must have shape (n, {self.dim}), got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise InputError("Baseline: X holds NaN or Inf; drop or repair those windows first")
        return X

    @mutator
    def update(self, x: Any, weight: float = 1.0) -> None:
        """Add one normal feature vector with a weight."""
        x = self._matrix(np.asarray(x, dtype=np.float64).reshape(1, -1))[0]
        for b, part in enumerate(self._parts):
            part.update(x[b * self._size : (b + 1) * self._size], weight)
        self._changed()

    @mutator
    def update_many(self, X: Any, weights: Any = None) -> None:
        """Add normal feature vectors (n, dim), optionally weighted."""
        X = self._matrix(X)
        if not len(X):
            return
        for b, part in enumerate(self._parts):
            part.update_many(X[:, b * self._size : (b + 1) * self._size], weights)
        self._changed()

    @mutator
    def reset(self) -> None:
        """Forget everything learned."""
        self._parts = [Covariance(self._size) for _ in range(int(self.blocks))]
        self._snapshot = None

    def __iadd__(self, other: "Baseline") -> "Baseline":
        """Merge another baseline of the same layout: equals learning both streams at once."""
        if not isinstance(other, Baseline) or (other.dim, other.blocks) != (self.dim, self.blocks):
            raise InputError("Baseline: can only merge a Baseline with the same dim and blocks")
        for mine, theirs in zip(self._parts, other._parts):
            mine += theirs
        self._changed()
        return self

    # ------------------------------------------------------------------ queries
    @property
    def count(self) -> float:
        """Total weight of the windows learned."""
        return self._parts[0].count

    @property
    def mean(self) -> np.ndarray:
        """Mean normal feature vector, shape (dim,)."""
        return np.concatenate([p.mean for p in self._parts])

    def _precision(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # (mean, block-diagonal regularized precision, 1 / sqrt of its diagonal, feature sd)
        if self._snapshot is None:
            mean = self.mean
            shrink = float(self.shrinkage)
            precision = np.empty((int(self.blocks), self._size, self._size))
            for b, part in enumerate(self._parts):
                c = part.covariance()
                reg = (1.0 - shrink) * c + np.diag(shrink * np.diag(c) + VARIANCE_FLOOR)
                inv = np.linalg.inv(reg)
                precision[b] = 0.5 * (inv + inv.T)
            # one block-diagonal matrix: a single contiguous product scores a batch
            full = np.zeros((int(self.dim), int(self.dim)))
            for b in range(int(self.blocks)):
                sl = slice(b * self._size, (b + 1) * self._size)
                full[sl, sl] = precision[b]
            scale = 1.0 / np.sqrt(np.diagonal(full))
            sd = np.sqrt(np.concatenate([np.diag(p.covariance()) for p in self._parts]) + VARIANCE_FLOOR)
            self._snapshot = (mean, full, scale, sd)
        return self._snapshot

    def clip(self, X: Any, sigmas: float) -> np.ndarray:
        """Rows of ``X`` with each feature clipped to ``sigmas`` standard deviations around the mean.

        Examples
        --------
        >>> b = Baseline(dim=1); b.update_many([[0.0], [2.0]])
        >>> b.clip([[10.0], [1.5]], sigmas=2.0).round(3).tolist()
        [[3.0], [1.5]]
        """
        X = self._matrix(X)
        mean, _, _, sd = self._precision()
        return np.clip(X, mean - sigmas * sd, mean + sigmas * sd)

    def deviations(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Squared Mahalanobis distance and largest conditional residual of each row.

        The conditional residual of feature ``i`` is its deviation from what the other
        features of its block predict, in standard deviations:
        ``(P (x - mean))_i / sqrt(P_ii)`` with ``P`` the block's regularized precision.
        It catches a fault that moves one feature (a resonance band, the kurtosis)
        which the distance, spread over every feature, dilutes.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Squared distances and largest absolute residuals, shape (n,) each.
        """
        X = self._matrix(X)
        if self.count <= 0.0:
            raise InputError("Baseline: nothing learned yet; update with normal windows before scoring")
        mean, precision, scale, _ = self._precision()
        dev = X - mean
        g = dev @ precision  # (n, dim); the block-diagonal precision is symmetric
        d2 = np.einsum("ij,ij->i", dev, g)
        g *= scale
        resid = np.abs(g).max(axis=1)
        return d2, resid

    def distance(self, X: Any) -> np.ndarray:
        """Squared regularized Mahalanobis distance of each row to the baseline.

        Returns
        -------
        numpy.ndarray of shape (n,)
        """
        return self.deviations(X)[0]

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Each block's ``count``, ``mean`` and ``comoment``, names prefixed ``b0.``, ``b1.``, ..."""
        return parts_state(self._group())

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load the blocks' states (all checked before any changes)."""
        load_parts_state(self._group(), state, self)
        self._snapshot = None

    def _group(self) -> dict[str, Any]:
        return {f"b{b}": part for b, part in enumerate(self._parts)}


class BaselineScorer(Stateful):
    """Baseline lifecycle: learn, calibrate on held-out windows, then score in [0, 1].

    Parameters
    ----------
    dim : int
        Features per window.
    learn_windows : int
        Windows of normal running to learn from (held-out calibration windows
        included) before monitoring starts.
    blocks : int
        Per-channel feature blocks of the :class:`Baseline`.
    threshold_sigmas : float
        Alert threshold in calibration standard deviations above the calibration
        mean of each statistic; the score is 0.5 there.
    shrinkage : float
        See :class:`Baseline`.
    group : int
        Windows per group of the slow scale (:class:`~.slow.SlowScale`); 0 or 1
        switches it off.
    slow_threshold_sigmas : float
        Threshold of the slow-scale statistic, in its calibration deviations.

    Notes
    -----
    Three statistics measure how far a window is from normal: its regularized
    Mahalanobis distance ``d``, its largest conditional residual ``r`` (see
    :meth:`Baseline.deviations`) and the largest conditional residual ``g`` of the mean
    features of the last complete group of ``group`` windows (the slow scale, which
    sees a small persistent shift through the window-to-window noise). ``d`` and ``r``
    are calibrated on held-out windows of the second half of the learning period,
    ``g`` on the groups of that half: each becomes ``z = (value - m) / s`` with the
    mean ``m`` and standard deviation ``s`` it had there (``g``'s z is lowered by
    ``slow_threshold_sigmas - threshold_sigmas``), and the window's score is
    ``1 / (1 + exp(-(max z - threshold_sigmas)))``. Everything learned is summation
    form: two scorers of the same machine type merge with ``+=``.
    """

    def __init__(
        self,
        dim: int,
        learn_windows: int,
        blocks: int = 1,
        threshold_sigmas: float = DEFAULT_THRESHOLD_SIGMAS,
        shrinkage: float = DEFAULT_SHRINKAGE,
        group: int = 0,
        slow_threshold_sigmas: float = DEFAULT_SLOW_THRESHOLD_SIGMAS,
    ) -> None:
        self.dim = dim
        self.learn_windows = learn_windows
        self.blocks = blocks
        self.threshold_sigmas = threshold_sigmas
        self.shrinkage = shrinkage
        self.group = group
        self.slow_threshold_sigmas = slow_threshold_sigmas
        self.baseline = Baseline(dim, blocks, shrinkage)
        self.calibration = Moments(CALIBRATED_STATISTICS)
        self.slow = SlowScale(dim, group) if int(group) >= 2 else None
        self.slow_calibration = Moments(1)
        self._phase = LEARNING
        self._seen = 0

    # ------------------------------------------------------------------ lifecycle
    @property
    def phase(self) -> str:
        """``"learning"`` or ``"monitoring"``."""
        return _PHASE_NAMES[self._phase]

    @property
    def learned(self) -> int:
        """Windows consumed by learning so far (at most ``learn_windows``)."""
        return self._seen

    def remaining(self) -> int:
        """Windows still to learn before monitoring starts."""
        return max(int(self.learn_windows) - self._seen, 0) if self._phase == LEARNING else 0

    @staticmethod
    def _is_holdout(index: np.ndarray, total: int) -> np.ndarray:
        return (index >= total // 2) & (index % HOLDOUT_EVERY == HOLDOUT_EVERY - 1)

    @mutator
    def update(self, x: Any) -> None:
        """Learn one window's features (while learning)."""
        self.update_many(np.asarray(x, dtype=np.float64).reshape(1, -1))

    @mutator
    def update_many(self, X: Any) -> None:
        """Learn windows' features (n, dim); windows beyond the learning period are ignored.

        Held-out windows are scored against the baseline learned so far and calibrate
        the threshold; the others extend the baseline. When ``learn_windows`` have
        been seen, the phase becomes monitoring.
        """
        X = self.baseline._matrix(X)
        if int(self.learn_windows) < 2 * HOLDOUT_EVERY:
            raise InputError(f"BaselineScorer: learn_windows ({self.learn_windows}) must be at least {2 * HOLDOUT_EVERY}")
        take = min(len(X), self.remaining())
        if not take:
            return
        half = int(self.learn_windows) // 2
        held = self._is_holdout(np.arange(self._seen, self._seen + take), int(self.learn_windows))
        slow = self.slow
        for k in range(take):
            # one window at a time, so that the state does not depend on how the
            # stream was cut into batches (a resumed stream gives the same baseline)
            x = X[k : k + 1]
            if held[k]:
                if self.baseline.count > 0.0:
                    d2, resid = self.baseline.deviations(x)
                    self.calibration.update(np.array([math.sqrt(d2[0]), resid[0]]))
            else:
                self.baseline.update(X[k])
            if slow is not None:
                xs = self._slow_input(x)
                ends, means = slow.group_means(xs)
                slow.update_many(xs)
                if len(ends) and self._seen + k >= half and self.baseline.count > 1.0:
                    self.slow_calibration.update(float(self.baseline.deviations(means)[1][0]))
        self._seen += take
        if self._seen >= int(self.learn_windows):
            self._phase = MONITORING

    def _slow_input(self, X: Any) -> np.ndarray:
        # a single odd window must not move a group mean: clip features first
        if self.baseline.count > 1.0:
            return self.baseline.clip(X, SLOW_CLIP_SIGMAS)
        return self.baseline._matrix(X)

    @mutator
    def adapt(self, x: Any, weight: float = 1.0) -> None:
        """Add one window judged normal to the baseline (slow adaptation while monitoring)."""
        self.baseline.update(x, weight)

    @mutator
    def advance(self, X: Any) -> None:
        """Windows ``X`` were scored while monitoring: move the slow scale past them."""
        if self.slow is not None:
            self.slow.update_many(self._slow_input(X))

    @mutator
    def reset(self) -> None:
        """Forget the baseline and calibration and learn again."""
        self.baseline.reset()
        self.calibration = Moments(CALIBRATED_STATISTICS)
        self.slow_calibration = Moments(1)
        if self.slow is not None:
            self.slow.reset()
        self._phase, self._seen = LEARNING, 0

    def __iadd__(self, other: "BaselineScorer") -> "BaselineScorer":
        """Merge the baselines and calibrations of another scorer of the same layout.

        The merged scorer monitors if either did; its learned count is the larger one.
        """
        if not isinstance(other, BaselineScorer) or (other.dim, other.blocks, other.group) != (self.dim, self.blocks, self.group):
            raise InputError("BaselineScorer: can only merge another BaselineScorer with the same dim, blocks and group")
        self.baseline += other.baseline
        self.calibration += other.calibration
        self.slow_calibration += other.slow_calibration
        self._seen = max(self._seen, other._seen)
        self._phase = max(self._phase, other._phase)
        return self

    # ------------------------------------------------------------------ scores
    def threshold(self) -> tuple[np.ndarray, np.ndarray]:
        """Calibration ``(m, s)``: means and spreads of the held-out distance and largest residual."""
        if self.calibration.count <= 0.0:
            raise InputError("BaselineScorer: not calibrated yet; learn for learn_windows windows first")
        return self._spread(self.calibration)

    @staticmethod
    def _spread(moments: Moments) -> tuple[np.ndarray, np.ndarray]:
        m = moments.mean
        return m, np.maximum(moments.std(), np.maximum(MIN_RELATIVE_SPREAD * np.abs(m), TINY))

    def sigmas(self, X: Any) -> np.ndarray:
        """How far each of the next windows is, in calibration standard deviations (z).

        The largest z of the statistics (see the class notes). ``X`` must be the
        windows that follow those already seen: the slow scale completes its groups
        on them. Changes nothing.
        """
        m, s = self.threshold()
        d2, resid = self.baseline.deviations(X)
        z = np.maximum((np.sqrt(d2) - m[0]) / s[0], (resid - m[1]) / s[1])
        slow = self.slow
        if slow is not None and self.slow_calibration.count > 0.0:
            # each window holds the z of the last group complete at it (or before the batch)
            ends, means = slow.group_means(self._slow_input(X))
            last = slow.last_mean
            groups = means if last is None else np.concatenate([last[None, :], means])
            if len(groups):
                gm, gs = self._spread(self.slow_calibration)
                # on the scale of the other z: at its own threshold, zg equals threshold_sigmas
                shift = float(self.threshold_sigmas) - float(self.slow_threshold_sigmas)
                zg = (self.baseline.deviations(groups)[1] - gm[0]) / gs[0] + shift
                which = np.searchsorted(ends, np.arange(len(z)), side="right") - (last is None)
                held = which >= 0
                z[held] = np.maximum(z[held], zg[which[held]])
        return z

    def score_many(self, X: Any) -> np.ndarray:
        """Anomaly scores in [0, 1] of the next windows' features (n, dim); 0.5 at the threshold."""
        return self.scores_for_sigmas(self.sigmas(X))

    def scores_for_sigmas(self, z: np.ndarray) -> np.ndarray:
        """Scores of windows ``z`` calibration deviations out (see :meth:`sigmas`)."""
        return 0.5 * (1.0 + np.tanh(0.5 * (np.asarray(z, dtype=np.float64) - float(self.threshold_sigmas))))

    def score_for_sigmas(self, z: float) -> float:
        """The score of a window ``z`` calibration standard deviations out.

        Examples
        --------
        >>> s = BaselineScorer(dim=1, learn_windows=8, threshold_sigmas=4.0)
        >>> s.score_for_sigmas(4.0)
        0.5
        """
        return float(0.5 * (1.0 + math.tanh(0.5 * (z - float(self.threshold_sigmas)))))

    # ------------------------------------------------------------------ state
    def _group_state(self, calibration: Moments, slow_calibration: Moments, slow: Any) -> dict[str, Any]:
        parts = {"baseline": self.baseline, "calibration": calibration}
        if slow is not None:
            parts.update(slow=slow, slow_calibration=slow_calibration)
        return parts

    def state_dict(self) -> dict[str, Any]:
        """Baseline blocks, calibration moments, slow scale, phase and learned count."""
        state = parts_state(self._group_state(self.calibration, self.slow_calibration, self.slow))
        state["phase"] = np.int8(self._phase)
        state["learned"] = np.int64(self._seen)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load a state saved by a scorer of the same layout (checked before any change)."""
        state = dict(state)
        expect_keys([k for k in state if "." not in k], ["phase", "learned"], self)
        phase = int(expect_scalar(state, "phase", np.int8, self))
        seen = int(expect_scalar(state, "learned", np.int64, self))
        if phase not in _PHASE_NAMES or seen < 0:
            raise StateMismatchError("BaselineScorer: state entry 'phase' or 'learned' is out of range; reset the state")
        rest = {k: v for k, v in state.items() if "." in k}
        calibration, slow_calibration = Moments(CALIBRATED_STATISTICS), Moments(1)
        slow = SlowScale(int(self.dim), int(self.group)) if self.slow is not None else None
        backup = self.baseline.state_dict()
        try:
            load_parts_state(self._group_state(calibration, slow_calibration, slow), rest, self)
        except Exception:
            self.baseline.load_state_dict(backup)
            raise
        self.calibration, self.slow_calibration, self.slow = calibration, slow_calibration, slow
        self._phase, self._seen = phase, seen
