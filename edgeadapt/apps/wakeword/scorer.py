"""The one window scorer of the wake word, used by the live and the offline path.

:class:`WindowScorer` maps windows of embeddings to one score per label, in three steps:

1. *template match*: the best cosine similarity (after the background normalization) to
   the label's templates in the :class:`~edgeadapt.enroll.index.EnrollmentIndex`
   (entries of source ``"shifted"`` are verifier positives only, not templates); with
   ``match="dtw"``, the best banded dynamic-time-warping similarity of the windows'
   embedding sequences instead (:func:`~edgeadapt.apps.wakeword.templates.dtw_similarity`);
2. *smoothing*: the mean of that best similarity over the last ``smoothing_frames``
   windows (:class:`ScoreSmoother`, stateful over consecutive windows, fed one window at
   a time live or all at once offline: the same numbers);
3. *negative evidence*: the score is vetoed (set to :data:`VETO`) when the window fails
   the label's :class:`~edgeadapt.enroll.verifier.WindowVerifier` or is closer to one
   of the label's stored hard negatives (detections the user rejected, and near misses
   nobody repeated) than to its best template: a nearest-prototype rule between the
   keyword's templates and what it was shown not to be.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.enroll.index import EnrollmentIndex
>>> from edgeadapt.enroll.verifier import WindowVerifier
>>> index = EnrollmentIndex(4); _ = index.add([[1, 0, 0, 0]], "a")
>>> scorer = WindowScorer(index, WindowVerifier(2, segments=2), HardNegatives(4, 8), smoothing_frames=1)
>>> rows = scorer.score(np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]], np.float32), ScoreSmoother(1))
>>> rows["a"].score.round(3).tolist(), rows["a"].entry.tolist()
([1.0, 0.0], [0, 0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ...enroll.index import EnrollmentIndex
from ...enroll.verifier import WindowVerifier
from ...errors import StateMismatchError
from ...core.protocol import Stateful, conditional_mutator, expect_array, expect_keys, mutator
from .templates import DTW_BAND_FRAMES, dtw_similarity

__all__ = ["WindowScorer", "ScoreSmoother", "HardNegatives", "LabelScores", "VETO", "SHIFTED", "MATCHES"]

#: Score of a vetoed window: below any threshold or near-miss band.
VETO = -1.0
#: Source tag of shifted enrollment windows: verifier positives, not templates.
SHIFTED = "shifted"
#: Template matches :class:`WindowScorer` knows: cosine of whole windows, or banded DTW.
MATCHES = ("cosine", "dtw")


@dataclass
class LabelScores:
    """Per-window results for one label (arrays of the same length).

    ``raw``: best template similarity; ``smoothed``: its running mean; ``verifier``:
    verifier score; ``hard``: similarity to the nearest hard negative (-1: none);
    ``score``: ``smoothed`` or :data:`VETO`; ``entry``: the best template's entry id.
    """

    raw: np.ndarray
    smoothed: np.ndarray
    verifier: np.ndarray
    hard: np.ndarray
    score: np.ndarray
    entry: np.ndarray


class ScoreSmoother:
    """Running mean of each label's best similarity over the last ``frames`` windows.

    Examples
    --------
    >>> s = ScoreSmoother(2)
    >>> s.push({"a": np.array([1.0, 0.0])})["a"].tolist()      # first window averages itself
    [1.0, 0.5]
    >>> s.push({"a": np.array([0.0])})["a"].tolist()
    [0.0]
    """

    def __init__(self, frames: int) -> None:
        self.frames = int(frames)
        self.reset()

    def reset(self) -> None:
        self._tail: dict[str, np.ndarray] = {}
        self._seen = 0

    def push(self, raw: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = len(next(iter(raw.values()))) if raw else 0
        history = min(self._seen, self.frames - 1)
        out = {}
        for label, values in raw.items():
            tail = self._tail.get(label, np.full(history, VETO))[-history:] if history else np.zeros(0)
            seq = np.concatenate([tail, np.asarray(values, np.float64)])
            csum = np.concatenate([[0.0], np.cumsum(seq)])
            ends = np.arange(history, history + n) + 1
            starts = np.maximum(ends - self.frames, 0)
            out[label] = (csum[ends] - csum[starts]) / (ends - starts)
            self._tail[label] = seq[-(self.frames - 1):] if self.frames > 1 else np.zeros(0)
        self._seen += n
        return out


class HardNegatives(Stateful):
    """A bounded reservoir of windows that must not fire (detections the user rejected).

    Oldest first out. State: ``windows`` (k, dim) float32 and ``labels``.

    Examples
    --------
    >>> h = HardNegatives(2, capacity=2)
    >>> for v in ([1, 0], [0, 1], [1, 1]):
    ...     h.add(np.array(v, np.float32), "a")
    >>> h.windows.tolist(), h.labels
    ([[0.0, 1.0], [1.0, 1.0]], ['a', 'a'])
    """

    def __init__(self, dim: int, capacity: int) -> None:
        self.dim = int(dim)
        self.capacity = int(capacity)
        self.windows = np.zeros((0, self.dim), np.float32)
        self.labels: list[str] = []

    def __len__(self) -> int:
        return len(self.labels)

    @mutator
    def add(self, window: np.ndarray, label: str) -> None:
        """Keep a window that must not fire for ``label`` (the oldest goes when full)."""
        self.windows = np.vstack([self.windows, np.asarray(window, np.float32).reshape(1, -1)])[-self.capacity:]
        self.labels = (self.labels + [label])[-self.capacity:]

    def of(self, label: str) -> np.ndarray:
        mask = np.array([x == label for x in self.labels], bool)
        return self.windows[mask] if mask.size else self.windows[:0]

    @conditional_mutator
    def remove_label(self, label: str) -> None:
        """Drop every hard negative of ``label``."""
        keep = np.array([x != label for x in self.labels], bool)
        if keep.size and not keep.all():
            self._touch()
            self.windows = self.windows[keep]
            self.labels = [x for x in self.labels if x != label]

    def state_dict(self) -> dict[str, Any]:
        return {"windows": self.windows.copy(), "labels": "\n".join(self.labels)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        expect_keys(state, ["windows", "labels"], self)
        windows = expect_array(state, "windows", (None, self.dim), np.float32, self)
        labels = state["labels"]
        names = labels.split("\n") if isinstance(labels, str) and windows.shape[0] else []
        if len(names) != windows.shape[0] or windows.shape[0] > self.capacity:
            raise StateMismatchError("HardNegatives: state entries are inconsistent; the state is damaged: reset it")
        self.windows, self.labels = windows.copy(), names


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


class WindowScorer:
    """Template match, smoothing and negative evidence over windows (see the module docstring).

    Parameters
    ----------
    index : EnrollmentIndex
    verifier : WindowVerifier
    hard : HardNegatives
    smoothing_frames : int
    match : {"cosine", "dtw"}
        Template match (see the module docstring).
    band : int
        Sakoe-Chiba band of the DTW match, in embeddings.
    unconfirmed : HardNegatives, optional
        A second reservoir of hard negatives (near misses nobody repeated), used as
        ``hard`` is.
    """

    def __init__(self, index: EnrollmentIndex, verifier: WindowVerifier, hard: HardNegatives,
                 smoothing_frames: int, match: str = "cosine", band: int = DTW_BAND_FRAMES,
                 unconfirmed: HardNegatives | None = None) -> None:
        if match not in MATCHES:
            from ...errors import InputError

            raise InputError(f"match must be one of {MATCHES}, got {match!r}")
        self.match = match
        self.band = int(band)
        self._dtw_key: Any = None
        self._dtw_templates: dict[str, np.ndarray] = {}
        self.index = index
        self.verifier = verifier
        self.hard = hard
        self.unconfirmed = unconfirmed
        self.smoothing_frames = smoothing_frames
        self._masks_key: Any = None
        self._masks: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _label_masks(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        key = (self.index.next_id, self.index.size)
        if key != self._masks_key:
            masks = {}
            for label in self.index.labels:
                ids = [e.id for e in self.index.entries(label=label) if e.source != SHIFTED]
                masks[label] = np.array(ids, np.int64), np.array(
                    [e.id for e in self.index.entries(label=label)], np.int64)
            self._masks, self._masks_key = masks, key
        return self._masks

    def positives(self) -> dict[str, np.ndarray]:
        """Each label's entries (templates, shifted windows, self-learned): verifier positives."""
        return {label: self.index.vectors(list(every)) for label, (_, every) in self._label_masks().items()}

    def negatives_of(self, label: str) -> np.ndarray:
        """The label's hard negatives of both reservoirs (raw windows)."""
        negs = self.hard.of(label)
        if self.unconfirmed is not None and len(self.unconfirmed):
            negs = np.vstack([negs, self.unconfirmed.of(label)])
        return negs

    def refit(self) -> None:
        """Recompute the verifiers (after the index or the negatives changed)."""
        self.verifier.fit(self.positives())

    def normalized(self, windows: np.ndarray) -> np.ndarray:
        """Windows in the index's space (transform, then unit length)."""
        t = self.index.transform
        x = np.asarray(t(windows) if t is not None else windows, np.float64)
        return _unit(x)

    def _dtw_match(self, windows: np.ndarray, masks: Mapping[str, tuple[np.ndarray, np.ndarray]]):
        t = self.index.transform
        key = (self._masks_key, id(t))
        if key != self._dtw_key:
            self._dtw_templates = {label: np.asarray(t(self.index.vectors(list(ids))) if t is not None else
                                                     self.index.vectors(list(ids)), np.float64)
                                   for label, (ids, _) in masks.items() if len(ids)}
            self._dtw_key = key
        x = np.asarray(t(windows) if t is not None else windows, np.float64)
        raw, entry = {}, {}
        for label, (ids, _) in masks.items():
            if not len(ids):
                continue
            sims = dtw_similarity(x, self._dtw_templates[label], self.verifier.segment_dim, self.band)
            best = sims.argmax(axis=1)
            raw[label] = sims[np.arange(sims.shape[0]), best]
            entry[label] = ids[best]
        return raw, entry

    def score(self, windows: np.ndarray, smoother: ScoreSmoother) -> dict[str, LabelScores]:
        """Scores of consecutive windows of one stream (advances ``smoother``)."""
        windows = np.ascontiguousarray(np.atleast_2d(windows), np.float32)
        n = windows.shape[0]
        masks = self._label_masks()
        if self.index.size == 0 or n == 0 or not masks:
            smoother.push({})
            return {}
        raw, entry = {}, {}
        if self.match == "dtw":
            raw, entry = self._dtw_match(windows, masks)
            masks = {}
        else:
            sims, ids = self.index.search(windows, k=self.index.size)
        for label, (templates, _) in masks.items():
            mine = np.isin(ids, templates)
            masked = np.where(mine, sims, -np.inf)
            best = masked.argmax(axis=1)
            raw[label] = masked[np.arange(n), best].astype(np.float64)
            entry[label] = ids[np.arange(n), best]
        smoothed = smoother.push(raw)
        out = {}
        unit = None
        for label in raw:
            ver = self.verifier.score(label, windows)
            negs = self.negatives_of(label)
            if len(negs):
                unit = self.normalized(windows) if unit is None else unit
                hard = (unit @ self.normalized(negs).T).max(axis=1)
            else:
                hard = np.full(n, -1.0)
            ok = (ver >= self.verifier.cut) & (hard < raw[label])
            out[label] = LabelScores(raw[label], smoothed[label], ver, hard,
                                     np.where(ok, smoothed[label], VETO), entry[label])
        return out
