"""Personal wake words: enroll from three utterances, detect in a stream, learn safely.

:class:`WakeWord` only wires small parts, each usable and tested on its own:

1. :class:`~edgeadapt.embed.speech.SpeechEmbedder` (frozen): PCM -> a 96-d embedding
   every 80 ms; one front end for enrollment, streaming and the benchmarks.
2. :mod:`~edgeadapt.apps.wakeword.enrollment`: utterances -> templates (plus noisy copies
   and shifted windows) in an :class:`~edgeadapt.enroll.index.EnrollmentIndex`.
3. :class:`~edgeadapt.enroll.normalize.BackgroundNormalizer`: z-scores of embeddings
   against running moments of the audio heard on the device.
4. :class:`~edgeadapt.apps.wakeword.scorer.WindowScorer`, the one scorer of the live and
   the offline path: template match over windows of :data:`WINDOW_FRAMES` embeddings,
   smoothing, and negative evidence (a closed-form
   :class:`~edgeadapt.enroll.verifier.WindowVerifier` whose negatives are the audio heard,
   and a reservoir of hard negatives the user rejected).
5. :class:`~edgeadapt.guard.detection.DetectionGuard`: threshold, margin, debounce and
   refractory period.
6. :class:`~edgeadapt.labels.nearmiss.NearMissLabeller` proposes near misses followed by a
   detection; :func:`~edgeadapt.labels.selflearn.decide` (a pure function) accepts or
   declines each with a reason; :class:`~edgeadapt.guard.detection.RateLimit` bounds
   learning in stream seconds.

The streams are padded at the start (and by :meth:`WakeWord.flush` at the end) as
enrollment pads its clips, so a keyword in the first or last second is scored. All
state, including the guard's refractory memory, the labeller's pending near misses,
the hard negatives, the verifier's statistics, the last detection and the learning
log, is in :meth:`WakeWord.state_dict` and survives a restart.

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

import json
import logging
import math
import os
import time as _time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

import numpy as np

from ...enroll.index import EnrollmentIndex, Entry
from ...enroll.normalize import BackgroundNormalizer
from ...enroll.verifier import WindowVerifier
from ...errors import InputError, StateMismatchError
from ...guard.detection import DetectionGuard, RateLimit
from ...labels.nearmiss import NearMiss, NearMissLabeller
from ...labels.selflearn import Facts, Rule, decide
from ...state.persist import Coalesced, Persistent, WritePolicy
from ...core import checks
from ...core.protocol import StateGroup, Stateful, conditional_mutator, expect_array, expect_keys, expect_scalar, mutator
from ...state.store import FileStore
from .enrollment import SHIFT_FRAMES, clip_samples, enrollment_windows, load_clip, select_windows
from .scorer import SHIFTED, VETO, HardNegatives, ScoreSmoother, WindowScorer
from .templates import DTW_BAND_FRAMES, sliding_windows

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
    "SHIFTED",
]

log = logging.getLogger("edgeadapt.wakeword")

PathLike = Union[str, "os.PathLike[str]"]

# --- the detector's geometry and defaults ------------------------------------------------
#: Consecutive embeddings in one window (12 x 80 ms apart; with the 0.78 s each
#: embedding reads, a window spans 1.66 s of audio: a short phrase).
WINDOW_FRAMES = 12
#: The score of a label is the mean of its best cosine similarity over this many
#: consecutive windows (3 x 80 ms): a keyword gives a plateau, other speech brief peaks.
SMOOTHING_FRAMES = 3
#: Smoothed template score needed to fire (chosen on the synthetic tuning corpora
#: ``bench/wakeword_corpus.py --seed 1, 2, 3``; see docs/wakeword.md).
DEFAULT_THRESHOLD = 0.43
#: Lead the best label needs over the runner-up label.
DEFAULT_MIN_MARGIN = 0.05
#: One detection per utterance: silence after a detection.
DEFAULT_REFRACTORY_SECONDS = 1.5
#: Consecutive firing frames needed.
DEFAULT_DEBOUNCE_FRAMES = 1
#: Near misses score in [threshold - NEAR_MISS_BAND, threshold); windows under the band
#: are "not the keyword" and teach the background and the verifier's negatives.
NEAR_MISS_BAND = 0.06
#: A detection between these delays after a near miss confirms it (a user repeating a
#: missed wake word pauses first; speech running into a detection is not a first try).
NEAR_MISS_MIN_GAP_SECONDS = 2.0
NEAR_MISS_HORIZON_SECONDS = 5.0
#: A near miss is declined if, as a template, it would have fired on recent audio that was
#: not the wake word: its similarity to one of a ring of RESERVOIR_WINDOWS windows (one
#: every RESERVOIR_STRIDE low-scoring frames) reaches the detection threshold. (It was
#: 0.8 until the FSDD week learned a keyword said over babble, correctly, which then fired
#: on other speech: 6 false accepts in the week against 1 with learning off.)
RESERVOIR_WINDOWS = 256
RESERVOIR_STRIDE = 4
#: Bounds on self-learning: pseudo-labelled entries per hour of audio heard and in total.
DEFAULT_PSEUDO_PER_HOUR = 2
DEFAULT_PSEUDO_TOTAL = 64
#: Entries in the index (enrolled entries are pinned; pseudo ones are evicted oldest first).
DEFAULT_CAPACITY = 512
#: Utterances needed to enroll a name (``add=True`` takes one or more).
MIN_ENROLL_CLIPS = 3
#: Memory of the background estimate, in embeddings (7500 x 80 ms = 10 min).
BACKGROUND_MEMORY_FRAMES = 7500
#: Memory of the verifier's negatives, in windows (45000 x 80 ms = one hour of audio
#: heard: a day's worth of a household's other words within a few days).
NEGATIVE_MEMORY_FRAMES = 45000
#: Until this much background is known, enrollment clips seed the estimate.
MIN_BACKGROUND_FRAMES = 50
#: The index's normalization is refreshed after this many new background frames (2 s).
BACKGROUND_REFRESH_FRAMES = 25
#: The verifiers are refitted after this many new negative windows (1 min of audio): their
#: statistics have an hour of memory, so a minute moves them by under 2%; a refit (a
#: Cholesky factor of 288 x 288) costs more than a minute of scoring's worth of a frame.
VERIFIER_REFIT_FRAMES = 750
#: Stored hard negatives (rejected detections), all labels together.
HARD_NEGATIVES = 32
#: Stored near misses nobody repeated (negative prototypes), all labels together: as many
#: as rejected detections, in their own reservoir so that they never push out what the
#: user said. Oldest first out.
UNCONFIRMED_NEGATIVES = 32
#: Decisions kept in the saved learning log.
LOG_KEEP = 64
#: Source tags of index entries.
ENROLLED = "enrolled"
PSEUDO = "pseudo"
#: Enrollment clips are padded with silence to give at least this many windows: the
#: template and SHIFT_FRAMES windows either side of it.
_MIN_CLIP_WINDOWS = 1 + 2 * SHIFT_FRAMES
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

    ``time`` is the wall clock's time (display only), ``stream_time`` the stream clock
    (seconds of audio heard, :attr:`WakeWord.heard_seconds`) of the near miss,
    ``background_match`` its highest similarity to recent audio that was not the wake
    word (see :meth:`WakeWord.background_match`). User actions (enroll, add, reject)
    are logged as events too.
    """

    time: float
    stream_time: float
    label: str
    score: float
    background_match: float
    accepted: bool
    entry_id: int | None
    reason: str
    #: ``"near_miss"`` (a self-learning decision) or ``"user"`` (enroll, add, reject).
    kind: str = "near_miss"


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise InputError(f"name must be a non-empty string without surrounding spaces, got {name!r}")
    return name


class WakeWord(Stateful):
    """Personal wake-word detector: enroll, detect, learn from near misses and feedback.

    Parameters
    ----------
    threshold : float
        Smoothed template score (cosine similarity in [-1, 1]) needed to fire.
    min_margin : float
        Lead over the runner-up label needed to fire.
    refractory_seconds : float
        Silence after a detection.
    debounce_frames : int
        Consecutive firing frames needed.
    window_frames : int
        Embeddings per window (each 80 ms apart).
    smoothing_frames : int
        Windows the template score is averaged over (1: single-window decisions).
    capacity : int
        Entries in the enrollment index.
    learn : bool
        Enroll near misses that pass :func:`~edgeadapt.labels.selflearn.decide`.
    pseudo_per_hour, pseudo_total : int
        Bounds on pseudo-labelled enrollments (per hour of audio heard, in total).
    adapt_background : bool
        Learn the background estimate and the verifier's negatives from low-scoring
        audio while listening.
    augment : bool
        Also enroll noisy copies of each clip.
    verify : bool
        Use the verifier (negative evidence); off gives the template scorer alone.
    seed : int
        Seeds the augmentation noise (with the index's entry counter, part of the state).
    embedder : SpeechEmbedder, optional
        The frozen front end; one is made on first use.
    clock : callable
        Wall-clock seconds, recorded as the time of entries (display only: every rule
        counts stream time).
    verifier : WindowVerifier, optional
        The negative-evidence verifier (default: :class:`WindowVerifier` with one hour of
        memory).
    near_miss_band : float
        Width of the near-miss band under the threshold (:data:`NEAR_MISS_BAND`); windows
        under it teach the background and the verifier's negatives.
    match : {"cosine", "dtw"}
        Template match: cosine of whole windows (the default: on FSDD real speech it
        separated the keyword from the same speaker's other words better than banded
        DTW, see docs/wakeword.md) or banded dynamic time warping of the embedding
        sequences (:func:`~edgeadapt.apps.wakeword.templates.dtw_similarity`).
    dtw_band : int
        Sakoe-Chiba band of the DTW match, embeddings either side of the diagonal.
    unconfirmed_negatives : int
        Near misses nobody repeated kept as negative prototypes (0: none); they are
        learned while the detector learns anything (``learn`` or ``adapt_background``).

    Attributes
    ----------
    index, background, verifier, hard_negatives, guard, labeller, rate_limit, scorer
        The parts.
    learn_log : list of LearnEvent
        Learning decisions (the last :data:`LOG_KEEP` are saved with the state).

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
                 adapt_background: bool = True, augment: bool = True, verify: bool = True, seed: int = 0,
                 embedder: Any = None, clock: Callable[[], float] = _time.time,
                 verifier: WindowVerifier | None = None, near_miss_band: float = NEAR_MISS_BAND,
                 match: str = "cosine", dtw_band: int = DTW_BAND_FRAMES,
                 unconfirmed_negatives: int = UNCONFIRMED_NEGATIVES) -> None:
        from ...embed.speech import EMBEDDING_DIM

        for name, value in (("threshold", threshold), ("min_margin", min_margin),
                            ("refractory_seconds", refractory_seconds)):
            checks.real(value, "WakeWord", name)
        self.threshold = float(threshold)
        self.window_frames = window_frames
        self.smoothing_frames = smoothing_frames
        self.learn = learn
        self.adapt_background = adapt_background
        self.augment = augment
        self.verify = verify
        self.seed = seed
        self.clock = clock
        self._embedder = embedder
        self.dim = EMBEDDING_DIM
        wdim = window_frames * EMBEDDING_DIM
        self.index = EnrollmentIndex(wdim, capacity=capacity, eviction="oldest")
        self.background = BackgroundNormalizer(EMBEDDING_DIM, forgetting=1.0 - 1.0 / BACKGROUND_MEMORY_FRAMES)
        self.verifier = verifier or WindowVerifier(EMBEDDING_DIM, forgetting=1.0 - 1.0 / NEGATIVE_MEMORY_FRAMES)
        if not verify:
            self.verifier.min_negatives = math.inf
        self.hard_negatives = HardNegatives(wdim, HARD_NEGATIVES)
        self.unconfirmed = HardNegatives(wdim, unconfirmed_negatives)
        self.scorer = WindowScorer(self.index, self.verifier, self.hard_negatives, smoothing_frames, match=match,
                                   band=dtw_band, unconfirmed=self.unconfirmed)
        self.guard = DetectionGuard(threshold, min_margin, debounce_frames, refractory_seconds)
        self.labeller = NearMissLabeller(threshold - near_miss_band, threshold, NEAR_MISS_HORIZON_SECONDS,
                                         NEAR_MISS_MIN_GAP_SECONDS)
        self.rate_limit = RateLimit(pseudo_per_hour, pseudo_total)
        self.rule = Rule(confident=threshold + near_miss_band, min_alignment=threshold - near_miss_band,
                         max_background=threshold)
        self.state = StateGroup(index=self.index, background=self.background, learning=self.rate_limit,
                                verifier=self.verifier, hard=self.hard_negatives, unconfirmed=self.unconfirmed,
                                guard=self.guard,
                                labeller=self.labeller)
        self.adopt(state=self.state)
        self.learn_log: list[LearnEvent] = []
        self.heard_seconds = 0.0
        self._last: dict[str, Any] | None = None
        self._stream: Any = None
        self._smoother = ScoreSmoother(smoothing_frames)
        self._frames: deque = deque(maxlen=window_frames)
        self._reservoir: deque = deque(maxlen=RESERVOIR_WINDOWS)
        # the windows of the last few frames: the confirming utterance a near miss is compared with
        self._recent_windows: deque = deque(maxlen=1 + 2 * SHIFT_FRAMES)
        self._background_frames = 0
        self._frame_count = 0
        self._since_refresh = 0
        self._since_refit = 0
        self._padded = False

    # ------------------------------------------------------------ persistence
    @classmethod
    def open(cls, path: PathLike, *, policy: WritePolicy | None = None, lock: str = "open", **config: Any) -> Persistent:
        """A detector whose state lives in the file ``path`` (created if absent).

        Enrollments, forgets, rejections and pseudo-labels are saved durably before the
        call that made them returns; background statistics are saved coalesced (and on
        close). With ``lock="open"`` (the default) the detector holds the file's lock from
        its first read until it is closed, so a second writer waits for it and then works
        on its result; ``lock="write"`` takes the lock only if it writes (for readers).

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "ww.ea")
        >>> with WakeWord.open(path) as ww:
        ...     ww.labels
        []
        """
        app = cls(**config)
        return Persistent(app, FileStore(path, lock=lock), policy or DurableEnrollment(app))

    def state_dict(self) -> dict[str, Any]:
        """Every part's state (prefixed by the part), the stream clock, the last detection and the log."""
        state = self.state.state_dict()
        wdim = self.index.dim
        last = self._last
        state["stream.heard_seconds"] = np.float64(self.heard_seconds)
        state["last.window"] = (np.array(last["window"], np.float32).reshape(1, wdim) if last
                                else np.zeros((0, wdim), np.float32))
        state["last.label"] = last["label"] if last else ""
        state["last.entry"] = np.int64(last["entry"] if last else -1)
        state["last.learned"] = np.asarray(last["learned"] if last else [], np.int64)
        state["learning.log"] = json.dumps([asdict(e) for e in self.learn_log[-LOG_KEEP:]])
        # the stream in progress, so that a restart mid-stream goes on exactly alike
        frames = list(self._frames)[-(self.window_frames - 1):] if self.window_frames > 1 else []
        state["stream.frames"] = (np.array(frames, np.float32).reshape(-1, self.dim) if frames
                                  else np.zeros((0, self.dim), np.float32))
        state["stream.counters"] = np.array([self._frame_count, self._background_frames, self._since_refresh,
                                             self._smoother._seen, int(self._padded), self._since_refit], np.int64)
        tails = self._smoother._tail
        state["stream.smooth_labels"] = "\n".join(tails)
        state["stream.smooth_tail"] = (np.array([np.resize(t, self.smoothing_frames - 1) for t in tails.values()],
                                                np.float64).reshape(len(tails), self.smoothing_frames - 1))
        # the snapshots the scorer uses between refreshes (caches, restored as they were)
        t: Any = self.index.transform   # a FrozenNormalization (set by _refresh) or None
        state["cache.transform"] = (np.stack([t.mean, t.std]).astype(np.float32) if t is not None
                                    else np.zeros((0, self.dim), np.float32))
        models = self.verifier.models()
        state["cache.verifier_labels"] = "\n".join(models)
        state["cache.verifier_w"] = (np.array([m[0] for m in models.values()], np.float64).reshape(
            len(models), self.verifier.dim))
        state["cache.verifier_range"] = np.array([[m[1], m[2]] for m in models.values()], np.float64).reshape(
            len(models), 2)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the whole state (checked first; nothing changes on a mismatch)."""
        own = ("stream.heard_seconds", "last.window", "last.label", "last.entry", "last.learned", "learning.log",
               "stream.frames", "stream.counters", "stream.smooth_labels", "stream.smooth_tail",
               "cache.transform", "cache.verifier_labels", "cache.verifier_w", "cache.verifier_range")
        rest = {k: v for k, v in state.items() if k not in own}
        missing = [k for k in own if k not in state]
        if missing:
            raise StateMismatchError(f"WakeWord: state lacks {missing}; it was saved by another version: reset it")
        heard = float(expect_scalar(state, "stream.heard_seconds", np.float64, self))
        window = expect_array(state, "last.window", (None, self.index.dim), np.float32, self)
        entry = int(expect_scalar(state, "last.entry", np.int64, self))
        learned = expect_array(state, "last.learned", (None,), np.int64, self)
        try:
            events = [LearnEvent(**e) for e in json.loads(state["learning.log"])]
        except (TypeError, ValueError, KeyError) as err:
            raise StateMismatchError(f"WakeWord: state entry 'learning.log' is damaged ({err}): reset it") from None
        if window.shape[0] > 1 or not isinstance(state["last.label"], str):
            raise StateMismatchError("WakeWord: state entries 'last.*' are inconsistent; the state is damaged: reset it")
        frames = expect_array(state, "stream.frames", (None, self.dim), np.float32, self)
        counters = expect_array(state, "stream.counters", (6,), np.int64, self)
        tail = expect_array(state, "stream.smooth_tail", (None, self.smoothing_frames - 1), np.float64, self,
                            finite=False)
        transform = expect_array(state, "cache.transform", (None, self.dim), np.float32, self)
        vw = expect_array(state, "cache.verifier_w", (None, self.verifier.dim), np.float64, self)
        vr = expect_array(state, "cache.verifier_range", (vw.shape[0], 2), np.float64, self)
        names = [x for x in str(state["cache.verifier_labels"]).split("\n") if x] if vw.shape[0] else []
        tail_names = [x for x in str(state["stream.smooth_labels"]).split("\n")] if tail.shape[0] else []
        if (frames.shape[0] >= self.window_frames or (counters < 0).any() or transform.shape[0] not in (0, 2)
                or len(names) != vw.shape[0] or len(tail_names) != tail.shape[0]):
            raise StateMismatchError("WakeWord: state entries 'stream.*'/'cache.*' are inconsistent; the state is "
                                     "damaged: reset it")
        self.state.load_state_dict(rest)
        self.heard_seconds = heard
        self._last = (None if window.shape[0] == 0 else
                      {"window": window[0].copy(), "label": state["last.label"], "entry": entry,
                       "learned": learned.tolist()})
        self.learn_log = events
        self._refresh()
        if transform.shape[0] == 2:  # the snapshots in use when the state was saved
            from ...enroll.normalize import FrozenNormalization

            self.index.set_transform(FrozenNormalization(transform[0].copy(), transform[1].copy()))
            self.verifier.set_models({n: (vw[i], vr[i, 0], vr[i, 1]) for i, n in enumerate(names)})
        self._frames.clear()
        self._frames.extend(frames.copy())
        (self._frame_count, self._background_frames, self._since_refresh, seen, padded,
         self._since_refit) = (int(c) for c in counters)
        self._smoother.reset()
        self._smoother._tail = {n: tail[i].copy() for i, n in enumerate(tail_names)}
        self._smoother._seen = seen
        self._padded = bool(padded)

    # ------------------------------------------------------------ front end
    @property
    def embedder(self) -> Any:
        """The frozen speech embedder (made on first use)."""
        if self._embedder is None:
            from ...embed.speech import SpeechEmbedder

            self._embedder = SpeechEmbedder()
        return self._embedder

    def _refresh(self, refit: bool = True) -> None:
        self.index.set_transform(self.background.frozen())
        self._since_refresh = 0
        if refit:
            self.scorer.refit()
            self._since_refit = 0

    def _pad_samples(self) -> int:
        """Silence before a stream (and after, on flush): one window less one embedding hop."""
        from ...embed.speech import EMBEDDING_HOP_SAMPLES

        return (self.window_frames - 1) * EMBEDDING_HOP_SAMPLES

    # ------------------------------------------------------------ enrollment
    @mutator
    def enroll(self, name: str, clips: Sequence[Any], *, sample_rate: int = 16000, add: bool = False,
               progress: Callable[[int, int], None] | None = None) -> list[int]:
        """Enroll ``name`` from at least :data:`MIN_ENROLL_CLIPS` utterances of the wake word.

        Parameters
        ----------
        name : str
            The user or word; several names can be enrolled side by side.
        clips : sequence of paths or arrays
            WAV files (any rate, resampled), or int16 / float ([-1, 1]) arrays; one
            utterance each, silence around it is fine.
        sample_rate : int
            Rate of array clips (resampled to 16 kHz if different).
        add : bool
            Add utterances to an enrolled name (one or more). They pass the same canary
            as self-learning: no stored hard negative of the name may match them.
        progress : callable, optional
            Called as ``progress(done, total)`` after each clip.

        Returns
        -------
        list of int
            The new index entry ids (templates, noisy copies, shifted windows).

        Raises
        ------
        InputError
            Too few clips, a silent clip, a bad name, an existing name without ``add``
            (or an unknown one with it), or an added utterance matching a rejected one.

        Examples
        --------
        >>> import edgeadapt, pathlib
        >>> sample = pathlib.Path(edgeadapt.__file__).parent / "data" / "wakeword"
        >>> ww = WakeWord()
        >>> ids = ww.enroll("nova", sorted(sample.glob("enroll_*.wav")))
        >>> ww.labels, sorted({e.source for e in ww.entries()})
        (['nova'], ['enrolled', 'shifted'])
        """
        name = _check_name(name)
        clips = list(clips)
        if add and name not in self.labels:
            raise InputError(f"{name!r} is not enrolled; enroll it first (without --add), enrolled: {self.labels}")
        if not add and name in self.labels:
            raise InputError(f"{name!r} is already enrolled; add utterances with --add (add=True) or forget it first")
        need = 1 if add else MIN_ENROLL_CLIPS
        if len(clips) < need:
            raise InputError(
                f"enrolling {name!r} needs at least {need} utterance{'s' if need > 1 else ''} of the wake word, "
                f"got {len(clips)}; record more"
            )
        padded = clip_samples(self.window_frames, _MIN_CLIP_WINDOWS)
        pcms = [load_clip(c, sample_rate, padded) for c in clips]
        rng = np.random.default_rng([int(self.seed), self.index.next_id])
        frames, noisy = enrollment_windows(self.embedder.embed_clip, pcms, self.window_frames, None,
                                           self.augment, rng, progress)
        if self.background.count < MIN_BACKGROUND_FRAMES:
            # no ambient audio heard yet: the clean clips (speech and the silence around it) seed it
            self.background.update_many(np.concatenate(frames).astype(np.float64))
        templates, shifted = select_windows(frames, noisy, self.window_frames, self.background.frozen())
        if add:
            self.index.set_transform(self.background.frozen())
            for t in templates:
                ok, detail = self._negative_canaries(name, t)
                if not ok:
                    raise InputError(f"not adding to {name!r}: {detail}")
        ids = self.index.add(templates, name, source=ENROLLED, time=self.clock(), pinned=True)
        if shifted.shape[0]:
            ids += self.index.add(shifted, name, source=SHIFTED, time=self.clock(), pinned=True)
        self._refresh()
        self._log_event(LearnEvent(self.clock(), self.heard_seconds, name, 1.0, -1.0, True, ids[0],
                                   f"{'added' if add else 'enrolled'} from {len(clips)} utterances by the user", "user"))
        log.info("%s %r from %d utterances (entries %s)", "added to" if add else "enrolled", name, len(clips), ids)
        return ids

    @mutator
    def enroll_windows(self, name: str, windows: Any, *, source: str = ENROLLED) -> list[int]:
        """Enroll precomputed windows (``(k, window_frames * 96)`` raw embeddings) under ``name``.

        For tests and tools that build windows themselves; :meth:`enroll` is the way from
        audio. The entries are pinned when ``source`` is ``"enrolled"``.

        Examples
        --------
        >>> ww = WakeWord()
        >>> len(ww.enroll_windows("w", np.ones((2, ww.index.dim), np.float32)))
        2
        """
        name = _check_name(name)
        ids = self.index.add(windows, name, source=source, time=self.clock(), pinned=source == ENROLLED)
        self._refresh()
        return ids

    @mutator
    def forget(self, name: str) -> int:
        """Remove every entry of ``name`` (enrolled and pseudo-labelled) and its hard negatives.

        Examples
        --------
        >>> WakeWord().forget("nobody")
        0
        """
        removed = self.index.remove_label(name)
        if removed:
            self.hard_negatives.remove_label(name)
            self.unconfirmed.remove_label(name)
            self._refresh()
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
            self._refresh()
            log.info("dropped %d entries", removed)
        return removed

    @mutator
    def reset_background(self) -> None:
        """Forget the background estimate and the verifier's negatives (e.g. another room)."""
        self.background.load_state_dict(BackgroundNormalizer(self.dim).state_dict())
        self.verifier.negatives.reset()
        for label in set(self.unconfirmed.labels):
            self.unconfirmed.remove_label(label)
        self._refresh()

    # ------------------------------------------------------------ user feedback
    @mutator
    def reject(self) -> str:
        """The last detection was wrong: keep it as a hard negative and undo what it taught.

        The detected window joins the hard negatives (a window closer to it than to its
        best template is vetoed from now on); a self-learned entry that fired is dropped,
        and so is any near miss that this detection confirmed. Returns what was done.

        Examples
        --------
        >>> WakeWord().reject()
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: nothing to reject: no detection since the state was made
        """
        last = self._last
        if last is None:
            raise InputError("nothing to reject: no detection since the state was made")
        self.hard_negatives.add(last["window"], last["label"])
        undo = [i for i in last["learned"] if self._has_entry(i)]
        if self._has_entry(last["entry"]) and self.index.source_of(last["entry"]) == PSEUDO:
            undo.append(last["entry"])
        dropped = self.index.remove(sorted(set(undo))) if undo else 0
        self._last = None
        self._refresh()
        what = (f"kept the detection of {last['label']!r} as a hard negative"
                + (f"; undid {dropped} self-learned entr{'y' if dropped == 1 else 'ies'} {sorted(set(undo))}"
                   if dropped else ""))
        self._log_event(LearnEvent(self.clock(), self.heard_seconds, last["label"], 0.0, -1.0, False,
                                   None, "user rejected the detection: " + what, "user"))
        log.info("%s", what)
        return what

    def _has_entry(self, entry_id: int) -> bool:
        try:
            self.index.source_of(int(entry_id))
        except (InputError, KeyError):
            return False
        return True

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
        """Seconds of audio fed since the stream started (padding excluded)."""
        from ...embed.speech import SAMPLE_RATE

        if self._stream is None:
            return 0.0
        return max(0.0, (self._stream.samples_seen - self._pad_samples()) / SAMPLE_RATE)

    # ------------------------------------------------------------ detection
    @conditional_mutator
    def reset_stream(self) -> None:
        """Start a new stream: forget buffered audio, the guard's and the labeller's memory."""
        if self._frames or self._frame_count or self._padded or self._smoother._seen:
            self._touch()
        if self._stream is not None:
            self._stream.reset()
        self._padded = False
        self._frames.clear()
        self._recent_windows.clear()
        self._smoother.reset()
        self._reservoir.clear()
        self._frame_count = 0
        self.guard.reset()
        self.labeller.reset()

    def _check_rate(self, sample_rate: Any) -> None:
        from ...embed.speech import SAMPLE_RATE

        if sample_rate != SAMPLE_RATE:
            raise InputError(
                f"sample_rate is {sample_rate!r} Hz; the speech models need {SAMPLE_RATE} Hz: resample the "
                f"audio first (edgeadapt.sources.audio.resample, or 'sox in.wav -r {SAMPLE_RATE} -c 1 out.wav')"
            )

    @mutator
    def process(self, chunk: Any, sample_rate: int = 16000) -> list[Detection]:
        """Feed a chunk of audio (any length); return the detections it completes.

        The first call of a stream pads its start with silence (as enrollment pads its
        clips), so the first second is scored; call :meth:`end_stream` at the end of a
        recording to score its last second.

        Examples
        --------
        >>> import edgeadapt, pathlib
        >>> from edgeadapt.sources.wav import read_wav
        >>> sample = pathlib.Path(edgeadapt.__file__).parent / "data" / "wakeword"
        >>> ww = WakeWord(learn=False)
        >>> _ = ww.enroll("nova", sorted(sample.glob("enroll_*.wav")))
        >>> pcm, rate = read_wav(sample / "test_stream.wav")
        >>> [(d.label, round(d.time, 1)) for d in ww.process(pcm, sample_rate=rate) + ww.end_stream()]
        [('nova', 8.1), ('nova', 14.4), ('nova', 20.4), ('nova', 24.2)]
        """
        self._check_rate(sample_rate)
        from ...embed.speech import as_pcm_float

        as_pcm_float(chunk, "chunk")  # check before anything moves
        if self._stream is None:
            self._stream = self.embedder.stream()
        out: list[Detection] = []
        if not self._padded:
            self._padded = True
            out += self.process_embeddings(self._stream.process(np.zeros(self._pad_samples(), np.int16)))
        return out + self.process_embeddings(self._stream.process(chunk))

    @mutator
    def end_stream(self) -> list[Detection]:
        """End of a recording: feed trailing silence so its last second is scored, then reset the stream."""
        from ...embed.speech import EMBEDDING_WINDOW_SAMPLES

        out: list[Detection] = []
        if self._stream is not None and self._padded:
            out = self.process_embeddings(
                self._stream.process(np.zeros(self._pad_samples() + EMBEDDING_WINDOW_SAMPLES, np.int16)))
        self.reset_stream()
        return out

    def stream_embeddings(self, pcm: Any, chunk_samples: int | None = None) -> np.ndarray:
        """The embeddings :meth:`process` (in chunks) then :meth:`end_stream` compute for a recording.

        Padding included, through a fresh :class:`~edgeadapt.embed.speech.SpeechStream`
        fed ``chunk_samples`` at a time (80 ms by default, as the CLI reads files). Pass
        the result to :meth:`listen_embeddings`: a benchmark can embed a stream once and
        run many detectors over it on exactly the CLI's numbers.
        """
        from ...embed.speech import EMBEDDING_HOP_SAMPLES, EMBEDDING_WINDOW_SAMPLES

        x = np.asarray(pcm)
        n = chunk_samples or EMBEDDING_HOP_SAMPLES
        stream = self.embedder.stream()
        parts = [stream.process(np.zeros(self._pad_samples(), np.int16))]
        parts += [stream.process(x[i:i + n]) for i in range(0, x.shape[0], n)]
        parts.append(stream.process(np.zeros(self._pad_samples() + EMBEDDING_WINDOW_SAMPLES, np.int16)))
        return np.concatenate(parts)

    @mutator
    def listen_embeddings(self, embeddings: np.ndarray) -> list[Detection]:
        """Listen to a whole recording given as :meth:`stream_embeddings`; the stream is reset after.

        Same detections and learning as ``process`` over the recording's chunks then
        :meth:`end_stream` (test: tests/wakeword/test_wakeword_app.py).
        """
        self.reset_stream()
        self._padded = True
        out = self.process_embeddings(embeddings)
        self.reset_stream()
        return out

    @mutator
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
        """End and start, in stream seconds (padding removed), of the window ending at embedding ``index``."""
        from ...embed.speech import EMBEDDING_HOP_SAMPLES, EMBEDDING_WINDOW_SAMPLES, SAMPLE_RATE

        pad = self._pad_samples() if self._padded else 0
        end = (index * EMBEDDING_HOP_SAMPLES + EMBEDDING_WINDOW_SAMPLES - pad) / SAMPLE_RATE
        start = ((index - self.window_frames + 1) * EMBEDDING_HOP_SAMPLES - pad) / SAMPLE_RATE
        return end, max(start, 0.0)

    def _learn_background(self, frame: np.ndarray, window: np.ndarray | None) -> None:
        if not self.adapt_background:
            return
        self.background.update(frame.astype(np.float64))
        if window is not None and self.verify:
            self.verifier.add_negatives(window)
            self._since_refit += 1
        self._since_refresh += 1
        if self._since_refresh >= BACKGROUND_REFRESH_FRAMES:
            self._refresh(refit=self._since_refit >= VERIFIER_REFIT_FRAMES)

    def _process_frame(self, frame: np.ndarray) -> Detection | None:
        from ...embed.speech import EMBEDDING_HOP_SECONDS

        self._frames.append(frame)
        index = self._frame_count
        self._frame_count += 1
        self.heard_seconds += EMBEDDING_HOP_SECONDS
        now = self.heard_seconds  # the stream clock of every rule (guard, labeller, rate limit)
        if len(self._frames) < self.window_frames or self.index.size == 0:
            self._learn_background(frame, None)
            return None
        window = np.concatenate(self._frames)
        self._recent_windows.append(window)
        rows = self.scorer.score(window[None], self._smoother)
        scores = {label: float(r.score[0]) for label, r in rows.items()}
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        label, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else -math.inf
        end, start = self._frame_times(index)
        fired = self.guard.process(now, label, score, runner_up)
        confirmed = self.labeller.process(now, label, score, payload=window, detected=fired)
        for expired in self.labeller.take_expired():
            self._learn_unconfirmed(expired)
        best = rows[label]
        entry = int(best.entry[0])
        learned: list[int] = []
        for near_miss in confirmed:
            new = self._learn_near_miss(near_miss, np.stack(self._recent_windows), score, bool(best.verifier[0] >= self.verifier.cut),
                                        self.index.source_of(entry) == ENROLLED)
            if new is not None:
                learned.append(new)
        if max(float(r.smoothed[0]) for r in rows.values()) < self.labeller.low:
            self._learn_background(frame, window)
            self._background_frames += 1
            if self._background_frames % RESERVOIR_STRIDE == 0:
                self._reservoir.append((now, window))
        if not fired:
            return None
        self.index.record_hits([entry])
        self._last = {"window": window, "label": label, "entry": entry, "learned": learned}
        det = Detection(label, float(score), end, start, float(score - runner_up), entry)
        log.debug("detected %r at %.2f s (score %.3f)", label, end, score)
        return det

    def _learn_unconfirmed(self, near_miss: NearMiss) -> None:
        """Keep a near miss nobody repeated as a negative prototype, unless it would hide the enrollment.

        Canary: every shifted enrollment window of the label (the enrolled utterances a
        little early or late) must stay closer to its best template than to the new
        negative, so the enrolled utterances are still found.
        """
        if not ((self.learn or self.adapt_background) and self.unconfirmed.capacity > 0) or near_miss.label not in self.labels:
            return
        masks = self.scorer._label_masks()
        templates, every = masks[near_miss.label]
        shifted = [i for i in every.tolist() if i not in set(templates.tolist())]
        if shifted:
            z = self.scorer.normalized(self.index.vectors(shifted))
            t = self.scorer.normalized(self.index.vectors(templates.tolist()))
            neg = self.scorer.normalized(near_miss.payload[None])[0]
            if np.any(z @ neg >= (z @ t.T).max(axis=1)):
                log.debug("near miss of %r at %.1f s not kept as a negative: it is as close to the enrollment as "
                          "its templates", near_miss.label, near_miss.time)
                return
        self.unconfirmed.add(near_miss.payload, near_miss.label)
        log.debug("near miss of %r at %.1f s (score %.3f), never repeated: kept as a negative",
                  near_miss.label, near_miss.time, near_miss.score)

    def background_match(self, window: np.ndarray, before: float = math.inf) -> float:
        """Highest cosine similarity of a window to recent non-wake-word windows (-1 if none).

        ``before`` is in the stream clock (:attr:`heard_seconds`): only windows that ended
        before it count.
        """
        heard = [w for end, w in self._reservoir if end < before]
        if not heard:
            return -1.0
        z = self.scorer.normalized(np.vstack([window[None, :], np.stack(heard)]))
        return float((z[1:] @ z[0]).max())

    def _negative_canaries(self, label: str, window: np.ndarray, negs: np.ndarray | None = None) -> tuple[bool, str]:
        negs = self.hard_negatives.of(label) if negs is None else negs
        if len(negs):
            sims = self.scorer.normalized(negs) @ self.scorer.normalized(window[None])[0]
            if sims.max() >= self.threshold:
                return False, f"it matches a detection the user rejected (similarity {sims.max():.2f})"
        return True, ""

    def _canaries(self, label: str, window: np.ndarray) -> tuple[bool, str]:
        """Would adding ``window`` to ``label`` keep the enrolled utterances found and the hard negatives out?"""
        # self-learning must keep out every stored negative, the unconfirmed near misses too
        negs = self.scorer.negatives_of(label)
        ok, detail = self._negative_canaries(label, window, negs)
        if not ok:
            return ok, detail
        enrolled = [e.id for e in self.index.entries(label=label, source=ENROLLED)]
        mine = self.index.vectors(enrolled)
        before = int(np.count_nonzero(self.verifier.passes(label, mine)))
        positives = self.scorer.positives()
        positives[label] = np.vstack([positives[label], window[None]])
        trial = WindowVerifier(self.verifier.segment_dim, self.verifier.segments, self.verifier.shrink,
                               self.verifier.cut, min_negatives=self.verifier.min_negatives)
        trial.negatives = self.verifier.negatives
        trial.fit(positives)
        after = int(np.count_nonzero(trial.passes(label, mine)))
        if after < before:
            return False, f"the verifier would lose {before - after} of the enrolled utterances"
        if len(negs) and np.any(trial.passes(label, negs) & ~self.verifier.passes(label, negs)):
            return False, "the verifier would accept a detection the user rejected"
        return True, ""

    def _learn_near_miss(self, near_miss: NearMiss, confirm_window: np.ndarray, confirm_score: float,
                         confirm_verified: bool, by_user: bool) -> int | None:
        from ...embed.speech import EMBEDDING_HOP_SECONDS

        span = self.window_frames * EMBEDDING_HOP_SECONDS
        match = self.background_match(near_miss.payload, before=near_miss.time - span)
        # the best match over the confirming detection's last windows (+-SHIFT_FRAMES of timing)
        z = self.scorer.normalized(np.vstack([near_miss.payload[None], confirm_window]))
        alignment = float((z[1:] @ z[0]).max())
        limits = (f"{self.rate_limit.per_hour} per hour of audio heard, "
                  f"{self.rate_limit.total} in total")
        cheap = Facts(self.learn, by_user, confirm_score, confirm_verified, alignment, match,
                      self.rate_limit.allows(self.heard_seconds), True, "", limits)
        decision = decide(cheap, self.rule)
        if decision.accept:  # only then run the canaries (they refit a trial verifier)
            ok, detail = self._canaries(near_miss.label, near_miss.payload)
            decision = decide(Facts(**{**asdict(cheap), "canaries_ok": ok, "canary_detail": detail}), self.rule)
        entry_id = None
        if decision.accept:
            entry_id = self.index.add(near_miss.payload, near_miss.label, source=PSEUDO, time=self.clock())[0]
            self.rate_limit.update(self.heard_seconds)
            self._refresh()
        event = LearnEvent(self.clock(), near_miss.time, near_miss.label, near_miss.score, match,
                           decision.accept, entry_id, decision.reason)
        self._log_event(event)
        if decision.accept:
            log.info("pseudo-labelled a near miss of %r (score %.3f) as entry %d", near_miss.label,
                     near_miss.score, entry_id)
        else:
            log.info("declined a near miss of %r (score %.3f): %s", near_miss.label, near_miss.score,
                     decision.reason)
        return entry_id

    @property
    def near_miss_log(self) -> list["LearnEvent"]:
        """The self-learning decisions of :attr:`learn_log` (without the user's actions)."""
        return [e for e in self.learn_log if e.kind == "near_miss"]

    def _log_event(self, event: "LearnEvent") -> None:
        self.learn_log.append(event)
        del self.learn_log[: max(0, len(self.learn_log) - LOG_KEEP)]

    # ------------------------------------------------------------ offline scoring
    def score_clip(self, clip: Any, sample_rate: int = 16000) -> dict[str, float]:
        """Best score of each label over a clip, padded as a stream is (no state changes).

        The same front end, padding and :class:`WindowScorer` as :meth:`process`.

        Examples
        --------
        >>> WakeWord().score_clip(np.zeros(16000, np.int16))
        {}
        """
        from ...embed.speech import EMBEDDING_WINDOW_SAMPLES, SAMPLE_RATE
        from ...sources.audio import resample

        if self.index.size == 0:
            return {}
        pcm = resample(clip, sample_rate, SAMPLE_RATE)
        pad = np.zeros(self._pad_samples(), np.int16)
        tail = np.zeros(self._pad_samples() + EMBEDDING_WINDOW_SAMPLES, np.int16)
        frames = self.embedder.embed_clip(np.concatenate([pad, pcm, tail]))
        return self.score_windows(sliding_windows(frames, self.window_frames))

    def score_windows(self, windows: np.ndarray) -> dict[str, float]:
        """Best final score of each label over consecutive windows (no state changes)."""
        return {label: float(t.max()) for label, t in self.score_traces(windows).items() if t.size}

    def score_traces(self, windows: np.ndarray) -> dict[str, np.ndarray]:
        """Final score of each label for each of consecutive windows, as :meth:`process` sees them.

        Parameters
        ----------
        windows : numpy.ndarray, shape (n, window_frames * 96)
            Consecutive windows of one stream (e.g. from
            :func:`~edgeadapt.apps.wakeword.templates.sliding_windows`).

        Returns
        -------
        dict
            Label to an array of n scores (:data:`~edgeadapt.apps.wakeword.scorer.VETO`
            where the negative evidence vetoed the window).
        """
        rows = self.scorer.score(windows, ScoreSmoother(self.smoothing_frames))
        return {label: r.score for label, r in rows.items()}

    def __repr__(self) -> str:
        return f"WakeWord(labels={self.labels}, threshold={self.threshold}, entries={self.index.size})"


class DurableEnrollment(WritePolicy):
    """Save at once after a change of the entries; coalesce background-only changes.

    The entries are the enrollment index and the hard negatives: whatever path changed them
    (an app method, ``app.index.add(...)``, a rejection), their versions moved, and the next
    write decision saves. Everything else (background statistics, stream memories) is saved
    as ``background`` says.

    Parameters
    ----------
    app : WakeWord
        Whose ``index`` and ``hard_negatives`` are the durable parts.
    background : WritePolicy, optional
        Policy of the other changes (``Coalesced(7500 updates, 600 s)``).

    Examples
    --------
    >>> import numpy as np
    >>> app = WakeWord(); policy = DurableEnrollment(app)
    >>> policy.should_write(1, 0.0)
    False
    >>> _ = app.index.add(np.ones(app.index.dim, np.float32), "w"); policy.should_write(1, 0.0)
    True
    """

    def __init__(self, app: WakeWord, background: WritePolicy | None = None) -> None:
        self.app = app
        self.background = background or Coalesced(BACKGROUND_SAVE_UPDATES, BACKGROUND_SAVE_SECONDS)
        self._seen = self._entries_version()

    def _entries_version(self) -> tuple[int, int]:
        return (self.app.index.version, self.app.hard_negatives.version)

    def should_write(self, pending_updates: int, seconds_since_write: float) -> bool:
        """True after a change of the entries, else as the background policy says."""
        now = self._entries_version()
        if now != self._seen or self.background.should_write(pending_updates, seconds_since_write):
            self._seen = now
            return True
        return False
