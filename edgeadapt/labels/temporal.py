"""Temporal-consistency pseudo-labels: a label that holds over consecutive frames.

A classifier that names the same label frame after frame, with enough confidence, is
more likely right than one frame's guess. :class:`ConsistencyLabeller` watches a stream
of (label, score) frames and proposes a :class:`ConsistentRun` when one label has been
the best, with a score of at least ``min_score``, for ``min_frames`` frames, allowing
up to ``max_gap`` disagreeing frames inside the run. Like every labeller here it only
proposes; the caller decides whether to learn from it (and should rate-limit it).

Examples
--------
>>> labeller = ConsistencyLabeller(min_frames=3, min_score=0.5)
>>> frames = [("a", 0.6), ("a", 0.7), ("b", 0.2), ("a", 0.8), ("a", 0.6), (None, 0.0), (None, 0.0)]
>>> runs = [r for i, (lab, s) in enumerate(frames) for r in labeller.process(i * 0.1, lab, s, payload=i)]
>>> [(r.label, r.frames, round(r.mean_score, 3), r.payload) for r in runs]
[('a', 4, 0.675, 3)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

__all__ = ["ConsistentRun", "ConsistencyLabeller"]


@dataclass(frozen=True)
class ConsistentRun:
    """A run of frames agreeing on one label.

    Attributes
    ----------
    start, end : float
        Times of the first and last agreeing frames.
    label : str
    frames : int
        Agreeing frames in the run (gaps excluded).
    mean_score : float
        Mean score of the agreeing frames.
    peak_score : float
    payload : object
        The payload passed with the highest-scoring frame.
    """

    start: float
    end: float
    label: str
    frames: int
    mean_score: float
    peak_score: float
    payload: Any


class ConsistencyLabeller:
    """Propose a label once it has held over enough consecutive frames.

    Parameters
    ----------
    min_frames : int
        Agreeing frames needed.
    min_score : float
        A frame agrees only if its best label is the run's and its score is at least this.
    max_gap : int
        Disagreeing frames tolerated inside a run before it breaks.

    Notes
    -----
    A run is proposed once, when it ends (after ``max_gap + 1`` disagreeing frames, or
    on :meth:`flush`), so that its peak and length are final. The labeller keeps only the
    current run, whose payload is the caller's object: it is deliberately not a
    :class:`~edgeadapt.core.Stateful` (a restart starts a new run), and nothing in
    edgeadapt persists it.

    Examples
    --------
    >>> labeller = ConsistencyLabeller(min_frames=2, min_score=0.5, max_gap=0)
    >>> labeller.process(0.0, "a", 0.9), labeller.process(0.1, "a", 0.9)
    ([], [])
    >>> [r.label for r in labeller.flush()]
    ['a']
    """

    def __init__(self, min_frames: int = 5, min_score: float = 0.5, max_gap: int = 1) -> None:
        self.min_frames = min_frames
        self.min_score = min_score
        self.max_gap = max_gap
        self.reset()

    def reset(self) -> None:
        """Forget the current run."""
        self._label: str | None = None
        self._start = self._end = 0.0
        self._count = 0
        self._sum = 0.0
        self._peak = -math.inf
        self._payload: Any = None
        self._gap = 0

    def _check(self) -> None:
        for name in ("min_frames", "max_gap"):
            value = getattr(self, name)
            low = 1 if name == "min_frames" else 0
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InputError(f"ConsistencyLabeller: {name} must be an integer >= {low}, got {value!r}")

    def _close(self) -> list[ConsistentRun]:
        out = []
        if self._label is not None and self._count >= self.min_frames:
            out.append(ConsistentRun(self._start, self._end, self._label, self._count, self._sum / self._count,
                                     self._peak, self._payload))
        self.reset()
        return out

    def process(self, time: float, label: str | None, score: float, payload: Any = None) -> list[ConsistentRun]:
        """Feed one frame; return the runs that ended with it (at most one).

        Parameters
        ----------
        time : float
        label : str or None
            The frame's best label (None: no label).
        score : float
        payload : object
            Kept if this frame becomes the run's peak.

        Examples
        --------
        >>> ConsistencyLabeller().process(0.0, "a", float("nan"))
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: ConsistencyLabeller: score must not be NaN
        """
        self._check()
        score = float(score)
        if math.isnan(score):
            raise InputError("ConsistencyLabeller: score must not be NaN")
        agrees = label is not None and score >= self.min_score
        if agrees and label == self._label:
            self._gap = 0
        elif self._label is not None:
            self._gap += 1
            if self._gap <= self.max_gap:
                return []
            ended = self._close()
            if agrees:
                self._start_run(time, label, score, payload)
            return ended
        elif agrees:
            self._start_run(time, label, score, payload)
            return []
        else:
            return []
        self._count += 1
        self._sum += score
        self._end = time
        if score > self._peak:
            self._peak, self._payload = score, payload
        return []

    def _start_run(self, time: float, label: str | None, score: float, payload: Any) -> None:
        self._label, self._start, self._end = label, time, time
        self._count, self._sum, self._peak, self._payload, self._gap = 1, score, score, payload, 0

    def flush(self) -> list[ConsistentRun]:
        """End the current run (e.g. at the end of a stream) and return it if long enough."""
        return self._close()

    def __repr__(self) -> str:
        return (f"ConsistencyLabeller(min_frames={self.min_frames}, min_score={self.min_score}, "
                f"max_gap={self.max_gap})")
