"""Frozen speech front end: 16 kHz PCM -> mel frames -> 96-d speech embeddings.

Two TFLite models shipped in the Apache-2.0 ``pyopen-wakeword`` package (they come from
openWakeWord; see ``docs/models.md``) are run with :class:`~edgeadapt.embed.tflite.TFLiteModel`:

1. ``melspectrogram.tflite`` turns audio (float32 holding int16-scaled values) into 32
   mel bands every :data:`MEL_HOP_SAMPLES` samples, each frame reading
   :data:`MEL_WINDOW_SAMPLES` samples (no padding: ``n`` samples give
   ``(n - 512) // 160 + 1`` frames). Its output is rescaled by ``x * MEL_SCALE + MEL_OFFSET``
   (``x / 10 + 2``), the transform the embedding model was trained with.
2. ``embedding_model.tflite`` maps a window of :data:`EMBEDDING_WINDOW_FRAMES` (76) mel
   frames to a :data:`EMBEDDING_DIM` (96) vector; windows advance by
   :data:`EMBEDDING_HOP_FRAMES` (8) mel frames, i.e. :data:`EMBEDDING_HOP_SAMPLES` (1280)
   samples = :data:`EMBEDDING_HOP_SECONDS` (0.08 s).

Embedding ``i`` of a clip therefore covers samples
``[i * 1280, i * 1280 + EMBEDDING_WINDOW_SAMPLES)`` (12512 samples, 0.782 s): a clip
shorter than :data:`EMBEDDING_WINDOW_SAMPLES` gives no embedding (pad it with silence
if you need one).

**One front end.** The mel model clips each call's output at the call's loudest value
minus 80 dB, so the same audio gives different frames when cut into calls differently.
Here the mel model is always called on fixed blocks of :data:`MEL_CALL_FRAMES` frames
(:data:`MEL_CALL_SAMPLES` samples starting every :data:`MEL_CALL_HOP_SAMPLES`), aligned
to the start of the audio, and :meth:`SpeechEmbedder.embed_clip` *is*
:class:`SpeechStream` run over the whole array: the embeddings of a clip and of a stream
cut into any chunks are the same numbers, whatever the pauses. The output is also floored
at :data:`MEL_FLOOR`, the level of 16-bit quantization noise, so digital silence (zero
padding) looks like the quietest sound a 16-bit recording holds rather than -100 dB.

PCM convention: one rule for the whole package, that of
:func:`edgeadapt.sources.audio.to_int16`: ``int16`` samples, or floating samples in
``[-1, 1]`` (times :data:`PCM_FULL_SCALE` = 32768, rounded, saturated), so float and
int16 input give the same embeddings everywhere. Mono, 16 kHz only: resample first
(e.g. :func:`edgeadapt.sources.audio.resample` or ``sox in.wav -r 16000 -c 1 out.wav``).

Examples
--------
>>> import numpy as np
>>> embedder = SpeechEmbedder()
>>> pcm = (np.random.default_rng(0).standard_normal(SAMPLE_RATE) * 1000).astype(np.int16)
>>> embedder.embed_clip(pcm).shape      # 1 s of audio: (16000 - 12512) // 1280 + 1
(3, 96)
>>> stream = embedder.stream()
>>> parts = [stream.process(c) for c in np.array_split(pcm, 7)]
>>> bool(np.array_equal(np.concatenate(parts), embedder.embed_clip(pcm)))
True
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

import numpy as np

from ..errors import InputError, ModelError, missing_extra
from ..sources.audio import PCM_FULL_SCALE, to_int16
from .tflite import TFLiteModel

__all__ = [
    "SAMPLE_RATE",
    "EMBEDDING_DIM",
    "EMBEDDING_HOP_SECONDS",
    "EMBEDDING_HOP_SAMPLES",
    "EMBEDDING_WINDOW_SAMPLES",
    "EMBEDDING_WINDOW_SECONDS",
    "EMBEDDING_WINDOW_FRAMES",
    "EMBEDDING_HOP_FRAMES",
    "MEL_BANDS",
    "MEL_HOP_SAMPLES",
    "MEL_WINDOW_SAMPLES",
    "MEL_SCALE",
    "MEL_OFFSET",
    "MEL_CALL_FRAMES",
    "MEL_CALL_SAMPLES",
    "MEL_CALL_HOP_SAMPLES",
    "MEL_FLOOR",
    "PCM_FULL_SCALE",
    "MELSPEC_MODEL_FILE",
    "EMBEDDING_MODEL_FILE",
    "default_model_path",
    "num_embeddings",
    "embedding_spans",
    "as_pcm_float",
    "SpeechEmbedder",
    "SpeechStream",
]

# --- the models' fixed geometry (melspectrogram.tflite, embedding_model.tflite) ------
#: Audio sample rate both models were trained at, in Hz.
SAMPLE_RATE = 16000
#: Samples one mel frame reads (the STFT window of melspectrogram.tflite, 32 ms).
MEL_WINDOW_SAMPLES = 512
#: Samples between two mel frames (10 ms).
MEL_HOP_SAMPLES = 160
#: Mel bands per frame.
MEL_BANDS = 32
#: melspectrogram.tflite output is mapped by ``x * MEL_SCALE + MEL_OFFSET`` before the
#: embedding model (the transform openWakeWord trained the embedding model with).
MEL_SCALE = 0.1
MEL_OFFSET = 2.0
#: Mel frames one embedding reads (embedding_model.tflite input is (batch, 76, 32, 1)).
EMBEDDING_WINDOW_FRAMES = 76
#: Mel frames between two embeddings.
EMBEDDING_HOP_FRAMES = 8
#: Size of one embedding.
EMBEDDING_DIM = 96
#: Samples between two embeddings (1280) and the same in seconds (0.08).
EMBEDDING_HOP_SAMPLES = EMBEDDING_HOP_FRAMES * MEL_HOP_SAMPLES
EMBEDDING_HOP_SECONDS = EMBEDDING_HOP_SAMPLES / SAMPLE_RATE
#: Samples one embedding reads (12512, about 0.78 s): the shortest clip with an embedding.
EMBEDDING_WINDOW_SAMPLES = (EMBEDDING_WINDOW_FRAMES - 1) * MEL_HOP_SAMPLES + MEL_WINDOW_SAMPLES
EMBEDDING_WINDOW_SECONDS = EMBEDDING_WINDOW_SAMPLES / SAMPLE_RATE

#: The mel model is called on blocks of this many frames, always aligned to the first
#: sample (4: an embedding's 76 frames are exactly 19 blocks, and an embedding hop of 8
#: frames two blocks, so the geometry above is unchanged and no embedding waits for audio
#: it does not read). Its per-call "loudest minus 80 dB" clipping then sees the same
#: frames whatever way the audio arrives.
MEL_CALL_FRAMES = 4
#: Samples one call reads (992) and the step between calls (640).
MEL_CALL_SAMPLES = (MEL_CALL_FRAMES - 1) * MEL_HOP_SAMPLES + MEL_WINDOW_SAMPLES
MEL_CALL_HOP_SAMPLES = MEL_CALL_FRAMES * MEL_HOP_SAMPLES
#: Lowest mel value (the model's raw dB scale, before MEL_SCALE/MEL_OFFSET): the model's
#: median output for uniform +-1 LSB noise, i.e. 16-bit quantization noise (measured
#: 4.17 with melspectrogram.tflite; rounded down). Digital zeros (padding) would give
#: -100, a value the embedding model never saw in training, where every clip had sound.
MEL_FLOOR = 4.0

#: Model files inside the ``pyopen_wakeword`` package's ``models`` directory.
MELSPEC_MODEL_FILE = "melspectrogram.tflite"
EMBEDDING_MODEL_FILE = "embedding_model.tflite"
_MODEL_PACKAGE = "pyopen_wakeword"
_MODEL_DIR = "models"

# Embedding windows are run in batches (the embedding model has no per-call
# normalization, so batching does not change the result).
_EMBED_BATCH = 64

PathLike = Union[str, "os.PathLike[str]"]


def default_model_path(name: str) -> str:
    """Path of a model file shipped in the ``pyopen_wakeword`` package.

    Parameters
    ----------
    name : str
        File name inside ``pyopen_wakeword/models``, e.g. ``"embedding_model.tflite"``.

    Returns
    -------
    str

    Examples
    --------
    >>> default_model_path(MELSPEC_MODEL_FILE).endswith("pyopen_wakeword/models/melspectrogram.tflite")
    True
    """
    import importlib.resources

    try:
        root = importlib.resources.files(_MODEL_PACKAGE)
    except ModuleNotFoundError:
        raise missing_extra(_MODEL_PACKAGE, "audio", "the speech embedder (its TFLite models)") from None
    path = str(root / _MODEL_DIR / name)
    if not os.path.isfile(path):
        raise ModelError(
            f"{name} is not in the installed {_MODEL_PACKAGE} package ({path}); reinstall it: "
            "pip install --force-reinstall 'pyopen-wakeword>=1.1'"
        )
    return path


def num_embeddings(num_samples: int) -> int:
    """Number of embeddings a clip of ``num_samples`` samples gives.

    Examples
    --------
    >>> num_embeddings(EMBEDDING_WINDOW_SAMPLES - 1), num_embeddings(EMBEDDING_WINDOW_SAMPLES)
    (0, 1)
    >>> num_embeddings(10 * SAMPLE_RATE)
    116
    """
    if num_samples < EMBEDDING_WINDOW_SAMPLES:
        return 0
    return (num_samples - EMBEDDING_WINDOW_SAMPLES) // EMBEDDING_HOP_SAMPLES + 1


def embedding_spans(count: int, start_sample: int = 0) -> np.ndarray:
    """Start and end time, in seconds, of the audio each of ``count`` embeddings reads.

    Parameters
    ----------
    count : int
        Number of embeddings (rows of :meth:`SpeechEmbedder.embed_clip`).
    start_sample : int, default 0
        Sample index of the clip's first sample in a longer recording.

    Returns
    -------
    numpy.ndarray
        ``(count, 2)`` float64: row ``i`` is ``[start, end)`` of embedding ``i``.

    Examples
    --------
    >>> embedding_spans(2).tolist()
    [[0.0, 0.782], [0.08, 0.862]]
    """
    first = start_sample + np.arange(int(count)) * EMBEDDING_HOP_SAMPLES
    return np.stack([first, first + EMBEDDING_WINDOW_SAMPLES], axis=1) / SAMPLE_RATE


def as_pcm_float(pcm: Any, name: str = "pcm") -> np.ndarray:
    """Check mono PCM and return it as float32 at int16 scale (what the mel model takes).

    The package's one PCM rule, :func:`edgeadapt.sources.audio.to_int16` (floats in
    [-1, 1] are scaled, rounded and saturated), so float and int16 input embed identically.

    Parameters
    ----------
    pcm : array_like
        1-D ``int16`` samples, or 1-D floating samples in ``[-1, 1]``.
    name : str
        The argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        float32, integral values in ``[-32768, 32767]``.

    Examples
    --------
    >>> as_pcm_float(np.array([0.5, -1.0])).tolist()
    [16384.0, -32768.0]
    >>> as_pcm_float(np.array([1, 2], dtype=np.int32))
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: pcm has dtype int32; pass int16 samples or floats in [-1, 1] (e.g. pcm.astype(np.int16) if the values are int16-scaled)
    """
    return to_int16(pcm, name).astype(np.float32)


def _check_rate(sample_rate: Any) -> None:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer, float)) or sample_rate != SAMPLE_RATE:
        raise InputError(
            f"sample_rate must be {SAMPLE_RATE} Hz (the models' rate), got {sample_rate!r}; resample the "
            f"audio first, e.g. 'sox in.wav -r {SAMPLE_RATE} -c 1 out.wav'"
        )


class SpeechEmbedder:
    """Frozen speech embedder: PCM -> (n, 96) float32 embeddings every 80 ms.

    Parameters
    ----------
    num_threads : int, default 1
        Interpreter threads of each model.
    melspec_path, embedding_path : path or None
        Model files; ``None`` takes the ones shipped in ``pyopen_wakeword``.

    Examples
    --------
    >>> embedder = SpeechEmbedder()
    >>> embedder.embed_clip(np.zeros(EMBEDDING_WINDOW_SAMPLES, np.int16)).shape
    (1, 96)
    >>> embedder.embed_clip(np.zeros(100, np.int16)).shape    # shorter than one window
    (0, 96)
    """

    def __init__(self, num_threads: int = 1, melspec_path: Optional[PathLike] = None,
                 embedding_path: Optional[PathLike] = None) -> None:
        self.num_threads = num_threads
        self.melspec_path = melspec_path
        self.embedding_path = embedding_path
        self._mel: TFLiteModel | None = None
        self._emb: TFLiteModel | None = None

    @property
    def melspec_model(self) -> TFLiteModel:
        """The mel-spectrogram :class:`TFLiteModel` (loaded on first use)."""
        if self._mel is None:
            path = self.melspec_path if self.melspec_path is not None else default_model_path(MELSPEC_MODEL_FILE)
            self._mel = TFLiteModel(path, num_threads=self.num_threads).load()
        return self._mel

    @property
    def embedding_model(self) -> TFLiteModel:
        """The embedding :class:`TFLiteModel` (loaded on first use)."""
        if self._emb is None:
            path = self.embedding_path if self.embedding_path is not None else default_model_path(EMBEDDING_MODEL_FILE)
            self._emb = TFLiteModel(path, num_threads=self.num_threads).load()
        return self._emb

    # -- the two stages, on int16-scaled float32 samples ---------------------------
    def mel_frames(self, samples: np.ndarray) -> np.ndarray:
        """Mel frames of all complete call blocks of int16-scaled samples, rescaled: (f, 32).

        The samples must start on a block boundary (the start of the audio, or where the
        previous call's complete blocks ended: ``MEL_CALL_HOP_SAMPLES * blocks``). Frames
        are computed :data:`MEL_CALL_FRAMES` at a time, so ``f`` is a multiple of it.

        Examples
        --------
        >>> SpeechEmbedder().mel_frames(np.zeros(1760, np.float32)).shape   # 2 blocks of 4
        (8, 32)
        """
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        if samples.ndim != 1:
            raise InputError(f"samples must be 1-D, got shape {samples.shape}; pass one mono channel")
        n = samples.shape[0]
        blocks = 0 if n < MEL_CALL_SAMPLES else (n - MEL_CALL_SAMPLES) // MEL_CALL_HOP_SAMPLES + 1
        out = np.empty((blocks * MEL_CALL_FRAMES, MEL_BANDS), np.float32)
        model = self.melspec_model
        for b in range(blocks):
            first = b * MEL_CALL_HOP_SAMPLES
            mel = model(samples[None, first:first + MEL_CALL_SAMPLES]).reshape(-1, MEL_BANDS)
            if mel.shape[0] != MEL_CALL_FRAMES:
                raise ModelError(
                    f"{model.path} gave {mel.shape[0]} mel frames for {MEL_CALL_SAMPLES} samples, "
                    f"expected {MEL_CALL_FRAMES}: it is not the openWakeWord melspectrogram model"
                )
            out[b * MEL_CALL_FRAMES:(b + 1) * MEL_CALL_FRAMES] = mel
        np.maximum(out, np.float32(MEL_FLOOR), out=out)
        out *= np.float32(MEL_SCALE)
        out += np.float32(MEL_OFFSET)
        return out

    def embed_mels(self, mels: np.ndarray) -> np.ndarray:
        """Embeddings of all complete 76-frame windows (hop 8) of mel frames: (k, 96).

        Examples
        --------
        >>> SpeechEmbedder().embed_mels(np.zeros((84, MEL_BANDS), np.float32)).shape
        (2, 96)
        """
        mels = np.ascontiguousarray(mels, dtype=np.float32)
        if mels.ndim != 2 or mels.shape[1] != MEL_BANDS:
            raise InputError(
                f"mels must have shape (frames, {MEL_BANDS}), got {mels.shape}; pass the output of mel_frames"
            )
        f = mels.shape[0]
        k = 0 if f < EMBEDDING_WINDOW_FRAMES else (f - EMBEDDING_WINDOW_FRAMES) // EMBEDDING_HOP_FRAMES + 1
        out = np.empty((k, EMBEDDING_DIM), np.float32)
        if k == 0:
            return out
        windows = np.lib.stride_tricks.sliding_window_view(mels, EMBEDDING_WINDOW_FRAMES, axis=0)
        windows = windows[::EMBEDDING_HOP_FRAMES][:k]  # (k, 32, 76)
        model = self.embedding_model
        for start in range(0, k, _EMBED_BATCH):
            batch = windows[start:start + _EMBED_BATCH].transpose(0, 2, 1)[..., None]
            out[start:start + batch.shape[0]] = model(batch).reshape(batch.shape[0], EMBEDDING_DIM)
        return out

    # -- public API ----------------------------------------------------------------
    def embed_clip(self, pcm: Any, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
        """Embed a whole clip.

        Parameters
        ----------
        pcm : array_like
            1-D int16 samples, or floats in ``[-1, 1]``.
        sample_rate : int, default 16000
            Must be :data:`SAMPLE_RATE`; anything else raises (resample first).

        Returns
        -------
        numpy.ndarray
            ``(num_embeddings(len(pcm)), 96)`` float32; row ``i`` covers samples
            ``[i * 1280, i * 1280 + 12512)``.
        """
        _check_rate(sample_rate)
        return SpeechStream(self).process(pcm, name="pcm")

    def stream(self) -> "SpeechStream":
        """A new streaming front end sharing this embedder's models."""
        return SpeechStream(self)


class SpeechStream:
    """Streaming front end: feed chunks of any size, get the embeddings they complete.

    The concatenation of everything :meth:`process` returns equals
    :meth:`SpeechEmbedder.embed_clip` on the concatenated audio exactly (``embed_clip``
    is this class run over one array). It buffers less than one mel call block of audio
    and one embedding window of mel frames between calls.

    Parameters
    ----------
    embedder : SpeechEmbedder
        Supplies the models.

    Attributes
    ----------
    samples_seen : int
        Samples fed since the last reset.
    embeddings_emitted : int
        Embeddings returned since the last reset; embedding ``i`` ends at sample
        ``i * EMBEDDING_HOP_SAMPLES + EMBEDDING_WINDOW_SAMPLES``.

    Examples
    --------
    >>> stream = SpeechEmbedder().stream()
    >>> stream.process(np.zeros(12000, np.int16)).shape
    (0, 96)
    >>> stream.process(np.zeros(2000, np.int16)).shape
    (2, 96)
    >>> stream.reset(); stream.samples_seen
    0
    """

    def __init__(self, embedder: SpeechEmbedder) -> None:
        self.embedder = embedder
        self.reset()

    def reset(self) -> None:
        """Forget all buffered audio, as if the stream had just been created."""
        self._samples = np.empty(0, np.float32)   # starts at the next mel frame
        self._mels = np.empty((0, MEL_BANDS), np.float32)  # starts at the next window
        self.samples_seen = 0
        self.embeddings_emitted = 0

    def process(self, chunk: Any, name: str = "chunk") -> np.ndarray:
        """Add a chunk of PCM (int16, or floats in [-1, 1]); return the new (k, 96) embeddings."""
        x = as_pcm_float(chunk, name)
        self.samples_seen += x.shape[0]
        samples = np.concatenate([self._samples, x]) if self._samples.size else x
        mels = self.embedder.mel_frames(samples)
        self._samples = samples[mels.shape[0] * MEL_HOP_SAMPLES:].copy()
        if mels.shape[0]:
            self._mels = np.concatenate([self._mels, mels])
        emb = self.embedder.embed_mels(self._mels)
        if emb.shape[0]:
            self._mels = self._mels[emb.shape[0] * EMBEDDING_HOP_FRAMES:].copy()
            self.embeddings_emitted += emb.shape[0]
        return emb
