"""Alert guard rails: minimum duration, refractory period and hysteresis on a score stream.

An anomaly score crossing a threshold for one window is not an alert: the guard
raises an alert only after ``min_duration`` consecutive steps at or above ``on``,
keeps it while the score stays at or above ``off`` (hysteresis, ``off <= on``), and
after the alert clears refuses a new one for ``refractory`` steps. Steps are whatever
the caller feeds (one window of a sensor stream each).

Examples
--------
>>> guard = AlertGuard(on=0.5, off=0.3, min_duration=2, refractory=2)
>>> flags = []
>>> for s in [0.9, 0.1, 0.9, 0.9, 0.4, 0.2, 0.9, 0.9, 0.9]:
...     guard.update(s)
...     flags.append(int(guard.active))
>>> flags
[0, 0, 0, 1, 1, 0, 0, 0, 1]
>>> guard.alerts
2
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..errors import InputError, StateMismatchError
from ..core.protocol import Stateful, conditional_mutator, expect_keys, expect_scalar, mutator

__all__ = ["AlertGuard", "NO_EVENT", "RAISED", "CLEARED", "EVENT_NAMES"]

NO_EVENT = 0
RAISED = 1
CLEARED = 2
EVENT_NAMES = ("", "raised", "cleared")  # indexed by the event codes above
_STATE_KEYS = ("active", "run", "cooldown", "alerts", "event")


class AlertGuard(Stateful):
    """Turns a score stream into alerts with minimum duration, refractory period and hysteresis.

    Parameters
    ----------
    on : float
        An alert may start once scores are at or above ``on``.
    off : float, optional
        An active alert clears at the first score below ``off`` (default ``on``: no
        hysteresis). Must not exceed ``on``.
    min_duration : int
        Consecutive steps at or above ``on`` before an alert is raised (1: at once).
    refractory : int
        Steps after an alert clears during which no new alert is raised; scores keep
        being counted, so a persisting anomaly re-alerts as soon as it ends.

    Attributes
    ----------
    active : bool
        An alert is on.
    alerts : int
        Alerts raised so far.
    event : str
        What the last update did: ``"raised"``, ``"cleared"`` or ``""``.
    history : tuple of numpy.ndarray
        Per step of the last :meth:`update_many` call: active flags (bool) and events
        (``NO_EVENT``, ``RAISED`` or ``CLEARED``, int8).
    """

    def __init__(self, on: float = 0.5, off: float | None = None, min_duration: int = 1, refractory: int = 0) -> None:
        self.on = on
        self.off = off
        self.min_duration = min_duration
        self.refractory = refractory
        self._active = False
        self._run = 0
        self._cooldown = 0
        self._alerts = 0
        self._event = NO_EVENT
        self.history: tuple[np.ndarray, np.ndarray] = (np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int8))

    def _levels(self) -> tuple[float, float]:
        on = float(self.on)
        off = on if self.off is None else float(self.off)
        if not (np.isfinite(on) and np.isfinite(off) and off <= on):
            raise InputError(f"AlertGuard: need finite levels with off <= on, got on={self.on} and off={self.off}")
        if int(self.min_duration) < 1 or int(self.refractory) < 0:
            raise InputError(
                f"AlertGuard: min_duration ({self.min_duration}) must be >= 1 and refractory ({self.refractory}) >= 0 steps"
            )
        return on, off

    def _simulate(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[bool, int, int, int, int]]:
        """Per-step active flags and events for ``scores``, and the state after them.

        Vectorized: between two events every step is decided with array operations.
        """
        on, off = self._levels()
        min_duration, refractory = int(self.min_duration), int(self.refractory)
        n = len(scores)
        if n and not np.all(np.isfinite(scores)):
            raise InputError("AlertGuard: score is NaN or Inf; feed scores of windows that were scored")
        active_out = np.zeros(n, dtype=bool)
        events = np.zeros(n, dtype=np.int8)
        active, run, cooldown, alerts, event = self._active, self._run, self._cooldown, self._alerts, self._event
        i = 0
        while i < n:
            seg = scores[i:]
            if active:
                below = np.flatnonzero(seg < off)
                if not len(below):
                    active_out[i:] = True
                    break
                j = i + int(below[0])
                active_out[i:j] = True
                events[j] = CLEARED
                active, cooldown, run = False, refractory, 0
                i = j + 1
                continue
            idx = np.arange(len(seg))
            last_low = np.maximum.accumulate(np.where(seg >= on, -1, idx))
            runs = np.where(last_low < 0, idx + 1 + run, idx - last_low)
            hit = np.flatnonzero((runs >= min_duration) & (idx >= cooldown))
            if not len(hit):
                run, cooldown = int(runs[-1]), max(cooldown - len(seg), 0)
                break
            k = int(hit[0])
            run, cooldown = int(runs[k]), 0
            active, alerts = True, alerts + 1
            events[i + k] = RAISED
            active_out[i + k] = True
            i += k + 1
        if n:
            event = int(events[-1])
        return active_out, events, (active, run, cooldown, alerts, event)

    @mutator
    def update(self, score: float) -> None:
        """Feed one step's score.

        Examples
        --------
        >>> g = AlertGuard(on=0.5, min_duration=1)
        >>> g.update(0.7); g.active, g.event
        (True, 'raised')
        >>> g.update(float("nan"))
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: AlertGuard: score is NaN or Inf; feed scores of windows that were scored
        """
        self.update_many(np.array([score], dtype=np.float64))

    @mutator
    def update_many(self, scores: Any) -> None:
        """Feed several steps' scores in order; :attr:`history` tells what each step did.

        Examples
        --------
        >>> g = AlertGuard(on=0.5, off=0.2, min_duration=3); g.update_many([0.9, 0.9, 0.9, 0.3]); g.active
        True
        >>> g.history[0].tolist(), [EVENT_NAMES[e] for e in g.history[1]]
        ([False, False, True, True], ['', '', 'raised', ''])
        """
        scores = np.ascontiguousarray(scores, dtype=np.float64).reshape(-1)
        active, events, after = self._simulate(scores)
        self._active, self._run, self._cooldown, self._alerts, self._event = after
        self.history = (active, events)

    def preview(self, scores: Any) -> np.ndarray:
        """Active flags that :meth:`update_many` would give for ``scores``; changes nothing.

        Examples
        --------
        >>> g = AlertGuard(on=0.5, min_duration=2)
        >>> g.preview([0.9, 0.9, 0.1]).tolist(), g.active
        ([False, True, False], False)
        """
        return self._simulate(np.ascontiguousarray(scores, dtype=np.float64).reshape(-1))[0]

    def check(self) -> tuple[float, float]:
        """The ``(on, off)`` levels after checking every parameter; :class:`InputError` if unusable.

        Examples
        --------
        >>> AlertGuard(on=3.0, off=2.0, min_duration=0).check()
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: AlertGuard: min_duration (0) must be >= 1 and refractory (0) >= 0 steps
        """
        return self._levels()

    @conditional_mutator
    def clear(self) -> None:
        """End an active alert now (the condition was accepted as normal); no refractory period follows.

        Examples
        --------
        >>> g = AlertGuard(on=0.5); g.update(0.9); g.clear(); g.active, g.alerts
        (False, 1)
        """
        if (self._active, self._run, self._cooldown, self._event) != (False, 0, 0, CLEARED):
            self._active, self._run, self._cooldown = False, 0, 0
            self._event = CLEARED
            self._touch()

    @conditional_mutator
    def reset(self) -> None:
        """Forget any alert and counters (after maintenance, for instance).

        Examples
        --------
        >>> g = AlertGuard(); g.update(1.0); g.reset(); g.active, g.alerts
        (False, 0)
        """
        if (self._active, self._run, self._cooldown, self._alerts, self._event) != (False, 0, 0, 0, NO_EVENT):
            self._active, self._run, self._cooldown, self._alerts, self._event = False, 0, 0, 0, NO_EVENT
            self._touch()

    @property
    def active(self) -> bool:
        """An alert is on."""
        return self._active

    @property
    def pending(self) -> int:
        """Consecutive steps at or above ``on`` counted towards raising an alert."""
        return self._run

    @property
    def alerts(self) -> int:
        """Number of alerts raised so far."""
        return self._alerts

    @property
    def event(self) -> str:
        """``"raised"``, ``"cleared"`` or ``""``: what the last update did."""
        return EVENT_NAMES[self._event]

    def state_dict(self) -> dict[str, Any]:
        """Guard memory: active flag, run length, refractory countdown, alert count, last event.

        Examples
        --------
        >>> sorted(AlertGuard().state_dict())
        ['active', 'alerts', 'cooldown', 'event', 'run']
        """
        return {
            "active": np.int8(self._active),
            "run": np.int64(self._run),
            "cooldown": np.int64(self._cooldown),
            "alerts": np.int64(self._alerts),
            "event": np.int8(self._event),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the guard memory after checking it.

        Examples
        --------
        >>> a = AlertGuard(min_duration=2); a.update(0.9)
        >>> b = AlertGuard(min_duration=2); b.load_state_dict(a.state_dict()); b.update(0.9); b.active
        True
        """
        expect_keys(state, _STATE_KEYS, self)
        values = {k: int(expect_scalar(state, k, np.int8 if k in ("active", "event") else np.int64, self)) for k in _STATE_KEYS}
        if values["active"] not in (0, 1) or not 0 <= values["event"] < len(EVENT_NAMES) or min(values.values()) < 0:
            raise StateMismatchError("AlertGuard: state holds an unknown flag or a negative counter; reset the state")
        self._active = bool(values["active"])
        self._run, self._cooldown, self._alerts, self._event = values["run"], values["cooldown"], values["alerts"], values["event"]

    def __repr__(self) -> str:
        return f"AlertGuard(on={self.on}, off={self.off}, min_duration={self.min_duration}, refractory={self.refractory})"
