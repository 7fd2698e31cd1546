"""Monitoring loop: score windows, guard alerts, adapt slowly on clearly normal windows.

:class:`Monitor` composes a :class:`~.baseline.BaselineScorer`, an
:class:`~edgeadapt.guard.alerts.AlertGuard` and an :class:`AdaptationLimiter`. While
the scorer learns, windows go to it; afterwards each window is scored, the guard
decides on alerts, and a window may extend the baseline only if

- it is closer than ``adapt_sigmas`` calibration deviations (clearly normal),
- no alert is active (adaptation freezes during an alert), and
- the limiter allows it (at most one adapted window every ``every`` windows, each
  with weight ``adapt_weight``).

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
>>> mon = Monitor(BaselineScorer(dim=3, learn_windows=200), AlertGuard(on=0.5, min_duration=3))
>>> mon.update_many(rng.normal(size=(300, 3)))
>>> mon.update_many(rng.normal(size=(10, 3)) + 8.0)
>>> r = mon.results
>>> r.learning.sum(), r.alert.tolist()[:4], r.event[2]
(np.int64(0), [False, False, True, True], 'raised')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ...errors import InputError, StateMismatchError
from ...core.protocol import Stateful, mutator
from ...guard.alerts import EVENT_NAMES, AlertGuard
from ...core.protocol import load_parts_state, parts_state, expect_keys, expect_scalar
from .baseline import BaselineScorer

__all__ = ["Monitor", "AdaptationLimiter", "WindowResults", "DEFAULT_ADAPT_EVERY", "DEFAULT_ADAPT_SIGMAS"]

# Adaptation: one window at most every DEFAULT_ADAPT_EVERY windows, and only windows
# closer than DEFAULT_ADAPT_SIGMAS calibration deviations to the baseline.
DEFAULT_ADAPT_EVERY = 12
DEFAULT_ADAPT_SIGMAS = 1.0
DEFAULT_ADAPT_WEIGHT = 1.0
# Windows scored at once between two possible adaptations (a speed knob, no effect on results).
SCORE_BLOCK = 1024
ADAPT_LOOKAHEAD = 32


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
        Anomaly score in [0, 1]; NaN while learning.
    alert : numpy.ndarray of bool
        An alert is active after this window.
    event : list of str
        ``"raised"``, ``"cleared"`` or ``""`` per window.
    adapted : numpy.ndarray of bool
        The window extended the baseline during monitoring.
    """

    index: np.ndarray
    learning: np.ndarray
    score: np.ndarray
    alert: np.ndarray
    event: list
    adapted: np.ndarray

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
        )


class Monitor(Stateful):
    """Learn, then score, guard and slowly adapt: one machine's monitoring state.

    Parameters
    ----------
    scorer : BaselineScorer
    guard : AlertGuard
    limiter : AdaptationLimiter, optional
        Default: one adaptation at most every ``DEFAULT_ADAPT_EVERY`` windows.
    adapt_sigmas : float
        Windows farther than this (in calibration deviations) never adapt; use a
        negative infinity to switch adaptation off.
    adapt_weight : float
        Weight of an adapted window in the baseline (learning windows weigh 1).

    Attributes
    ----------
    results : WindowResults
        What the last :meth:`update_many` call did, window by window.
    windows : int
        Windows processed since creation or reset.
    """

    def __init__(
        self,
        scorer: BaselineScorer,
        guard: AlertGuard,
        limiter: AdaptationLimiter | None = None,
        adapt_sigmas: float = DEFAULT_ADAPT_SIGMAS,
        adapt_weight: float = DEFAULT_ADAPT_WEIGHT,
    ) -> None:
        self.scorer = scorer
        self.guard = guard
        self.limiter = limiter if limiter is not None else AdaptationLimiter()
        self.adapt_sigmas = adapt_sigmas
        self.adapt_weight = adapt_weight
        self.windows = 0
        self.results = WindowResults.empty(0, 0)

    @mutator
    def update_many(self, X: Any) -> None:
        """Process the feature vectors (n, dim) of consecutive windows."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != int(self.scorer.dim):
            raise InputError(f"Monitor: X must have shape (n, {self.scorer.dim}), got {X.shape}")
        n = len(X)
        res = WindowResults.empty(n, self.windows)
        i = 0
        learn = min(n, self.scorer.remaining())
        if learn:
            self.scorer.update_many(X[:learn])
            i = learn
        res.learning[i:] = False
        adapt_below = float(self.adapt_sigmas)
        guard, limiter, scorer = self.guard, self.limiter, self.scorer
        adapting = adapt_below > -np.inf
        while i < n:
            # limiter.update() comes before the check: window j of the block is ready
            # once j + 1 windows have passed
            first_ready = max(limiter.steps_until_ready() - 1, 0)
            # end the block soon after the first window that may adapt, as the windows
            # after an adaptation are scored again with the adapted baseline (a limiter
            # already ready found no calm window in the last block: take a long one)
            length = SCORE_BLOCK if not adapting or first_ready == 0 else min(SCORE_BLOCK, first_ready + ADAPT_LOOKAHEAD)
            block = X[i : i + length]
            z = scorer.sigmas(block)
            scores = scorer.scores_for_sigmas(z)
            take = len(block)
            adapt_at = -1
            candidates = z[first_ready:] < adapt_below
            if candidates.any():
                quiet = not guard.active and guard.pending == 0 and bool(np.all(scores < guard.on))
                calm = True if quiet else ~guard.preview(scores)[first_ready:]
                hits = np.flatnonzero(candidates & calm)
                if len(hits):
                    adapt_at = first_ready + int(hits[0])
                    take = adapt_at + 1
            guard.update_many(scores[:take])
            active, events = guard.history
            res.score[i : i + take] = scores[:take]
            res.alert[i : i + take] = active
            for j in np.flatnonzero(events):
                res.event[i + j] = EVENT_NAMES[events[j]]
            limiter.update(take)
            scorer.advance(block[:take])
            if adapt_at >= 0:
                scorer.adapt(block[adapt_at], float(self.adapt_weight))
                limiter.mark()
                res.adapted[i + adapt_at] = True
            i += take
        self.windows += n
        self.results = res

    @mutator
    def reset(self) -> None:
        """Back to learning: forget the baseline, calibration, alerts and counters."""
        self.scorer.reset()
        self.guard.reset()
        self.limiter = type(self.limiter)(self.limiter.every)
        self.windows = 0
        self.results = WindowResults.empty(0, 0)

    def state_dict(self) -> dict[str, Any]:
        """Scorer, guard and limiter states plus the window counter."""
        state = parts_state(self._group())
        state["windows"] = np.int64(self.windows)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load a state saved by a monitor of the same configuration."""
        state = dict(state)
        if "windows" not in state:
            raise StateMismatchError("Monitor: state is missing ['windows']; it was saved by another component")
        windows = int(expect_scalar(state, "windows", np.int64, self))
        if windows < 0:
            raise StateMismatchError("Monitor: state entry 'windows' is negative; reset the state")
        del state["windows"]
        load_parts_state(self._group(), state, self)
        self.windows = windows

    def _group(self) -> dict[str, Any]:
        return {"scorer": self.scorer, "guard": self.guard, "limiter": self.limiter}
