"""Personal wake words: enroll from three utterances, detect in a stream, learn from near misses.

The pipeline is composed of small parts, each usable on its own:

1. :class:`~edgeadapt.embed.speech.SpeechEmbedder` (frozen): PCM -> a 96-d embedding
   every 80 ms.
2. :class:`~edgeadapt.enroll.normalize.BackgroundNormalizer`: z-scores of each
   embedding against running moments of the ambient audio heard on the device.
3. Windows of :data:`WINDOW_FRAMES` consecutive embeddings (about 1.7 s of audio, see
   :mod:`~edgeadapt.apps.wakeword.templates`) compared by cosine similarity with the
   enrolled templates held in an :class:`~edgeadapt.enroll.index.EnrollmentIndex`
   (per enrollment utterance one template and five noisy copies, two of them in babble
   made of the user's own utterances; one label per user
   or word). A label's score is its best similarity averaged over the last
   :data:`SMOOTHING_FRAMES` windows.
4. :class:`~edgeadapt.guard.detection.DetectionGuard`: threshold, minimum margin over
   the runner-up label, debounce and refractory period.
5. :class:`~edgeadapt.labels.nearmiss.NearMissLabeller` proposes near misses followed by
   a detection; the app enrolls them as ``"pseudo"`` entries within a
   :class:`~edgeadapt.guard.detection.RateLimit` (per hour and in total), logs them,
   and lists and drops them on request.

The state (index, background moments, rate-limit memory) is one
:class:`~edgeadapt.state.StateGroup`; :meth:`WakeWord.open` keeps it in a state file,
saving enrollment changes durably at once and background statistics coalesced.

Examples
--------
>>> import numpy as np
>>> ww = WakeWord()
>>> ww.labels, ww.threshold
([], 0.43)
>>> ww.process(np.zeros(1600, np.int16))     # nothing enrolled: no detection
[]
"""

from __future__ import annotations

import logging
import math
import os
import time as _time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

import numpy as np

from ...enroll.index import EnrollmentIndex, Entry
from ...enroll.normalize import BackgroundNormalizer
from ...errors import InputError
from ...core.protocol import Stateful, mutator
from ...guard.detection import DetectionGuard, RateLimit
from ...labels.nearmiss import NearMiss, NearMissLabeller
from ...state.persist import Coalesced, Persistent, WritePolicy
from ...state.protocol import StateGroup
from ...state.store import FileStore
from .templates import AUGMENT_CONDITIONS, noisy_copies, select_template, sliding_windows, speech_pool

__all__ = [
    "WakeWord",
    "Detection",
    "LearnEvent",
    "DurableEnrollment",
    "WINDOW_FRAMES",
    "DEFAULT_THRESHOLD",
    "MIN_ENROLL_CLIPS",
    "ENROLLED",
    "PSEUDO",
]

log = logging.getLogger("edgeadapt.wakeword")

PathLike = Union[str, "os.PathLike[str]"]

# --- the detector's geometry and defaults (chosen by bench/bench_wakeword.py) -----------
#: Consecutive embeddings in one window (12 x 80 ms apart; with the 0.78 s each
#: embedding reads, a window spans 1.66 s of audio: a short phrase).
WINDOW_FRAMES = 12
#: The score of a label is the mean of its best cosine similarity over this many
#: consecutive windows (a sequence of windows, 3 x 80 ms): a keyword gives a plateau,
#: other speech gives brief peaks.
SMOOTHING_FRAMES = 3
#: Smoothed score needed to fire: the lowest threshold 0.02 or more above the highest
#: score of other speech on three tuning corpora (bench/wakeword_corpus.py --seed 1, 2, 3;
#: see docs/wakeword.md).
DEFAULT_THRESHOLD = 0.43
#: Lead the best label needs over the runner-up label.
DEFAULT_MIN_MARGIN = 0.05
#: One detection per utterance: silence after a detection.
DEFAULT_REFRACTORY_SECONDS = 1.5
#: Consecutive firing frames needed.
DEFAULT_DEBOUNCE_FRAMES = 1
#: Near misses score in [threshold - NEAR_MISS_BAND, threshold).
NEAR_MISS_BAND = 0.06
#: A detection between these delays after a near miss confirms it (a user repeating a
#: missed wake word pauses first; speech running into a detection is not a first try).
NEAR_MISS_MIN_GAP_SECONDS = 2.0
NEAR_MISS_HORIZON_SECONDS = 5.0
#: A near miss is declined if it resembles recent audio that was not the wake word: its
#: cosine similarity to each window of a ring of RESERVOIR_WINDOWS windows (one every
#: RESERVOIR_STRIDE low-scoring frames, about 80 s of recent audio, held in memory only)
#: must stay under NEAR_MISS_MAX_BACKGROUND_MATCH. (Measured in bench/bench_wakeword.py's
#: simulated weeks: true near misses reached 0.21-0.63, a wrong one, the speech just
#: before a wake word, 0.97.)
RESERVOIR_WINDOWS = 256
RESERVOIR_STRIDE = 4
NEAR_MISS_MAX_BACKGROUND_MATCH = 0.8
#: Bounds on self-learning: pseudo-labelled entries per hour and in total.
DEFAULT_PSEUDO_PER_HOUR = 2
DEFAULT_PSEUDO_TOTAL = 64
#: Entries in the index (enrolled entries are pinned; pseudo ones are evicted oldest first).
DEFAULT_CAPACITY = 256
#: Utterances needed to enroll a name.
MIN_ENROLL_CLIPS = 3
#: Memory of the background estimate, in embeddings (7500 x 80 ms = 10 min).
BACKGROUND_MEMORY_FRAMES = 7500
#: Until this much background is known, enrollment clips seed the estimate.
MIN_BACKGROUND_FRAMES = 50
#: The index's normalization is refreshed after this many new background frames.
BACKGROUND_REFRESH_FRAMES = 25
#: Source tags of index entries.
ENROLLED = "enrolled"
PSEUDO = "pseudo"
#: Enrollment clips are padded with silence to give at least this many windows.
_MIN_CLIP_WINDOWS = 3
#: Background-only changes are saved at most every 10 minutes (or 7500 chunks): the
#: estimate moves slowly, and flash wears with every write. Enrollment changes are
#: saved at once.
BACKGROUND_SAVE_UPDATES = 7500
BACKGROUND_SAVE_SECONDS = 600.0


@dataclass(frozen=True)
class Detection:
    """One wake-word detection.

    Examples
    --------
    >>> Detection("nova", 0.5, 8.2, 6.5, float("inf"), 3).label
    'nova'

    Attributes
    ----------
    label : str
        Which enrolled user or word.
    score : float
        Cosine similarity of the window to the best template of ``label``.
    time : float
        End of the detected window, seconds since the stream started.
    start : float
        Start of the detected window, seconds.
    margin : float
        Lead over the runner-up label (``inf`` with one label).
    entry_id : int
        The index entry that matched best.
    """

    label: str
    score: float
    time: float
    start: float
    margin: float
    entry_id: int


@dataclass(frozen=True)
class LearnEvent:
    """A near miss the app enrolled (``accepted``) or declined, and why.

    Examples
    --------
    >>> LearnEvent(0.0, 6.4, "nova", 0.32, 0.2, True, 12, "near miss followed by a detection").accepted
    True

    ``time`` is the clock's time, ``stream_time`` the near miss's time in the stream,
    ``background_match`` its highest similarity to recent audio that was not the wake
    word (see :meth:`WakeWord.background_match`).
    """

    time: float
    stream_time: float
    label: str
    score: float
    background_match: float
    accepted: bool
    entry_id: int | None
    reason: str


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise InputError(f"name must be a non-empty string without surrounding spaces, got {name!r}")
    return name


class WakeWord(Stateful):
    """Personal wake-word detector: enroll, detect, learn from near misses.

    Parameters
    ----------
    threshold : float
        Score (cosine similarity in [-1, 1], averaged over ``smoothing_frames``
        windows) needed to fire.
    min_margin : float
        Lead over the runner-up label needed to fire.
    refractory_seconds : float
        Silence after a detection.
    debounce_frames : int
        Consecutive firing frames needed.
    window_frames : int
        Embeddings per window (each 80 ms apart).
    smoothing_frames : int
        A label's score is the mean of its best similarity over this many consecutive
        windows (1: single-window decisions).
    capacity : int
        Entries in the enrollment index.
    learn : bool
        Enroll confirmed near misses (bounded by the next two parameters).
    pseudo_per_hour, pseudo_total : int
        Bounds on pseudo-labelled enrollments.
    adapt_background : bool
        Learn the background estimate from low-scoring audio while listening.
    augment : bool
        Also enroll noisy copies of each clip (:data:`~edgeadapt.apps.wakeword.templates.AUGMENT_CONDITIONS`).
    seed : int
        Seeds the augmentation noise. Its generator is derived from ``seed`` and the
        index's entry counter (part of the state), so a reloaded detector enrolls
        exactly as the original would have.
    embedder : SpeechEmbedder, optional
        The frozen front end; one is made on first use.
    clock : callable
        Seconds for entry times and rate limits (``time.time``); a simulation passes
        its own.

    Attributes
    ----------
    index : EnrollmentIndex
    background : BackgroundNormalizer
    guard : DetectionGuard
    labeller : NearMissLabeller
    rate_limit : RateLimit
    learn_log : list of LearnEvent
        Near misses seen since this object was made (the index keeps accepted ones).

    Examples
    --------
    >>> ww = WakeWord(threshold=0.7)
    >>> sorted(ww.state_dict())[:3]
    ['background.count', 'background.m2', 'background.mean']
    """

    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD, min_margin: float = DEFAULT_MIN_MARGIN,
                 refractory_seconds: float = DEFAULT_REFRACTORY_SECONDS,
                 debounce_frames: int = DEFAULT_DEBOUNCE_FRAMES, window_frames: int = WINDOW_FRAMES,
                 smoothing_frames: int = SMOOTHING_FRAMES,
                 capacity: int = DEFAULT_CAPACITY, learn: bool = True,
                 pseudo_per_hour: int = DEFAULT_PSEUDO_PER_HOUR, pseudo_total: int = DEFAULT_PSEUDO_TOTAL,
                 adapt_background: bool = True, augment: bool = True, seed: int = 0,
                 embedder: Any = None, clock: Callable[[], float] = _time.time) -> None:
        from ...embed.speech import EMBEDDING_DIM

        self.threshold = threshold
        self.window_frames = window_frames
        self.smoothing_frames = smoothing_frames
        self.learn = learn
        self.adapt_background = adapt_background
        self.augment = augment
        self.seed = seed
        self.clock = clock
        self._embedder = embedder
        self.dim = EMBEDDING_DIM
        self.index = EnrollmentIndex(window_frames * EMBEDDING_DIM, capacity=capacity, eviction="oldest")
        self.background = BackgroundNormalizer(EMBEDDING_DIM, forgetting=1.0 - 1.0 / BACKGROUND_MEMORY_FRAMES)
        self.guard = DetectionGuard(threshold, min_margin, debounce_frames, refractory_seconds)
        self.labeller = NearMissLabeller(threshold - NEAR_MISS_BAND, threshold, NEAR_MISS_HORIZON_SECONDS,
                                         NEAR_MISS_MIN_GAP_SECONDS)
        self.rate_limit = RateLimit(pseudo_per_hour, pseudo_total)
        self.state = StateGroup(index=self.index, background=self.background, learning=self.rate_limit)
        self.learn_log: list[LearnEvent] = []
        self.unsaved_entries = False
        self._stream: Any = None
        self._frames: deque = deque(maxlen=window_frames)
        self._recent: deque = deque(maxlen=smoothing_frames)
        self._reservoir: deque = deque(maxlen=RESERVOIR_WINDOWS)
        self._background_frames = 0
        self._frame_count = 0
        self._since_refresh = 0

    # ------------------------------------------------------------ persistence
    @classmethod
    def open(cls, path: PathLike, *, policy: WritePolicy | None = None, **config: Any) -> Persistent:
        """A detector whose state lives in the file ``path`` (created if absent).

        Enrollments, forgets and pseudo-labels are saved durably before the call that
        made them returns; background statistics are saved coalesced (and on close).

        Parameters
        ----------
        path : str or PathLike
        policy : WritePolicy, optional
            Defaults to :class:`DurableEnrollment`.
        **config
            Passed to :class:`WakeWord`.

        Returns
        -------
        Persistent
            Wraps the detector; use it as the detector, and ``close()`` it (or use
            ``with``).

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "ww.ea")
        >>> with WakeWord.open(path) as ww:
        ...     ww.labels
        []
        """
        app = cls(**config)
        return Persistent(app, FileStore(path), policy or DurableEnrollment(app))

    def state_dict(self) -> dict[str, Any]:
        """Index, background and rate-limit state, prefixed ``index.``, ``background.``, ``learning.``."""
        return self.state.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the whole state (checked first; nothing changes on a mismatch)."""
        self.state.load_state_dict(state)
        self._refresh_transform()

    # ------------------------------------------------------------ front end
    @property
    def embedder(self) -> Any:
        """The frozen speech embedder (made on first use)."""
        if self._embedder is None:
            from ...embed.speech import SpeechEmbedder

            self._embedder = SpeechEmbedder()
        return self._embedder

    def _refresh_transform(self) -> None:
        self.index.set_transform(self.background.frozen())
        self._since_refresh = 0

    def _clip_samples(self) -> int:
        from ...embed.speech import EMBEDDING_HOP_SAMPLES, EMBEDDING_WINDOW_SAMPLES

        return EMBEDDING_WINDOW_SAMPLES + (self.window_frames + _MIN_CLIP_WINDOWS - 2) * EMBEDDING_HOP_SAMPLES

    def _load_clip(self, clip: Any, sample_rate: int) -> np.ndarray:
        from ...embed.speech import SAMPLE_RATE
        from ...sources.audio import to_int16

        if isinstance(clip, (str, os.PathLike)):
            from ...sources.wav import read_wav

            pcm, rate = read_wav(clip)
            where = os.fspath(clip)
        else:
            pcm, rate, where = to_int16(clip, "clip"), sample_rate, "clip"
        if rate != SAMPLE_RATE:
            raise InputError(
                f"{where} is sampled at {rate} Hz; the speech models need {SAMPLE_RATE} Hz: resample it, "
                f"e.g. 'sox in.wav -r {SAMPLE_RATE} -c 1 out.wav'"
            )
        if pcm.size == 0 or not np.any(pcm):
            raise InputError(f"{where} is empty or silent; record the wake word again")
        short = self._clip_samples() - pcm.size
        if short > 0:
            pcm = np.concatenate([np.zeros(short // 2, np.int16), pcm, np.zeros(short - short // 2, np.int16)])
        return pcm

    # ------------------------------------------------------------ enrollment
    @mutator
    def enroll(self, name: str, clips: Sequence[Any], *, sample_rate: int = 16000,
               progress: Callable[[int, int], None] | None = None) -> list[int]:
        """Enroll ``name`` from at least :data:`MIN_ENROLL_CLIPS` utterances of the wake word.

        Parameters
        ----------
        name : str
            The user or word; several names can be enrolled side by side.
        clips : sequence of paths or arrays
            16 kHz mono WAV files, or int16 / float ([-1, 1]) sample arrays; one
            utterance each, silence around it is fine.
        sample_rate : int
            Rate of array clips (must be 16000).
        progress : callable, optional
            Called as ``progress(done, total)`` after each clip.

        Returns
        -------
        list of int
            The new index entry ids (one template per clip, plus one per noisy copy
            when ``augment`` is on).

        Raises
        ------
        InputError
            Fewer than 3 clips, a silent clip, a rate other than 16 kHz, a bad name.

        Examples
        --------
        >>> import edgeadapt, pathlib
        >>> sample = pathlib.Path(edgeadapt.__file__).parent / "data" / "wakeword"
        >>> ww = WakeWord()
        >>> len(ww.enroll("nova", sorted(sample.glob("enroll_*.wav")))), ww.labels
        (18, ['nova'])
        """
        name = _check_name(name)
        clips = list(clips)
        if len(clips) < MIN_ENROLL_CLIPS:
            raise InputError(
                f"enrolling {name!r} needs at least {MIN_ENROLL_CLIPS} utterances of the wake word, got "
                f"{len(clips)}; record more"
            )
        pcms = [self._load_clip(c, sample_rate) for c in clips]
        rng = np.random.default_rng([int(self.seed), self.index.next_id])
        speech = speech_pool(pcms)  # babble for the noisy copies is made of the user's own utterances
        frames, noisy = [], []
        for i, pcm in enumerate(pcms):
            frames.append(self.embedder.embed_clip(pcm))
            if self.augment:
                noisy += [self.embedder.embed_clip(x) for x in noisy_copies(pcm, AUGMENT_CONDITIONS, rng, speech)]
            if progress is not None:
                progress(i + 1, len(pcms))
        if self.background.count < MIN_BACKGROUND_FRAMES:
            # no ambient audio heard yet: the clean clips (speech and the silence around it) seed it
            self.background.update_many(np.concatenate(frames).astype(np.float64))
        normalize = self.background.frozen()
        templates = np.stack([select_template(f, self.window_frames, normalize) for f in frames + noisy])
        self._refresh_transform()
        ids = self.index.add(templates, name, source=ENROLLED, time=self.clock(), pinned=True)
        self.unsaved_entries = True
        log.info("enrolled %r from %d utterances (entries %s)", name, len(clips), ids)
        return ids

    @mutator
    def forget(self, name: str) -> int:
        """Remove every entry of ``name`` (enrolled and pseudo-labelled); return the count.

        Examples
        --------
        >>> WakeWord().forget("nobody")
        0
        """
        removed = self.index.remove_label(name)
        if removed:
            self.unsaved_entries = True
            log.info("forgot %r (%d entries)", name, removed)
        return removed

    @mutator
    def drop(self, entry_ids: Iterable[int]) -> int:
        """Remove entries by id (e.g. pseudo-labelled ones from :meth:`pseudo_entries`); return the count.

        Examples
        --------
        >>> ww = WakeWord()
        >>> ww.drop([e.id for e in ww.pseudo_entries()])     # undo all self-learning
        0
        """
        removed = self.index.remove(entry_ids)
        if removed:
            self.unsaved_entries = True
            log.info("dropped %d entries", removed)
        return removed

    @mutator
    def reset_background(self) -> None:
        """Forget the background estimate (e.g. after moving the device to another room)."""
        self.background.load_state_dict(BackgroundNormalizer(self.dim).state_dict())
        self._refresh_transform()

    # ------------------------------------------------------------ queries
    @property
    def labels(self) -> list[str]:
        """Enrolled names."""
        return self.index.labels

    def entries(self, label: str | None = None) -> list[Entry]:
        """Index entries (all, or those of ``label``)."""
        return self.index.entries(label=label)

    def pseudo_entries(self, label: str | None = None) -> list[Entry]:
        """Entries added by near-miss learning, which :meth:`drop` can undo.

        Examples
        --------
        >>> WakeWord().pseudo_entries()
        []
        """
        return self.index.entries(label=label, source=PSEUDO)

    @property
    def stream_time(self) -> float:
        """Seconds of audio fed since the stream started."""
        from ...embed.speech import SAMPLE_RATE

        return 0.0 if self._stream is None else self._stream.samples_seen / SAMPLE_RATE

    # ------------------------------------------------------------ detection
    def reset_stream(self) -> None:
        """Start a new stream: forget buffered audio, the guard's and the labeller's memory."""
        if self._stream is not None:
            self._stream.reset()
        self._frames.clear()
        self._recent.clear()
        self._reservoir.clear()
        self._frame_count = 0
        self.guard.reset()
        self.labeller.reset()

    @mutator
    def process(self, chunk: Any, sample_rate: int = 16000) -> list[Detection]:
        """Feed a chunk of audio (any length); return the detections it completes.

        Parameters
        ----------
        chunk : array_like
            int16 samples, or floats in [-1, 1]; mono.
        sample_rate : int
            Must be 16000.

        Returns
        -------
        list of Detection

        Examples
        --------
        >>> import edgeadapt, pathlib
        >>> from edgeadapt.sources.wav import read_wav
        >>> sample = pathlib.Path(edgeadapt.__file__).parent / "data" / "wakeword"
        >>> ww = WakeWord(learn=False)
        >>> _ = ww.enroll("nova", sorted(sample.glob("enroll_*.wav")))
        >>> pcm, rate = read_wav(sample / "test_stream.wav")
        >>> [(d.label, round(d.time, 1)) for d in ww.process(pcm, sample_rate=rate)]
        [('nova', 8.2), ('nova', 14.5), ('nova', 20.5), ('nova', 24.3)]
        """
        from ...embed.speech import SAMPLE_RATE

        if sample_rate != SAMPLE_RATE:
            raise InputError(
                f"sample_rate is {sample_rate!r} Hz; the speech models need {SAMPLE_RATE} Hz: resample the "
                f"audio first (e.g. 'sox in.wav -r {SAMPLE_RATE} -c 1 out.wav')"
            )
        if self._stream is None:
            self._stream = self.embedder.stream()
        embeddings = self._stream.process(chunk)
        return self.process_embeddings(embeddings)

    def process_embeddings(self, embeddings: Any) -> list[Detection]:
        """Feed speech embeddings (``(k, 96)``, 80 ms apart) directly; return detections.

        Examples
        --------
        >>> WakeWord().process_embeddings(np.zeros((3, 95)))
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: embeddings must have shape (k, 96), got (3, 95)
        """
        e = np.asarray(embeddings)
        if e.ndim != 2 or e.shape[1] != self.dim:
            raise InputError(f"embeddings must have shape (k, {self.dim}), got {e.shape}")
        e = np.ascontiguousarray(e, dtype=np.float32)
        if not np.isfinite(e).all():
            raise InputError("embeddings hold NaN or Inf; check the front end's input")
        out: list[Detection] = []
        for frame in e:
            det = self._process_frame(frame)
            if det is not None:
                out.append(det)
        return out

    def _frame_times(self, index: int) -> tuple[float, float]:
        from ...embed.speech import EMBEDDING_HOP_SAMPLES, EMBEDDING_WINDOW_SAMPLES, SAMPLE_RATE

        end = (index * EMBEDDING_HOP_SAMPLES + EMBEDDING_WINDOW_SAMPLES) / SAMPLE_RATE
        start = (index - self.window_frames + 1) * EMBEDDING_HOP_SAMPLES / SAMPLE_RATE
        return end, start

    def _learn_background(self, frame: np.ndarray) -> None:
        if not self.adapt_background:
            return
        self.background.update(frame.astype(np.float64))
        self._since_refresh += 1
        if self._since_refresh >= BACKGROUND_REFRESH_FRAMES:
            self._refresh_transform()

    def _process_frame(self, frame: np.ndarray) -> Detection | None:
        self._frames.append(frame)
        index = self._frame_count
        self._frame_count += 1
        if len(self._frames) < self.window_frames or self.index.size == 0:
            self._learn_background(frame)
            return None
        window = np.concatenate(self._frames)
        raw, ids = self.index.best_entries(window)
        self._recent.append(raw)
        scores = {label: float(np.mean([r.get(label, -1.0) for r in self._recent])) for label in raw}
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        label, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else -math.inf
        end, start = self._frame_times(index)
        fired = self.guard.process(end, label, score, runner_up)
        confirmed = self.labeller.process(end, label, score, payload=window, detected=fired)
        # only a detection on a template the user gave confirms a near miss: one on a
        # pseudo-labelled template could feed a mistake back into itself
        by_user = fired and self.index.source_of(ids[label]) == ENROLLED
        for near_miss in confirmed:
            self._learn_near_miss(near_miss, by_user)
        if score < self.labeller.low:
            self._learn_background(frame)
            self._background_frames += 1
            if self._background_frames % RESERVOIR_STRIDE == 0:
                self._reservoir.append((end, window))
        if not fired:
            return None
        self.index.record_hits([ids[label]])
        det = Detection(label, float(score), end, start, float(score - runner_up), ids[label])
        log.debug("detected %r at %.2f s (score %.3f)", label, end, score)
        return det

    def background_match(self, window: np.ndarray, before: float = math.inf) -> float:
        """Highest cosine similarity of a window to recent non-wake-word windows (-1 if none).

        Parameters
        ----------
        window : numpy.ndarray, shape (window_frames * 96,)
        before : float
            Only windows that ended before this stream time count (so that a window is
            not compared with overlapping windows of itself).
        """
        heard = [w for end, w in self._reservoir if end < before]
        if not heard:
            return -1.0
        z = self.background.frozen()(np.vstack([window[None, :], np.stack(heard)])).astype(np.float64)
        z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
        return float((z[1:] @ z[0]).max())

    def _learn_near_miss(self, near_miss: NearMiss, by_user: bool) -> None:
        now = self.clock()
        accepted, entry_id, reason = False, None, ""
        span = self._frame_times(0)[0] - self._frame_times(0)[1]  # seconds one window covers
        match = self.background_match(near_miss.payload, before=near_miss.time - span)
        if not self.learn:
            reason = "learning is off"
        elif not by_user:
            reason = "the detection that followed matched a pseudo-labelled template"
        elif match >= NEAR_MISS_MAX_BACKGROUND_MATCH:
            reason = f"it resembles recent audio that was not the wake word (similarity {match:.2f})"
        elif not self.rate_limit.allows(now):
            reason = (f"rate limit ({self.rate_limit.per_hour} per hour, "
                      f"{self.rate_limit.total} in total) reached")
        else:
            entry_id = self.index.add(near_miss.payload, near_miss.label, source=PSEUDO, time=now)[0]
            self.rate_limit.update(now)
            self.unsaved_entries = True
            accepted, reason = True, "near miss followed by a detection"
        event = LearnEvent(now, near_miss.time, near_miss.label, near_miss.score, match, accepted, entry_id, reason)
        self.learn_log.append(event)
        if accepted:
            log.info("pseudo-labelled a near miss of %r (score %.3f at %.2f s) as entry %d",
                     near_miss.label, near_miss.score, near_miss.time, entry_id)
        else:
            log.info("declined a near miss of %r (score %.3f at %.2f s): %s",
                     near_miss.label, near_miss.score, near_miss.time, reason)

    # ------------------------------------------------------------ offline scoring
    def score_clip(self, clip: Any, sample_rate: int = 16000) -> dict[str, float]:
        """Best score of each label over all windows of a clip (no state changes).

        Examples
        --------
        >>> WakeWord().score_clip(np.zeros(16000, np.int16))
        {}
        """
        from ...embed.speech import SAMPLE_RATE
        from ...sources.audio import to_int16

        if sample_rate != SAMPLE_RATE:
            raise InputError(f"sample_rate is {sample_rate!r} Hz; the speech models need {SAMPLE_RATE} Hz")
        if self.index.size == 0:
            return {}
        frames = self.embedder.embed_clip(to_int16(clip, "clip"))
        return self.score_windows(sliding_windows(frames, self.window_frames))

    def score_windows(self, windows: np.ndarray) -> dict[str, float]:
        """Best smoothed score of each label over consecutive windows (no state changes)."""
        return {label: float(t.max()) for label, t in self.score_traces(windows).items() if t.size}

    def score_traces(self, windows: np.ndarray) -> dict[str, np.ndarray]:
        """Smoothed score of each label for each of consecutive windows, as :meth:`process` sees them.

        Parameters
        ----------
        windows : numpy.ndarray, shape (n, window_frames * 96)
            Consecutive windows of one stream (e.g. from
            :func:`~edgeadapt.apps.wakeword.templates.sliding_windows`).

        Returns
        -------
        dict
            Label to a float32 array of n scores (the first ``smoothing_frames - 1``
            average fewer windows, as at the start of a stream).
        """
        n = windows.shape[0]
        if self.index.size == 0 or n == 0:
            return {}
        scores, ids = self.index.search(windows, k=self.index.size)
        out: dict[str, np.ndarray] = {}
        kernel = np.ones(self.smoothing_frames)
        counts = np.convolve(np.ones(n), kernel)[:n]
        for label in self.labels:
            mine = np.isin(ids, [e.id for e in self.index.entries(label=label)])
            best = np.where(mine, scores, -np.inf).max(axis=1).astype(np.float64)
            out[label] = (np.convolve(best, kernel)[:n] / counts).astype(np.float32)
        return out

    def __repr__(self) -> str:
        return f"WakeWord(labels={self.labels}, threshold={self.threshold}, entries={self.index.size})"


class DurableEnrollment(WritePolicy):
    """Save at once after enrollment changes; coalesce background-only changes.

    Parameters
    ----------
    app : WakeWord
        Whose ``unsaved_entries`` flag marks an enrollment change.
    background : WritePolicy, optional
        Policy of the other changes (``Coalesced(7500 updates, 600 s)``).

    Examples
    --------
    >>> app = WakeWord(); policy = DurableEnrollment(app)
    >>> policy.should_write(1, 0.0)
    False
    >>> app.unsaved_entries = True; policy.should_write(1, 0.0), app.unsaved_entries
    (True, False)
    """

    def __init__(self, app: WakeWord, background: WritePolicy | None = None) -> None:
        self.app = app
        self.background = background or Coalesced(BACKGROUND_SAVE_UPDATES, BACKGROUND_SAVE_SECONDS)

    def should_write(self, pending_updates: int, seconds_since_write: float) -> bool:
        """True after an enrollment change (clearing the flag), else as the background policy says."""
        if self.app.unsaved_entries:
            self.app.unsaved_entries = False
            return True
        return self.background.should_write(pending_updates, seconds_since_write)
