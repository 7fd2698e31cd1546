"""Monitoring loop: score windows, guard alerts, adapt on normal windows, accept new modes.

:class:`Monitor` composes a :class:`~.baseline.BaselineScorer`, an
:class:`~edgeadapt.guard.alerts.AlertGuard` and an :class:`AdaptationLimiter`. While
the scorer learns, windows go to it; afterwards each window is scored, the guard
decides on alerts, and a window extends its nearest operating mode if

- it scores below the alert level and leaves no alert active or pending (every normal
  window qualifies, not only the clearly normal ones: truncating at a tail probability
  of about 1e-3 narrows a Gaussian spread by well under 1 %, so the baseline does not
  shrink), and
- the limiter allows it (at most one adapted window every ``every`` windows, each
  with weight ``adapt_weight``).

Windows of an active alert are collected into a *candidate* mode. If the alert is a
benign change (a new load, a setpoint), :meth:`Monitor.accept` makes the candidate a
new operating mode and ends the alert; with ``accept_after`` set, that happens by
itself once an alert has lasted that many windows and its windows show no trend
(:meth:`Monitor.steady`: a steady new state, not a growing fault), while fewer than
``MAX_MODES`` modes exist. Each acceptance is an ``"accepted"`` event. Nothing learned is forgotten.

The score of window ``i`` always uses the baseline as adapted by windows before
``i``, whatever the batch sizes: a stream cut into chunks differently, or resumed
after a restart, gives the same scores, alerts and baseline. Scoring and the guard
are vectorized over the windows between two adaptations.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.guard.alerts import AlertGuard
>>> from edgeadapt.apps.maintenance import BaselineScorer
>>> rng = np.random.default_rng(0)
>>> mon = Monitor(BaselineScorer(dim=3, learn_windows=200), AlertGuard(on=3.0, off=1.5, min_duration=3))
>>> mon.update_many(rng.normal(size=(300, 3)))
>>> mon.update_many(rng.normal(size=(10, 3)) + 8.0)
>>> r = mon.results
>>> r.learning.sum(), r.alert.tolist()[:4], r.event[2]
(np.int64(0), [False, False, True, True], 'raised')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ...errors import InputError, StateMismatchError
from ...guard.alerts import CLEARED, EVENT_NAMES, AlertGuard
from ...core.protocol import Stateful, expect_array, expect_keys, expect_scalar, load_parts_state, mutator, parts_state
from ...learn import Moments
from . import tails
from .baseline import MAX_MODES, Baseline, BaselineScorer

__all__ = ["Monitor", "AdaptationLimiter", "WindowResults", "DEFAULT_ADAPT_EVERY", "ACCEPTED_EVENT"]

# Adaptation: one window at most every DEFAULT_ADAPT_EVERY windows, each with the
# weight of one learning window.
DEFAULT_ADAPT_EVERY = 12
DEFAULT_ADAPT_WEIGHT = 1.0
# Windows scored at once between two possible adaptations (a speed knob, no effect on results).
SCORE_BLOCK = 1024
ADAPT_LOOKAHEAD = 32
ACCEPTED_EVENT = "accepted"


class AdaptationLimiter(Stateful):
    """Allows at most one adaptation every ``every`` windows.

    Parameters
    ----------
    every : int
        Minimum number of windows between two adaptations (1: any window).

    Examples
    --------
    >>> lim = AdaptationLimiter(every=3)
    >>> ready = []
    >>> for _ in range(4):
    ...     lim.update(); ready.append(lim.ready)
    >>> ready
    [False, False, True, True]
    >>> lim.mark(); lim.ready, lim.steps_until_ready()
    (False, 3)
    """

    def __init__(self, every: int = DEFAULT_ADAPT_EVERY) -> None:
        self.every = every
        self._since = 0

    @mutator
    def update(self, steps: int = 1) -> None:
        """``steps`` more windows have passed."""
        self._since += int(steps)

    def steps_until_ready(self) -> int:
        """Windows that must pass before an adaptation is allowed (0: now)."""
        return max(int(self.every) - self._since, 0)

    @mutator
    def mark(self) -> None:
        """An adaptation happened now."""
        self._since = 0

    @property
    def ready(self) -> bool:
        """An adaptation is allowed now."""
        return self._since >= int(self.every)

    def state_dict(self) -> dict[str, Any]:
        """Windows since the last adaptation."""
        return {"since": np.int64(self._since)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load the counter (checked)."""
        expect_keys(state, ["since"], self)
        since = int(expect_scalar(state, "since", np.int64, self))
        if since < 0:
            raise StateMismatchError("AdaptationLimiter: state entry 'since' is negative; reset the state")
        self._since = since


class Trend(Stateful):
    """Running correlation of each feature with the window's position (summation form, small state).

    Examples
    --------
    >>> tr = Trend(dim=2)
    >>> for j in range(10):
    ...     tr.update(float(j), [2.0 * j, (-1.0) ** j])
    >>> tr.correlation().round(3).tolist()
    [1.0, -0.174]
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.moments = Moments(int(dim) + 1)
        self._cross = np.zeros(int(dim))

    @property
    def count(self) -> float:
        return self.moments.count

    @mutator
    def update(self, position: float, x: Any) -> None:
        """Add one window at ``position`` with features ``x``."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        old = self.moments.mean.copy() if self.moments.count else np.zeros(int(self.dim) + 1)
        self.moments.update(np.concatenate([[float(position)], x]))
        new = self.moments.mean
        self._cross += (float(position) - old[0]) * (x - new[1:])

    def correlation(self) -> np.ndarray:
        """Correlation of each feature with the position (0 where either is constant)."""
        var = self.moments.variance() * self.moments.count
        out = np.zeros(int(self.dim))
        ok = (var[1:] > 0.0) & (var[0] > 0.0)
        out[ok] = self._cross[ok] / np.sqrt(var[0] * var[1:][ok])
        return out

    def state_dict(self) -> dict[str, Any]:
        state = {f"m.{k}": v for k, v in self.moments.state_dict().items()}
        state["cross"] = self._cross.copy()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        state = dict(state)
        expect_keys(dict.fromkeys(k for k in state if not k.startswith("m.")), ["cross"], self)
        cross = expect_array(state, "cross", (int(self.dim),), np.float64, self)
        moments = Moments(int(self.dim) + 1)
        moments.load_state_dict({k[2:]: v for k, v in state.items() if k.startswith("m.")})
        self.moments, self._cross = moments, cross


@dataclass
class WindowResults:
    """Per-window outcome of one :meth:`Monitor.update_many` call.

    Attributes
    ----------
    index : numpy.ndarray of int64
        Window numbers since the monitor was created (or reset).
    learning : numpy.ndarray of bool
        The window was used for learning (no score).
    score : numpy.ndarray of float64
        Anomaly score ``-log10 p`` (0 typical, 3 one window in a thousand); NaN while learning.
    alert : numpy.ndarray of bool
        An alert is active after this window.
    event : list of str
        ``"raised"``, ``"cleared"``, ``"accepted"`` or ``""`` per window.
    adapted : numpy.ndarray of bool
        The window extended its mode during monitoring.
    mode : numpy.ndarray of int64
        Nearest operating mode (-1 while learning).
    """

    index: np.ndarray
    learning: np.ndarray
    score: np.ndarray
    alert: np.ndarray
    event: list
    adapted: np.ndarray
    mode: np.ndarray

    @classmethod
    def concat(cls, parts: list) -> "WindowResults":
        """One result of consecutive calls' results."""
        if not parts:
            return cls.empty(0, 0)
        return cls(
            np.concatenate([p.index for p in parts]),
            np.concatenate([p.learning for p in parts]),
            np.concatenate([p.score for p in parts]),
            np.concatenate([p.alert for p in parts]),
            [e for p in parts for e in p.event],
            np.concatenate([p.adapted for p in parts]),
            np.concatenate([p.mode for p in parts]),
        )

    @classmethod
    def empty(cls, n: int, first: int) -> "WindowResults":
        """Results for ``n`` windows numbered from ``first``, all learning."""
        return cls(
            np.arange(first, first + n, dtype=np.int64),
            np.ones(n, dtype=bool),
            np.full(n, np.nan),
            np.zeros(n, dtype=bool),
            [""] * n,
            np.zeros(n, dtype=bool),
            np.full(n, -1, dtype=np.int64),
        )


class Monitor(Stateful):
    """Learn, then score, guard, adapt and accept new modes: one machine's monitoring state.

    Parameters
    ----------
    scorer : BaselineScorer
    guard : AlertGuard
        Its ``on`` level is the alert threshold in score units (``-log10 p``).
    limiter : AdaptationLimiter, optional
        Default: one adaptation at most every ``DEFAULT_ADAPT_EVERY`` windows.
    adapt : bool
        Adapt modes on normal windows while monitoring.
    adapt_weight : float
        Weight of an adapted window in its mode (learning windows weigh 1).
    accept_after : int
        Windows an alert must last before its steady new state is accepted as a mode
        by itself (0: only :meth:`accept` does it).

    Attributes
    ----------
    results : WindowResults
        What the last :meth:`update_many` call did, window by window.
    windows : int
        Windows processed since creation or reset.
    accepted : int
        Modes accepted so far.
    candidate : Baseline
        Windows of the current alert (what :meth:`accept` would add).
    """

    def __init__(
        self,
        scorer: BaselineScorer,
        guard: AlertGuard,
        limiter: AdaptationLimiter | None = None,
        adapt: bool = True,
        adapt_weight: float = DEFAULT_ADAPT_WEIGHT,
        accept_after: int = 0,
    ) -> None:
        self.scorer = scorer
        self.guard = guard
        self.limiter = limiter if limiter is not None else AdaptationLimiter()
        self.adapt = adapt
        self.adapt_weight = adapt_weight
        self.accept_after = accept_after
        self.windows = 0
        self.accepted = 0
        self.candidate = scorer.new_baseline()
        self.trend = Trend(int(scorer.dim))
        self.results = WindowResults.empty(0, 0)

    # ------------------------------------------------------------------ queries
    @property
    def phase(self) -> str:
        """The scorer's phase: ``"learning"`` or ``"monitoring"``."""
        return self.scorer.phase

    def remaining(self) -> int:
        """Windows still to learn before monitoring may start."""
        return self.scorer.remaining()

    @property
    def learned(self) -> int:
        """Windows consumed by learning."""
        return self.scorer.learned

    def mode_windows(self) -> list[float]:
        """Windows learned (and adapted) per operating mode; the first is the learned baseline."""
        return [float(m.count) for m in self.scorer.modes]

    def evidence(self) -> dict[str, Any]:
        """What the calibration rests on (see :meth:`BaselineScorer.evidence`)."""
        return self.scorer.evidence()

    # ------------------------------------------------------------------ updates
    @mutator
    def extend(self, X: Any) -> None:
        """Add feature windows known to be normal to the first mode (alerts untouched)."""
        self.scorer.modes[0].update_many(X)

    @mutator
    def accept(self) -> int:
        """Make the windows of the current alert a new operating mode and end the alert.

        Returns the index of the new mode. Raises :class:`InputError` when there is
        nothing (or not enough) to accept.
        """
        if self.candidate.count <= 0.0:
            raise InputError("Monitor: no alert windows to accept; 'accept' takes the windows of the current alert")
        index = self.scorer.add_mode(self.candidate)
        self.candidate = self.scorer.new_baseline()
        self.trend = Trend(int(self.scorer.dim))
        self.guard.clear()
        self.accepted += 1
        return index

    @mutator
    def update_many(self, X: Any) -> None:
        """Process the feature vectors (n, dim) of consecutive windows."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != int(self.scorer.dim):
            raise InputError(f"Monitor: X must have shape (n, {self.scorer.dim}), got {X.shape}")
        n = len(X)
        if n == 1 and not self.accept_after and self.scorer.phase == "monitoring":
            self._update_one(X)
            return
        res = WindowResults.empty(n, self.windows)
        scorer, guard, limiter = self.scorer, self.guard, self.limiter
        before = scorer.learned
        if scorer.phase == "learning":
            scorer.update_many(X)
        i = scorer.learned - before
        res.learning[i:] = False
        on = float(guard.on)
        while i < n:
            first_ready = max(limiter.steps_until_ready() - 1, 0)
            length = SCORE_BLOCK if not self.adapt or first_ready == 0 else min(SCORE_BLOCK, first_ready + ADAPT_LOOKAHEAD)
            block = X[i : i + length]
            lp, modes = scorer.log10_tails(block)
            scores = -lp + 0.0  # never -0.0
            take = len(block)
            act_at = check_at = -1  # window after which the scorer changes (adaptation or acceptance)
            if take == 1 and not self.accept_after:
                # one window per call (live use): the guard's own update tells what a preview would
                active = None
            else:
                active = guard.preview(scores)
                calm = (scores < self._clear_level()) & ~active
                if self.adapt:
                    hits = np.flatnonzero(calm[first_ready:])
                    if len(hits):
                        act_at = first_ready + int(hits[0])
                check_at = self._accept_check_at(active) if self.accept_after else -1
                if check_at >= 0 and (act_at < 0 or check_at < act_at):
                    act_at = -1
                    take = check_at + 1
                if act_at >= 0:
                    take = act_at + 1
            guard.update_many(scores[:take])
            flags, events = guard.history
            if active is None and self.adapt and first_ready == 0 and scores[0] < self._clear_level() and not guard.active:
                act_at = 0
            res.score[i : i + take] = scores[:take]
            res.alert[i : i + take] = flags
            res.mode[i : i + take] = modes[:take]
            for j in np.flatnonzero(events):
                res.event[i + j] = EVENT_NAMES[events[j]]
            self._collect(block[:take], flags, events)
            limiter.update(take)
            scorer.advance(block[:take])
            if check_at == take - 1 and guard.active and self.steady() and len(scorer.modes) < MAX_MODES:
                self.accept()
                res.event[i + check_at] = ACCEPTED_EVENT
                res.alert[i + check_at] = False
            elif act_at >= 0:
                scorer.adapt(block[act_at], int(modes[act_at]), float(self.adapt_weight))
                limiter.mark()
                res.adapted[i + act_at] = True
            i += take
        self.windows += n
        self.results = res

    def _clear_level(self) -> float:
        # the guard's clear level (its raise level when it has no hysteresis)
        off = self.guard.on if self.guard.off is None else self.guard.off
        return float(off)

    def _update_one(self, X: np.ndarray) -> None:
        # one window while monitoring (live use): the general loop's decisions for a
        # block of one window, with its bookkeeping done on plain values
        scorer, guard, limiter = self.scorer, self.guard, self.limiter
        first_ready = limiter.steps_until_ready() <= 1
        lp, modes = scorer.log10_tails(X)
        score = -float(lp[0]) + 0.0
        guard.update_many(np.array([score]))
        flags, events = guard.history
        active, event = bool(flags[0]), int(events[0])
        if active or event == CLEARED:
            self._collect(X, flags, events)
        limiter.update(1)
        scorer.advance(X)
        adapted = self.adapt and first_ready and score < self._clear_level() and not guard.active
        if adapted:
            scorer.adapt(X[0], int(modes[0]), float(self.adapt_weight))
            limiter.mark()
        self.results = WindowResults(
            np.array([self.windows], dtype=np.int64), np.zeros(1, dtype=bool), np.array([score]),
            np.array([active]), [EVENT_NAMES[event]], np.array([adapted]), np.array([int(modes[0])], dtype=np.int64),
        )
        self.windows += 1

    def _collect(self, X: np.ndarray, flags: np.ndarray, events: np.ndarray) -> None:
        # windows of an active alert build the candidate mode; a cleared alert drops it
        cleared = np.flatnonzero(events == CLEARED)
        start = int(cleared[-1]) + 1 if len(cleared) else 0
        if len(cleared):
            self.candidate = self.scorer.new_baseline()
            self.trend = Trend(int(self.scorer.dim))
        for row in np.flatnonzero(flags[start:]) + start:
            # one at a time: the candidate must not depend on how the stream was cut
            self.trend.update(self.candidate.count, X[row])
            self.candidate.update(X[row])

    def _accept_check_at(self, active: np.ndarray) -> int:
        # first window of the block at which the current alert has lasted accept_after
        # windows (or more: then every window is checked until the state is steady)
        need = float(self.accept_after)
        count = self.candidate.count if self.guard.active else 0.0
        for j in np.flatnonzero(active):
            if j > 0 and not active[j - 1]:
                count = 0.0
            count += 1.0
            if count >= need and count > float(self.scorer.dim) + 2.0:
                return int(j)
        return -1

    def steady(self) -> bool:
        """The windows of the current alert show no trend: a new steady state, not a growing fault.

        Each feature's correlation with the window's position in the alert is tested
        (a t statistic, the largest of them against the same tail level as alerts);
        a candidate with too few windows is not steady.
        """
        n = self.trend.count
        dim = int(self.scorer.dim)
        if n <= dim + 2.0:
            return False
        r = np.clip(self.trend.correlation(), -1.0 + 1e-12, 1.0 - 1e-12)
        t = np.abs(r) * math.sqrt(n - 2.0) / np.sqrt(1.0 - r * r)
        return -float(tails.log10_max_abs_normal_sf(t.max(), dim)) < float(self.guard.on)

    @mutator
    def reset(self) -> None:
        """Back to learning: forget every mode, the calibration, alerts and counters."""
        self.scorer.reset()
        self.guard.reset()
        self.limiter = type(self.limiter)(self.limiter.every)
        self.candidate = self.scorer.new_baseline()
        self.trend = Trend(int(self.scorer.dim))
        self.windows = 0
        self.accepted = 0
        self.results = WindowResults.empty(0, 0)

    def state_dict(self) -> dict[str, Any]:
        """Scorer, guard, limiter and candidate states plus the window and acceptance counters."""
        state = parts_state(self._group(self.candidate, self.trend))
        state["windows"] = np.int64(self.windows)
        state["accepted"] = np.int64(self.accepted)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load a state saved by a monitor of the same configuration."""
        state = dict(state)
        expect_keys(dict.fromkeys(k for k in state if "." not in k), ["windows", "accepted"], self)
        windows = int(expect_scalar(state, "windows", np.int64, self))
        accepted = int(expect_scalar(state, "accepted", np.int64, self))
        if windows < 0 or accepted < 0:
            raise StateMismatchError("Monitor: state entry 'windows' or 'accepted' is negative; reset the state")
        rest = {k: v for k, v in state.items() if "." in k}
        candidate, trend = self.scorer.new_baseline(), Trend(int(self.scorer.dim))
        fixed = {"scorer": self.scorer, "guard": self.guard, "limiter": self.limiter}
        backup = parts_state(fixed)
        try:
            load_parts_state(self._group(candidate, trend), rest, self)
        except Exception:
            load_parts_state(fixed, backup, self)
            raise
        self.candidate, self.trend, self.windows, self.accepted = candidate, trend, windows, accepted

    def _group(self, candidate: Baseline, trend: "Trend | None" = None) -> dict[str, Any]:
        trend = self.trend if trend is None else trend
        return {"scorer": self.scorer, "guard": self.guard, "limiter": self.limiter, "candidate": candidate, "trend": trend}
