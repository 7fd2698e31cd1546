"""Near-miss pseudo-labels: a score just under the threshold, then a detection soon after.

A user whose wake word was not recognized says it again. :class:`NearMissLabeller`
watches the score stream for *episodes* (runs of frames scoring at least ``low``)
whose peak stays below ``high`` (the detection threshold), and when a detection of the
same label follows within ``horizon_seconds``, it proposes the near-miss's peak as a
positive example. It only proposes: the caller decides (rate limits, logging) and
applies the label.

Examples
--------
>>> labeller = NearMissLabeller(low=0.4, high=0.6, horizon_seconds=3.0)
>>> scores = [0.1, 0.45, 0.55, 0.3, 0.1, 0.5, 0.8]      # near miss at 0.55, then a detection
>>> found = []
>>> for i, s in enumerate(scores):
...     found += labeller.process(i * 0.5, "hey", s, payload=i, detected=(s >= 0.6))
>>> [(m.time, m.label, m.score, m.payload) for m in found]
[(1.0, 'hey', 0.55, 2)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..core.protocol import Stateful, conditional_mutator, expect_array, expect_keys, expect_scalar
from ..errors import InputError, StateMismatchError

__all__ = ["NearMiss", "NearMissLabeller"]


@dataclass(frozen=True)
class NearMiss:
    """A proposed positive: the peak of an episode that missed the threshold.

    Attributes
    ----------
    time : float
        Time of the peak frame.
    label : str
        The label that scored best there (and was detected afterwards).
    score : float
        The peak score.
    payload : object
        What the caller passed with the peak frame (e.g. its embedding window).
    """

    time: float
    label: str
    score: float
    payload: Any


class NearMissLabeller(Stateful):
    """Propose near misses followed by a detection as positives.

    Parameters
    ----------
    low : float
        Frames scoring at least this form an episode.
    high : float
        An episode whose peak reaches this is a hit, not a near miss (use the
        detection threshold).
    horizon_seconds : float
        Longest delay from a near miss's peak to the detection that confirms it.
    min_gap_seconds : float
        Shortest such delay. A user who repeats a missed wake word waits for an answer
        first; speech running straight into a detection is more likely the words just
        before the wake word than a first attempt.
    max_pending : int
        Unconfirmed near misses remembered (oldest dropped first).

    Notes
    -----
    The labeller holds the current episode and the pending near misses of the last
    ``horizon_seconds``; both are in :meth:`state_dict` (payloads that are equal-shaped
    numpy arrays are kept, others saved as empty), so a restart between a near miss and
    its confirmation loses nothing.

    Examples
    --------
    >>> labeller = NearMissLabeller(low=0.4, high=0.6, horizon_seconds=2.0)
    >>> for t, s in [(0.0, 0.5), (0.5, 0.1)]:
    ...     _ = labeller.process(t, "a", s)
    >>> labeller.process(9.0, "a", 0.9, detected=True)     # too late: 9 s after the near miss
    []
    >>> hasty = NearMissLabeller(low=0.4, high=0.6, min_gap_seconds=1.0)
    >>> for t, s in [(0.0, 0.5), (0.2, 0.1)]:
    ...     _ = hasty.process(t, "a", s)
    >>> hasty.process(0.5, "a", 0.9, detected=True)        # too soon: 0.5 s after it
    []
    """

    def __init__(self, low: float, high: float, horizon_seconds: float = 4.0, min_gap_seconds: float = 0.0,
                 max_pending: int = 8) -> None:
        self.low = low
        self.high = high
        self.horizon_seconds = horizon_seconds
        self.min_gap_seconds = min_gap_seconds
        self.max_pending = max_pending
        self.reset()

    @conditional_mutator
    def reset(self) -> None:
        """Forget the current episode and every pending near miss."""
        if getattr(self, "_episode", None) is not None or getattr(self, "_pending", None):
            self._touch()
        self._episode: NearMiss | None = None
        self._crossed = False
        self._pending: list[NearMiss] = []
        self._expired: list[NearMiss] = []

    def take_expired(self) -> list[NearMiss]:
        """Near misses whose horizon passed with no confirming detection, since the last call.

        Not part of the state (the caller takes them at once, frame by frame). A user whose
        wake word was missed says it again; a near miss nobody repeated was most likely
        something else said, so the caller may keep it as negative evidence.

        Examples
        --------
        >>> lab = NearMissLabeller(low=0.4, high=0.6, horizon_seconds=1.0)
        >>> for t, s in ((0.0, 0.5), (0.1, 0.1), (2.0, 0.1)):
        ...     _ = lab.process(t, "a", s, payload=t)
        >>> [(m.label, m.payload) for m in lab.take_expired()], lab.take_expired()
        ([('a', 0.0)], [])
        """
        out, self._expired = self._expired, []
        return out

    @property
    def pending(self) -> list[NearMiss]:
        """Near misses waiting for a confirming detection (oldest first)."""
        return list(self._pending)

    def _check(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise InputError(f"NearMissLabeller: need finite low < high, got low={self.low!r}, high={self.high!r}")
        if not self.horizon_seconds > 0:
            raise InputError(f"NearMissLabeller: horizon_seconds must be positive, got {self.horizon_seconds!r}")

    def _close_episode(self) -> None:
        if self._episode is not None and not self._crossed:
            self._pending.append(self._episode)
            del self._pending[: max(0, len(self._pending) - self.max_pending)]
        self._episode, self._crossed = None, False

    @conditional_mutator
    def process(self, time: float, label: str | None, score: float, payload: Any = None,
                detected: bool = False) -> list[NearMiss]:
        """Feed one frame; return the near misses a detection in this frame confirms.

        Parameters
        ----------
        time : float
            Frame time in seconds (non-decreasing).
        label : str or None
            Best label of the frame.
        score : float
            Its score.
        payload : object
            Kept with the frame if it becomes an episode's peak.
        detected : bool
            Whether a detection of ``label`` fired at this frame.

        Returns
        -------
        list of NearMiss
            Confirmed near misses of ``label`` (each proposed once), oldest first.

        Examples
        --------
        >>> labeller = NearMissLabeller(low=0.4, high=0.6)
        >>> labeller.process(0.0, "a", 0.5, payload="first try"), labeller.process(0.1, "a", 0.1)
        ([], [])
        >>> [m.payload for m in labeller.process(2.0, "a", 0.9, detected=True)]
        ['first try']
        """
        self._check()
        before = (id(self._episode), self._crossed, [id(m) for m in self._pending])
        try:
            return self._process(time, label, score, payload, detected)
        finally:
            if (id(self._episode), self._crossed, [id(m) for m in self._pending]) != before:
                self._touch()

    def _process(self, time: float, label: str | None, score: float, payload: Any, detected: bool) -> list[NearMiss]:
        time, score = float(time), float(score)
        if math.isnan(score) or not math.isfinite(time):
            raise InputError("NearMissLabeller: time must be finite and score not NaN")
        keep = [m for m in self._pending if time - m.time <= self.horizon_seconds]
        if len(keep) < len(self._pending):
            self._expired += [m for m in self._pending if time - m.time > self.horizon_seconds]
        self._pending = keep
        if detected:
            # the detection's own rising and falling edges form one episode: not a near miss
            self._episode, self._crossed = NearMiss(time, label or "", score, None), True
            confirmed = [m for m in self._pending if m.label == label and time - m.time >= self.min_gap_seconds]
            self._pending = [m for m in self._pending if m.label != label]
            return confirmed
        if label is None or score < self.low:
            self._close_episode()
            return []
        if self._episode is not None and label != self._episode.label:
            self._close_episode()
        if score >= self.high:
            self._crossed = True
        if self._episode is None or score > self._episode.score:
            self._episode = NearMiss(time, label, score, payload)
        return []

    def state_dict(self) -> dict[str, Any]:
        """Pending near misses then the open episode (if any), as parallel arrays.

        Examples
        --------
        >>> lab = NearMissLabeller(low=0.4, high=0.6)
        >>> _ = lab.process(0.0, "a", 0.5, payload=np.ones(3)); _ = lab.process(0.1, "a", 0.1)
        >>> st = lab.state_dict(); st["time"].tolist(), st["labels"], st["payload"].shape
        ([0.0], 'a', (1, 3))
        >>> twin = NearMissLabeller(low=0.4, high=0.6); twin.load_state_dict(st)
        >>> [m.label for m in twin.pending]
        ['a']
        """
        rows = list(self._pending) + ([self._episode] if self._episode is not None else [])
        payloads = [m.payload for m in rows]
        shapes = {np.shape(p) for p in payloads if isinstance(p, np.ndarray)}
        keep = len(shapes) == 1 and all(isinstance(p, np.ndarray) for p in payloads)
        width = int(np.prod(next(iter(shapes)))) if keep else 0
        payload = (np.stack([np.asarray(p, np.float32).reshape(-1) for p in payloads]) if keep and rows
                   else np.zeros((len(rows), width), np.float32))
        return {
            "time": np.array([m.time for m in rows], np.float64),
            "score": np.array([m.score for m in rows], np.float64),
            "labels": "\n".join("" if m.label is None else m.label for m in rows),
            "payload": payload,
            "pending": np.int64(len(self._pending)),
            "crossed": np.int64(self._crossed),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the episode and pending near misses after checking them."""
        expect_keys(state, ["time", "score", "labels", "payload", "pending", "crossed"], self)
        times = expect_array(state, "time", (None,), np.float64, self)
        scores = expect_array(state, "score", (times.size,), np.float64, self, finite=False)
        payload = expect_array(state, "payload", (times.size, None), np.float32, self)
        pending = int(expect_scalar(state, "pending", np.int64, self))
        crossed = int(expect_scalar(state, "crossed", np.int64, self))
        labels = state["labels"]
        names = labels.split("\n") if isinstance(labels, str) and times.size else []
        if len(names) != times.size or not 0 <= pending <= times.size or pending + 1 < times.size \
                or crossed not in (0, 1):
            raise StateMismatchError("NearMissLabeller: state entries are inconsistent; the state is damaged: reset it")
        rows = [NearMiss(float(t), n, float(s), payload[i].copy() if payload.shape[1] else None)
                for i, (t, n, s) in enumerate(zip(times, names, scores))]
        self._pending = rows[:pending]
        self._episode = rows[pending] if times.size > pending else None
        self._crossed = bool(crossed)

    def __repr__(self) -> str:
        return f"NearMissLabeller(low={self.low}, high={self.high}, horizon_seconds={self.horizon_seconds})"
