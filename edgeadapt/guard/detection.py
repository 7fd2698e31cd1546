"""Guard rails on detections and on self-learning.

:class:`DetectionGuard` turns a stream of per-frame scores into detections: a score
must reach a threshold, beat the runner-up label by a minimum margin, hold for a few
frames (debounce), and a detection silences the guard for a refractory period.
:class:`RateLimit` bounds how often a self-learning step may run, per hour and in
total; its memory is part of the saved state so that restarts do not reset it.

Examples
--------
>>> guard = DetectionGuard(threshold=0.6, min_margin=0.05, refractory_seconds=1.0)
>>> [guard.process(t, "hey", s, runner_up=0.0) for t, s in [(0.0, 0.5), (0.1, 0.7), (0.2, 0.8), (1.5, 0.9)]]
[False, True, False, True]
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..errors import InputError, StateMismatchError
from ..core import checks
from ..core.protocol import Stateful, conditional_mutator, expect_array, expect_keys, expect_scalar, mutator

__all__ = ["DetectionGuard", "RateLimit", "SECONDS_PER_HOUR"]

SECONDS_PER_HOUR = 3600.0


class DetectionGuard(Stateful):
    """Threshold, minimum margin, debounce and refractory period on a score stream.

    Parameters
    ----------
    threshold : float
        A frame counts when its best score is at least this.
    min_margin : float
        ... and exceeds the runner-up (the best score of any other label) by at least
        this much, so that two similar enrolled words or users do not both fire.
    debounce_frames : int
        Consecutive counting frames, with the same label, needed to fire.
    refractory_seconds : float
        After a detection, nothing fires for this long (one utterance, one detection).

    Examples
    --------
    >>> guard = DetectionGuard(threshold=0.5, min_margin=0.2)
    >>> guard.process(0.0, "a", 0.9, runner_up=0.8)      # too close to another label
    False
    >>> guard.process(0.08, "a", 0.9, runner_up=0.1)
    True
    """

    def __init__(self, threshold: float = 0.5, min_margin: float = 0.0, debounce_frames: int = 1,
                 refractory_seconds: float = 1.0) -> None:
        self.threshold = threshold
        self.min_margin = min_margin
        self.debounce_frames = debounce_frames
        self.refractory_seconds = refractory_seconds
        self.reset()

    @conditional_mutator
    def reset(self) -> None:
        """Forget the stream (run of counting frames and last detection time)."""
        if getattr(self, "_run", 0) or getattr(self, "_last_fire", -math.inf) != -math.inf:
            self._touch()
        self._run_label: str | None = None
        self._run = 0
        self._last_fire = -math.inf

    def counts(self, score: float, runner_up: float = -math.inf) -> bool:
        """Whether one frame's scores pass the threshold and the margin (pure).

        Examples
        --------
        >>> DetectionGuard(threshold=0.5, min_margin=0.1).counts(0.7, runner_up=0.65)
        False
        """
        return score >= self.threshold and score - runner_up >= self.min_margin

    def in_refractory(self, time: float) -> bool:
        """Whether ``time`` falls within the refractory period of the last detection.

        Examples
        --------
        >>> guard = DetectionGuard(threshold=0.5, refractory_seconds=1.0)
        >>> guard.process(0.0, "a", 0.9), guard.in_refractory(0.5), guard.in_refractory(1.0)
        (True, True, False)
        """
        return time - self._last_fire < self.refractory_seconds

    @conditional_mutator
    def process(self, time: float, label: str | None, score: float, runner_up: float = -math.inf) -> bool:
        """Feed one frame; return True when it fires a detection.

        Parameters
        ----------
        time : float
            Frame time in seconds (non-decreasing).
        label : str or None
            The best label of this frame (None: nothing enrolled).
        score : float
            Its score.
        runner_up : float
            Best score of any other label (``-inf`` if none).

        Returns
        -------
        bool

        Examples
        --------
        >>> guard = DetectionGuard(threshold=0.5, debounce_frames=2)
        >>> guard.process(0.0, "a", 0.9), guard.process(0.08, "a", 0.9)
        (False, True)
        """
        checks.count(self.debounce_frames, "DetectionGuard", "debounce_frames")
        time = checks.real(time, "DetectionGuard", "time")
        score = float(score)
        if math.isnan(score) or math.isnan(float(runner_up)):
            raise InputError("DetectionGuard: score and runner_up must not be NaN; check the scorer's input")
        if label is None or not self.counts(score, runner_up):
            if self._run:
                self._touch()
            self._run_label, self._run = None, 0
            return False
        self._touch()
        self._run = self._run + 1 if label == self._run_label else 1
        self._run_label = label
        if self._run < self.debounce_frames or self.in_refractory(time):
            return False
        self._last_fire = time
        self._run_label, self._run = None, 0
        return True

    def state_dict(self) -> dict[str, Any]:
        """The stream memory: last detection time (``-inf``: none), current run and its label.

        Part of the saved state so that a restart in the middle of a stream keeps the
        refractory period (no second detection of the same utterance).

        Examples
        --------
        >>> g = DetectionGuard(threshold=0.5); _ = g.process(3.0, "a", 0.9)
        >>> float(g.state_dict()["last_fire"])
        3.0
        """
        return {"last_fire": np.float64(self._last_fire), "run": np.int64(self._run),
                "run_label": "" if self._run_label is None else self._run_label}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the stream memory after checking it."""
        expect_keys(state, ["last_fire", "run", "run_label"], self)
        last = float(expect_scalar(state, "last_fire", np.float64, self, finite=False))
        run = int(expect_scalar(state, "run", np.int64, self))
        label = state["run_label"]
        if math.isnan(last) or last == math.inf or run < 0 or not isinstance(label, str):
            raise StateMismatchError("DetectionGuard: state entries are inconsistent; the state is damaged: reset it")
        self._last_fire, self._run, self._run_label = last, run, (label or None)

    def __repr__(self) -> str:
        return (f"DetectionGuard(threshold={self.threshold}, min_margin={self.min_margin}, "
                f"debounce_frames={self.debounce_frames}, refractory_seconds={self.refractory_seconds})")


class RateLimit(Stateful):
    """At most ``per_hour`` events in any hour and ``total`` events ever.

    Parameters
    ----------
    per_hour : int
        Events allowed in any sliding window of one hour.
    total : int
        Events allowed in the component's lifetime (until :meth:`reset`).

    Notes
    -----
    State: ``times`` (the times of the most recent events, at most ``per_hour`` of
    them, oldest first) and ``count`` (events so far). The state does not depend on
    the limits, so they can be changed between sessions. Times come from the caller's
    clock (e.g. Unix seconds), so a simulation can run a week in seconds.

    Examples
    --------
    >>> limit = RateLimit(per_hour=2, total=3)
    >>> for t in [0.0, 10.0, 20.0, 3700.0, 7400.0]:
    ...     if limit.allows(t):
    ...         limit.update(t)
    >>> limit.count, limit.allows(99999.0)
    (3, False)
    """

    def __init__(self, per_hour: int = 4, total: int = 100) -> None:
        self.per_hour = per_hour
        self.total = total
        self._times = np.zeros(0, np.float64)
        self._count = 0

    def _check(self) -> None:
        for name in ("per_hour", "total"):
            checks.count(getattr(self, name), "RateLimit", name, minimum=0)

    @property
    def count(self) -> int:
        """Events recorded so far."""
        return self._count

    def allows(self, time: float) -> bool:
        """Whether one more event at ``time`` stays within both limits (pure).

        Examples
        --------
        >>> limit = RateLimit(per_hour=1); limit.update(0.0)
        >>> limit.allows(1800.0), limit.allows(SECONDS_PER_HOUR)
        (False, True)
        """
        self._check()
        time = checks.real(time, "RateLimit", "time")
        if self._count >= self.total:
            return False
        recent = int(np.count_nonzero(time - self._times < SECONDS_PER_HOUR))
        return recent < self.per_hour

    @mutator
    def update(self, time: float) -> None:
        """Record one event at ``time`` (call after :meth:`allows` said yes)."""
        self._check()
        time = checks.real(time, "RateLimit", "time")
        keep = max(int(self.per_hour), 1)
        self._times = np.append(self._times, time)[-keep:]
        self._count += 1

    @mutator
    def reset(self) -> None:
        """Forget every event."""
        self._times = np.zeros(0, np.float64)
        self._count = 0

    def state_dict(self) -> dict[str, Any]:
        """``times`` (k,) float64 and ``count`` int64.

        Examples
        --------
        >>> limit = RateLimit(per_hour=2); limit.update(5.0)
        >>> limit.state_dict()["times"].tolist()
        [5.0]
        """
        return {"times": self._times.copy(), "count": np.int64(self._count)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state after checking it (finite, ordered times; a count at least their number)."""
        expect_keys(state, ["times", "count"], self)
        times = expect_array(state, "times", (None,), np.float64, self)
        count = int(expect_scalar(state, "count", np.int64, self))
        if count < times.size or np.any(np.diff(times) < 0):
            raise StateMismatchError(
                "RateLimit: state entries 'times' and 'count' are inconsistent; the state is damaged: reset it"
            )
        self._times, self._count = times, count

    def __repr__(self) -> str:
        return f"RateLimit(per_hour={self.per_hour}, total={self.total}, count={self._count})"
