"""The learned normal of one machine, its operating modes, and calibrated anomaly scores.

:class:`Baseline` is one operating mode: running covariances (summation form, from
:mod:`edgeadapt.learn`) of the feature vectors of normal windows, one block of features
per sensor channel, with a regularized Mahalanobis distance and conditional residuals.
Every floor is relative to the data's own spread, so multiplying an input by any
constant changes nothing.

:class:`BaselineScorer` adds the lifecycle and the modes: it learns the first mode for
``learn_windows`` windows, holding out every ``HOLDOUT_EVERY``-th window of the second
half to calibrate the reference distributions on the machine itself, and keeps learning
("still learning") until that calibration rests on enough evidence. Then it scores
every window as ``-log10`` of its tail probability (:mod:`.tails`) against the nearest
mode: a score of 3 means one window in a thousand is that far out by chance. New modes
(another load, another setpoint) are added with :meth:`BaselineScorer.add_mode`;
nothing learned is ever forgotten.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> scorer = BaselineScorer(dim=4, learn_windows=400)
>>> scorer.update_many(rng.normal(size=(400, 4)))
>>> scorer.phase
'monitoring'
>>> normal, odd = scorer.score_many(np.array([[0.1, -0.2, 0.0, 0.3], [6.0, 6.0, -6.0, 6.0]]))
>>> bool(normal < 1.0), bool(odd > 10.0)
(True, True)
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ...errors import InputError, StateMismatchError
from ...learn import Covariance, Moments
from ...core.protocol import Stateful, expect_array, expect_keys, expect_scalar, load_parts_state, mutator, parts_state
from . import tails
from .slow import SlowScale

__all__ = [
    "Baseline",
    "BaselineScorer",
    "Calibration",
    "LEARNING",
    "MONITORING",
    "HOLDOUT_EVERY",
    "DEFAULT_SHRINKAGE",
    "DEFAULT_THRESHOLD_SIGMAS",
    "MAX_MODES",
]

# Shrinkage of each block's covariance toward its diagonal (a standard small ridge).
DEFAULT_SHRINKAGE = 0.05
# Variance floor: this fraction of each feature's own variance (or, for a feature that
# never varied, of its squared mean or the block's smallest variance): relative, so
# any unit gives the same scores.
DEGENERATE_FLOOR = 1e-6
# Lifecycle phases as stored in the state.
LEARNING = 0
MONITORING = 1
_PHASE_NAMES = {LEARNING: "learning", MONITORING: "monitoring"}
# Every HOLDOUT_EVERY-th window of the second half of learning calibrates the scores.
HOLDOUT_EVERY = 4
# The alert threshold as a one-sided Gaussian tail: Shewhart's 3-sigma action limit
# (a tail probability of 1.35e-3 per window).
DEFAULT_THRESHOLD_SIGMAS = 3.0
# Calibration: the scale of each statistic, in distance units (sqrt of a squared
# distance), must be known to within a factor CALIBRATION_TOLERANCE at two standard
# errors, from at least MIN_CALIBRATION windows, before the watcher leaves "still learning".
CALIBRATION_TOLERANCE = 1.25
# Powers of a distance in each calibrated statistic: d2 is squared, r and g are not.
STATISTIC_POWERS = (2.0, 1.0)
CALIBRATION_STANDARD_ERRORS = 2.0
MIN_CALIBRATION = 8
# Features of a window enter its slow-scale group clipped to this many standard
# deviations, so one odd window cannot move a group mean (a Huber-like bound).
SLOW_CLIP_SIGMAS = 2.5
# A machine learns at most this many operating modes (bounded state).
MAX_MODES = 8
# Level evidence: a feature that is a level (not a difference) can wander; its normal range is
# known only if the learning period holds enough effectively independent windows of it.
# Its effective count is n (1 - rho) / (1 + rho), with rho the lag-one autocorrelation,
# from the variance of its window-to-window steps: 1 - rho = var(step) / (2 var(level)).
# The range's scale (a standard deviation from n_eff windows, relative standard error
# 1 / sqrt(2 n_eff)) must be known as well as a calibration scale is: within a factor
# CALIBRATION_TOLERANCE at CALIBRATION_STANDARD_ERRORS, i.e. n_eff >= (2 / ln 1.25)^2 / 2 = 40.
# A level with less evidence is left out of the scores (its rates and residuals stay).
LEVEL_EVIDENCE = 0.5 * (CALIBRATION_STANDARD_ERRORS / math.log(CALIBRATION_TOLERANCE)) ** 2
# Statistics: distance, largest residual, slow-scale residual.
STATISTICS = ("distance", "residual", "slow")


class Baseline(Stateful):
    """Running covariances of normal feature vectors, in per-channel blocks: one operating mode.

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
        ``(1 - shrinkage) * C + shrinkage * diag(C)`` (plus a relative floor for
        features that never varied).

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
    >>> big = Baseline(dim=2); big.update_many(1000.0 * X)
    >>> bool(np.allclose(big.distance(1000.0 * X[:3]), one.distance(X[:3])))
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
        self._snapshot: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._use: np.ndarray | None = None

    def set_used(self, use: Any) -> None:
        """Score with the features where ``use`` is true only (None: all); the learned sums are kept.

        Examples
        --------
        >>> b = Baseline(dim=2); b.update_many([[0.0, 0.0], [1.0, 2.0], [2.0, 1.0]])
        >>> b.set_used([True, False]); b.deviations([[1.0, 50.0]])[0].round(6).tolist()
        [0.0]
        """
        self._use = None if use is None else np.asarray(use, dtype=bool).reshape(int(self.dim)).copy()
        self._snapshot = None

    @property
    def used(self) -> np.ndarray:
        """Which features enter the scores, shape (dim,) of bool."""
        return np.ones(int(self.dim), dtype=bool) if self._use is None else self._use.copy()

    # ------------------------------------------------------------------ updates
    def check(self, X: Any) -> np.ndarray:
        """``X`` as a contiguous float64 (n, dim) matrix of finite values, or :class:`InputError`.

        Examples
        --------
        >>> Baseline(dim=2).check([[1, 2]]).dtype
        dtype('float64')
        """
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise InputError(f"Baseline: X must have shape (n, {self.dim}), got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise InputError("Baseline: X holds NaN or Inf; drop or repair those windows first")
        return X

    @mutator
    def update(self, x: Any, weight: float = 1.0) -> None:
        """Add one normal feature vector with a weight."""
        x = self.check(np.asarray(x, dtype=np.float64).reshape(1, -1))[0]
        for b, part in enumerate(self._parts):
            part.update(x[b * self._size : (b + 1) * self._size], weight)
        self._snapshot = None

    @mutator
    def update_many(self, X: Any, weights: Any = None) -> None:
        """Add normal feature vectors (n, dim), optionally weighted."""
        X = self.check(X)
        if not len(X):
            return
        for b, part in enumerate(self._parts):
            part.update_many(X[:, b * self._size : (b + 1) * self._size], weights)
        self._snapshot = None

    @mutator
    def reset(self) -> None:
        """Forget everything learned."""
        self._parts = [Covariance(self._size) for _ in range(int(self.blocks))]
        self._snapshot = None

    def same_layout(self, other: Any) -> bool:
        """``other`` is a Baseline with the same dim and blocks (so the two can merge)."""
        return isinstance(other, Baseline) and (other.dim, other.blocks) == (self.dim, self.blocks)

    @mutator
    def __iadd__(self, other: "Baseline") -> "Baseline":
        """Merge another baseline of the same layout: equals learning both streams at once."""
        if not self.same_layout(other):
            raise InputError("Baseline: can only merge a Baseline with the same dim and blocks")
        for mine, theirs in zip(self._parts, other._parts):
            mine += theirs
        self._snapshot = None
        return self

    def copy(self) -> "Baseline":
        """An independent copy."""
        out = Baseline(self.dim, self.blocks, self.shrinkage)
        out.load_state_dict(self.state_dict())
        out.set_used(self._use)
        return out

    # ------------------------------------------------------------------ queries
    @property
    def count(self) -> float:
        """Total weight of the windows learned."""
        return self._parts[0].count

    @property
    def mean(self) -> np.ndarray:
        """Mean normal feature vector, shape (dim,)."""
        return np.concatenate([p.mean for p in self._parts])

    def _parts_covariance(self) -> np.ndarray:
        # the block-diagonal covariance (zeros across blocks)
        out = np.zeros((int(self.dim), int(self.dim)))
        for b, part in enumerate(self._parts):
            sl = slice(b * self._size, (b + 1) * self._size)
            out[sl, sl] = part.covariance()
        return out

    def _regularized(self, c: np.ndarray, mean: np.ndarray) -> np.ndarray:
        # every floor is relative to the feature's own scale (features of one block may
        # have different units: a level and a rate per hour), so units never matter
        shrink = float(self.shrinkage)
        diag = np.diag(c).copy()
        positive = diag[diag > 0.0]
        fallback = np.maximum(mean * mean, float(positive.min()) if positive.size else 0.0)
        scale = np.where(diag > 0.0, diag, fallback)
        scale = np.where(scale > 0.0, scale, 1.0)  # nothing at all varied: any unit
        return (1.0 - shrink) * c + np.diag(shrink * diag + DEGENERATE_FLOOR * scale)

    def _precision(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # (mean, block-diagonal regularized precision, 1 / sqrt of its diagonal, feature sd)
        if self._snapshot is None:
            full = np.zeros((int(self.dim), int(self.dim)))
            sd = np.empty(int(self.dim))
            used = self.used
            for b, part in enumerate(self._parts):
                reg = self._regularized(part.covariance(), part.mean)
                sl = slice(b * self._size, (b + 1) * self._size)
                keep = np.flatnonzero(used[sl]) + b * self._size
                if len(keep):
                    # features left out are marginalized: the precision of the others
                    inv = np.linalg.inv(reg[np.ix_(keep - sl.start, keep - sl.start)])
                    full[np.ix_(keep, keep)] = 0.5 * (inv + inv.T)
                sd[sl] = np.sqrt(np.diag(reg))
            diag = np.diagonal(full)
            scale = np.zeros(int(self.dim))
            scale[used] = 1.0 / np.sqrt(diag[used])
            self._snapshot = (self.mean, full, scale, sd)
        return self._snapshot

    def clip(self, X: Any, sigmas: float) -> np.ndarray:
        """Rows of ``X`` with each feature clipped to ``sigmas`` standard deviations around the mean.

        Examples
        --------
        >>> b = Baseline(dim=1); b.update_many([[0.0], [2.0]])
        >>> b.clip([[10.0], [1.5]], sigmas=2.0).round(3).tolist()
        [[3.0], [1.5]]
        """
        return self._clip(self.check(X), sigmas)

    def _clip(self, X: np.ndarray, sigmas: float) -> np.ndarray:
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
        return self.deviations_checked(self.check(X))

    def deviations_checked(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`deviations` of rows already checked by :meth:`check` (the hot path skips a second check)."""
        if self.count <= 0.0:
            raise InputError("Baseline: nothing learned yet; update with normal windows before scoring")
        mean, precision, scale, _ = self._precision()
        dev = X - mean
        # einsum rather than BLAS: each row's arithmetic must not depend on the batch
        # size (a stream cut differently gives the same scores bit for bit)
        g = np.einsum("ij,jk->ik", dev, precision)  # the block-diagonal precision is symmetric
        d2 = np.einsum("ij,ij->i", dev, g)
        g *= scale
        resid = np.abs(g).max(axis=1)
        return np.maximum(d2, 0.0), resid

    def distance(self, X: Any) -> np.ndarray:
        """Squared regularized Mahalanobis distance of each row to the baseline, shape (n,)."""
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


class Calibration(Stateful):
    """How much wider than its Gaussian reference each statistic runs on this machine.

    Holds running moments of ``ln(statistic) - E_ref[ln statistic]`` over held-out
    normal windows (summation form: calibrations merge). The scale factor of a
    statistic is ``exp(mean)``, never below 1 (calibration only widens the reference);
    it rests on enough evidence once two standard errors of that mean are within
    ``ln(CALIBRATION_TOLERANCE)``.

    Examples
    --------
    >>> c = Calibration(1)
    >>> c.update_many(np.log([[2.0]] * 10))
    >>> c.scale().round(3).tolist(), c.enough().tolist()
    ([2.0], [True])
    """

    def __init__(self, dim: int, powers: tuple[float, ...] | None = None) -> None:
        self.dim = dim
        self.powers = powers
        self.moments = Moments(dim)
        self._scale: tuple[float, ...] | None = None  # scale() as floats, until the moments change

    @mutator
    def update_many(self, deviations: Any) -> None:
        """Add log-deviations (n, dim) of held-out windows."""
        self.moments.update_many(np.asarray(deviations, dtype=np.float64).reshape(-1, int(self.dim)))
        self._scale = None

    def scale_values(self) -> tuple[float, ...]:
        """:meth:`scale` as plain floats, cached until the calibration changes (the scoring hot path)."""
        if self._scale is None:
            self._scale = tuple(float(v) for v in self.scale())
        return self._scale

    @property
    def count(self) -> float:
        """Windows of evidence."""
        return self.moments.count

    def scale(self) -> np.ndarray:
        """Scale factor of each statistic (1 before any evidence)."""
        if self.moments.count <= 0.0:
            return np.ones(int(self.dim))
        return np.exp(np.maximum(self.moments.mean, 0.0))

    def standard_error(self) -> np.ndarray:
        """Standard error of the log scale of each statistic (inf below two windows)."""
        n = self.moments.count
        if n < 2.0:
            return np.full(int(self.dim), np.inf)
        return np.sqrt(self.moments.variance(ddof=1) / n)

    def enough(self) -> np.ndarray:
        """Each statistic's calibration rests on enough evidence."""
        powers = np.ones(int(self.dim)) if self.powers is None else np.asarray(self.powers, dtype=np.float64)
        ok = CALIBRATION_STANDARD_ERRORS * self.standard_error() <= powers * math.log(CALIBRATION_TOLERANCE)
        return ok & (self.moments.count >= MIN_CALIBRATION)

    @mutator
    def __iadd__(self, other: "Calibration") -> "Calibration":
        self.moments += other.moments
        self._scale = None
        return self

    def state_dict(self) -> dict[str, Any]:
        return self.moments.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.moments.load_state_dict(state)
        self._scale = None


class BaselineScorer(Stateful):
    """Operating modes of one machine, calibrated on its own held-out windows; scores on a log scale.

    Parameters
    ----------
    dim : int
        Features per window.
    learn_windows : int
        Windows of normal running to learn from (held-out calibration windows
        included) before monitoring may start.
    blocks : int
        Per-channel feature blocks of each :class:`Baseline`.
    shrinkage : float
        See :class:`Baseline`.
    group : int
        Windows per group of the slow scale (:class:`~.slow.SlowScale`); 0 or 1
        switches it off.

    Notes
    -----
    Three statistics measure how far a window is from a mode: its regularized
    Mahalanobis distance ``d2``, its largest conditional residual ``r`` (see
    :meth:`Baseline.deviations`) and the largest conditional residual ``g`` of the mean
    features of the last complete group of ``group`` windows (the slow scale, which
    sees a small persistent shift through the window-to-window noise). Their
    references are Hotelling's prediction distribution for ``d2`` (given the mode's
    window count) and the largest of ``dim`` absolute normals for ``r`` and ``g``, each
    widened by its :class:`Calibration` scale. The score is ``-log10`` of the smallest
    of their tail probabilities times the number of statistics used (Bonferroni), for
    the nearest mode. The slow scale is used once its own calibration is enough.

    Monitoring starts after ``learn_windows`` windows *and* once the distance and
    residual calibrations rest on enough evidence; until then every window is learned
    (held-out ones calibrate) and :attr:`phase` is ``"learning"``.
    """

    def __init__(
        self,
        dim: int,
        learn_windows: int,
        blocks: int = 1,
        shrinkage: float = DEFAULT_SHRINKAGE,
        group: int = 0,
        levels: tuple[int, ...] = (),
        level_evidence: float = LEVEL_EVIDENCE,
    ) -> None:
        self.dim = dim
        self.learn_windows = learn_windows
        self.blocks = blocks
        self.shrinkage = shrinkage
        self.group = group
        self.levels = tuple(int(k) for k in levels)
        self.level_evidence = level_evidence
        self._use = np.ones(int(dim), dtype=bool)
        self.modes = [self.new_baseline()]
        self.calibration = Calibration(2, STATISTIC_POWERS)
        self.slow = SlowScale(dim, group) if int(group) >= 2 else None
        self.slow_calibration = Calibration(1)
        self.steps = Moments(max(len(self.levels), 1))
        self._previous = np.full(len(self.levels), np.nan)
        self._phase = LEARNING
        self._seen = 0

    def new_baseline(self) -> Baseline:
        """An empty baseline of this scorer's layout (a candidate mode)."""
        out = Baseline(self.dim, self.blocks, self.shrinkage)
        out.set_used(self._use)
        return out

    @property
    def used(self) -> np.ndarray:
        """Features that enter the scores (levels without enough evidence are left out), bool (dim,)."""
        return self._use.copy()

    @property
    def used_dim(self) -> int:
        """Number of features that enter the scores."""
        return int(self._use.sum())

    def level_windows(self) -> np.ndarray:
        """Effective independent learning windows of each level feature: ``n (1 - rho) / (1 + rho)``.

        ``rho`` is the lag-one autocorrelation, from the variance of the steps between
        consecutive learning windows (``1 - rho = var(step) / (2 var(level))``); a level
        that never varied counts every window.
        """
        if not self.levels or self.steps.count < 2:
            return np.full(len(self.levels), float(self._seen))
        var = np.diag(self.modes[0]._parts_covariance())[list(self.levels)]
        step = self.steps.variance()
        q = np.where(var > 0.0, np.minimum(step / np.where(var > 0.0, 2.0 * var, 1.0), 1.0), 1.0)
        return float(self._seen) * q / (2.0 - q)

    def _decide_levels(self) -> None:
        # at the middle of learning, before held-out windows calibrate the scores
        if not self.levels:
            return
        use = np.ones(int(self.dim), dtype=bool)
        weak = self.level_windows() < float(self.level_evidence)
        use[np.asarray(self.levels, dtype=np.int64)[weak]] = False
        self._set_used(use)

    def _set_used(self, use: np.ndarray) -> None:
        self._use = use
        for mode in self.modes:
            mode.set_used(use)

    # ------------------------------------------------------------------ lifecycle
    @property
    def phase(self) -> str:
        """``"learning"`` or ``"monitoring"``."""
        return _PHASE_NAMES[self._phase]

    @property
    def learned(self) -> int:
        """Windows consumed by learning so far."""
        return self._seen

    @property
    def baseline(self) -> Baseline:
        """The first mode (learned in the learning period)."""
        return self.modes[0]

    def evidence(self) -> dict[str, Any]:
        """What the calibration rests on: windows, scale factors, standard errors, enough or not.

        Examples
        --------
        >>> BaselineScorer(dim=2, learn_windows=16).evidence()["enough"]
        False
        """
        out: dict[str, Any] = {"windows": int(self.calibration.count)}
        scale, se, ok = self.calibration.scale(), self.calibration.standard_error(), self.calibration.enough()
        for k, name in enumerate(STATISTICS[:2]):
            out[name] = {"scale": float(scale[k]), "log_se": float(se[k]), "enough": bool(ok[k])}
        if self.slow is not None:
            out["slow"] = {
                "groups": int(self.slow_calibration.count),
                "scale": float(self.slow_calibration.scale()[0]),
                "log_se": float(self.slow_calibration.standard_error()[0]),
                "enough": bool(self.slow_calibration.enough()[0]),
            }
        out["enough"] = bool(ok.all())
        out["mode_windows"] = [float(m.count) for m in self.modes]
        return out

    def remaining(self) -> int:
        """Windows still to learn before monitoring may start (at least 1 while evidence lacks)."""
        if self._phase != LEARNING:
            return 0
        left = max(int(self.learn_windows) - self._seen, 0)
        return left if left or self.calibration.enough().all() else HOLDOUT_EVERY

    def _is_holdout(self, index: np.ndarray) -> np.ndarray:
        return (index >= int(self.learn_windows) // 2) & (index % HOLDOUT_EVERY == HOLDOUT_EVERY - 1)

    @mutator
    def update(self, x: Any) -> None:
        """Learn one window's features (while learning)."""
        self.update_many(np.asarray(x, dtype=np.float64).reshape(1, -1))

    @mutator
    def update_many(self, X: Any) -> None:
        """Learn windows' features (n, dim) while learning; the rest of ``X`` is ignored.

        Held-out windows are scored against the mode learned so far and calibrate the
        references; the others extend the mode. Once ``learn_windows`` windows are
        seen and the calibration is enough, the phase becomes monitoring.
        """
        X = self.modes[0].check(X)
        if int(self.learn_windows) < 2 * HOLDOUT_EVERY:
            raise InputError(f"BaselineScorer: learn_windows ({self.learn_windows}) must be at least {2 * HOLDOUT_EVERY}")
        base, slow = self.modes[0], self.slow
        k = 0
        while k < len(X) and self._phase == LEARNING:
            # one window at a time, so that the state does not depend on how the
            # stream was cut into batches (a resumed stream gives the same baseline)
            x = X[k : k + 1]
            if self.levels and self._seen < int(self.learn_windows) // 2:
                now = X[k, list(self.levels)]
                if np.all(np.isfinite(self._previous)):
                    self.steps.update(now - self._previous)
                self._previous = now.copy()
            held = bool(self._is_holdout(np.array([self._seen]))[0])
            if held and base.count > float(self.used_dim) + 2.0:
                self.calibration.update_many(self._log_deviations(base, x))
            else:
                base.update(X[k])
            if slow is not None:
                xs = self._slow_input(x, base)
                ends, means = slow.group_means(xs)
                slow.update_many(xs)
                if len(ends) and self._seen >= int(self.learn_windows) // 2 and base.count > float(self.used_dim) + 2.0:
                    r = base.deviations(means)[1][0]
                    self.slow_calibration.update_many([[math.log(max(r, 1e-300)) - tails.mean_log_max_abs_normal(self.used_dim)]])
            self._seen += 1
            k += 1
            if self.levels and self._seen == int(self.learn_windows) // 2:
                self._decide_levels()
            if self._seen >= int(self.learn_windows) and self.calibration.enough().all():
                self._phase = MONITORING

    def _log_deviations(self, base: Baseline, x: np.ndarray) -> np.ndarray:
        d2, r = base.deviations(x)
        ref_d = tails.mean_log_hotelling(self.used_dim, base.count)
        ref_r = tails.mean_log_max_abs_normal(self.used_dim)
        return np.array([[math.log(max(float(d2[0]), 1e-300)) - ref_d, math.log(max(float(r[0]), 1e-300)) - ref_r]])

    def _slow_input(self, X: Any, base: Baseline | None = None, checked: bool = False) -> np.ndarray:
        # a single odd window must not move a group mean: clip features first
        base = self.modes[0] if base is None else base
        X = X if checked else base.check(X)
        if base.count > 1.0:
            return base._clip(X, SLOW_CLIP_SIGMAS)
        return X

    @mutator
    def adapt(self, x: Any, mode: int = 0, weight: float = 1.0) -> None:
        """Add one window judged normal to mode ``mode`` (slow adaptation while monitoring)."""
        self.modes[int(mode)].update(x, weight)

    @mutator
    def add_mode(self, mode: Baseline) -> int:
        """Add an operating mode learned elsewhere (an accepted shift); returns its index."""
        if not self.modes[0].same_layout(mode):
            raise InputError("BaselineScorer: a new mode must have this scorer's dim and blocks")
        if len(self.modes) >= MAX_MODES:
            raise InputError(f"BaselineScorer: already {MAX_MODES} operating modes; merge or reset before adding more")
        if mode.count <= float(self.used_dim) + 2.0:
            raise InputError(
                f"BaselineScorer: a new mode needs more than {self.used_dim + 2} windows, got {mode.count:g}; "
                "let the new state run longer before accepting it"
            )
        added = mode.copy()
        added.set_used(self._use)
        self.modes.append(added)
        return len(self.modes) - 1

    @mutator
    def advance(self, X: Any) -> None:
        """Windows ``X`` were scored while monitoring: move the slow scale past them."""
        if self.slow is not None:
            self.slow.update_many(self._slow_input(X))

    @mutator
    def reset(self) -> None:
        """Forget every mode and the calibration and learn again."""
        self.modes = [self.new_baseline()]
        self.calibration = Calibration(2, STATISTIC_POWERS)
        self.slow_calibration = Calibration(1)
        if self.slow is not None:
            self.slow.reset()
        self.steps = Moments(max(len(self.levels), 1))
        self._previous = np.full(len(self.levels), np.nan)
        self._set_used(np.ones(int(self.dim), dtype=bool))
        self.modes = [self.new_baseline()]
        self._phase, self._seen = LEARNING, 0

    @mutator
    def __iadd__(self, other: "BaselineScorer") -> "BaselineScorer":
        """Merge the modes and calibrations of another scorer of the same layout.

        Modes merge by position (mode ``k`` with mode ``k``); the other's extra modes
        are added. The merged scorer monitors if either did.
        """
        if not isinstance(other, BaselineScorer) or (other.dim, other.blocks, other.group, other.levels) != (
            self.dim, self.blocks, self.group, self.levels
        ):
            raise InputError("BaselineScorer: can only merge another BaselineScorer with the same dim, blocks, group and levels")
        if max(len(self.modes), len(other.modes)) > MAX_MODES:
            raise InputError(f"BaselineScorer: the merge would exceed {MAX_MODES} modes")  # pragma: no cover
        for k, mode in enumerate(other.modes):
            if k < len(self.modes):
                self.modes[k] += mode
            else:
                self.modes.append(mode.copy())
        self.calibration += other.calibration
        self.slow_calibration += other.slow_calibration
        # a level left out by either scorer lacks evidence: it stays out
        self._set_used(self._use & other._use)
        self._seen = max(self._seen, other._seen)
        self._phase = max(self._phase, other._phase)
        return self

    # ------------------------------------------------------------------ scores
    def log10_tails(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``log10`` tail probability of each of the next windows, and the nearest mode's index.

        ``X`` must be the windows that follow those already seen: the slow scale
        completes its groups on them. Changes nothing.
        """
        if self.calibration.count <= 0.0:
            raise InputError("BaselineScorer: not calibrated yet; learn for learn_windows windows first")
        X = self.modes[0].check(X)
        dim = self.used_dim
        k_d, k_r = self.calibration.scale_values()
        slow = self.slow
        use_slow = slow is not None and bool(self.slow_calibration.enough()[0])
        groups = np.empty((0, int(self.dim)))
        which = np.full(len(X), -1, dtype=np.int64)
        if use_slow and slow is not None:
            ends, means = slow.group_means(self._slow_input(X, checked=True))
            last = slow.last_mean
            groups = means if last is None else np.concatenate([last[None, :], means])
            which = np.searchsorted(ends, np.arange(len(X)), side="right") - (last is None)
            if not len(groups):
                use_slow = False
        n_stats = 3 if use_slow else 2
        if len(X) == 1 and not use_slow:
            return self._log10_tails_one(X, dim, k_d, k_r)
        best = np.full(len(X), np.inf)
        best_mode = np.zeros(len(X), dtype=np.int64)
        for m, mode in enumerate(self.modes):
            if mode.count <= float(dim) + 2.0:
                continue
            d2, r = mode.deviations_checked(X)
            lp = np.minimum(tails.log10_hotelling_sf(d2 / k_d, dim, mode.count), tails.log10_max_abs_normal_sf(r / k_r, dim))
            if use_slow:
                k_g = float(self.slow_calibration.scale()[0])
                lg = tails.log10_max_abs_normal_sf(mode.deviations_checked(groups)[1] / k_g, dim)
                held = which >= 0
                lp[held] = np.minimum(lp[held], lg[which[held]])
            lp = np.minimum(lp + math.log10(n_stats), 0.0)
            better = -lp < best
            best[better] = -lp[better]
            best_mode[better] = m
        return -best, best_mode

    def _log10_tails_one(self, X: np.ndarray, dim: int, k_d: float, k_r: float) -> tuple[np.ndarray, np.ndarray]:
        # log10_tails of one window without the slow scale, on plain floats
        best, best_mode = math.inf, 0
        bonferroni = math.log10(2.0)
        for m, mode in enumerate(self.modes):
            if mode.count <= float(dim) + 2.0:
                continue
            d2, r = mode.deviations_checked(X)
            lp = min(tails.log10_hotelling_sf_one(float(d2[0]) / k_d, dim, mode.count),
                     tails.log10_max_abs_normal_sf_one(float(r[0]) / k_r, dim))
            score = -min(lp + bonferroni, 0.0)
            if score < best:
                best, best_mode = score, m
        return np.array([-best]), np.array([best_mode], dtype=np.int64)

    def score_many(self, X: Any) -> np.ndarray:
        """Anomaly scores ``-log10 p`` (0 = typical, 3 = one window in a thousand) of the next windows."""
        return -self.log10_tails(X)[0] + 0.0

    # ------------------------------------------------------------------ state
    def _group(
        self, modes: list, calibration: Calibration, slow_calibration: Calibration, slow: Any, steps: Moments | None = None
    ) -> dict[str, Any]:
        parts: dict[str, Any] = {f"mode{k}": m for k, m in enumerate(modes)}
        parts["calibration"] = calibration
        if slow is not None:
            parts.update(slow=slow, slow_calibration=slow_calibration)
        if self.levels:
            parts["steps"] = self.steps if steps is None else steps
        return parts

    def state_dict(self) -> dict[str, Any]:
        """Modes, calibrations, slow scale, level steps, used features, phase, learned count, number of modes."""
        state = parts_state(self._group(self.modes, self.calibration, self.slow_calibration, self.slow))
        state["phase"] = np.int8(self._phase)
        state["learned"] = np.int64(self._seen)
        state["modes"] = np.int64(len(self.modes))
        if self.levels:
            state["used"] = self._use.astype(np.int8)
            state["previous"] = self._previous.copy()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load a state saved by a scorer of the same layout (checked before any change)."""
        state = dict(state)
        extra = ["used", "previous"] if self.levels else []
        expect_keys(dict.fromkeys(k for k in state if "." not in k), ["phase", "learned", "modes"] + extra, self)
        use, previous = np.ones(int(self.dim), dtype=bool), np.full(len(self.levels), np.nan)
        if self.levels:
            flags = expect_array(state, "used", (int(self.dim),), np.int8, self)
            previous = expect_array(state, "previous", (len(self.levels),), np.float64, self, finite=False)
            if not np.all((flags == 0) | (flags == 1)) or not flags.any():
                raise StateMismatchError("BaselineScorer: state entry 'used' must hold 0 or 1 and some 1; reset the state")
            use = flags.astype(bool)
        phase = int(expect_scalar(state, "phase", np.int8, self))
        seen = int(expect_scalar(state, "learned", np.int64, self))
        count = int(expect_scalar(state, "modes", np.int64, self))
        if phase not in _PHASE_NAMES or seen < 0 or not 1 <= count <= MAX_MODES:
            raise StateMismatchError("BaselineScorer: state entry 'phase', 'learned' or 'modes' is out of range; reset the state")
        rest = {k: v for k, v in state.items() if "." in k}
        modes = [self.new_baseline() for _ in range(count)]
        calibration, slow_calibration = Calibration(2, STATISTIC_POWERS), Calibration(1)
        slow = SlowScale(int(self.dim), int(self.group)) if self.slow is not None else None
        steps = Moments(max(len(self.levels), 1))
        load_parts_state(self._group(modes, calibration, slow_calibration, slow, steps), rest, self)
        self.modes, self.calibration, self.slow_calibration, self.slow = modes, calibration, slow_calibration, slow
        self.steps, self._previous = steps, previous
        self._set_used(use)
        self._phase, self._seen = phase, seen
