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
if you need one). Unlike pyopen-wakeword's streaming front end, nothing is pre-filled
with zeros, so :meth:`SpeechEmbedder.embed_clip` and the concatenated output of
:meth:`SpeechStream.process` are the same function of the audio.

PCM convention: ``int16`` samples, or floating samples in ``[-1, 1]`` (multiplied by
:data:`PCM_FULL_SCALE` = 32768, so ``pcm_int16 / 32768`` gives the same embeddings).
Mono, 16 kHz only: resample first (e.g. ``sox in.wav -r 16000 -c 1 out.wav``).

Examples
--------
>>> import numpy as np
>>> embedder = SpeechEmbedder()
>>> pcm = (np.random.default_rng(0).standard_normal(SAMPLE_RATE) * 1000).astype(np.int16)
>>> embedder.embed_clip(pcm).shape      # 1 s of audio: (16000 - 12512) // 1280 + 1
(3, 96)
>>> stream = embedder.stream()
>>> parts = [stream.process(c) for c in np.array_split(pcm, 7)]
>>> bool(np.allclose(np.concatenate(parts), embedder.embed_clip(pcm), atol=1e-4))
True
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

import numpy as np

from ..errors import InputError, ModelError, missing_extra
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
#: Float PCM in [-1, 1] is multiplied by this to get the int16 scale the models expect.
PCM_FULL_SCALE = 32768.0

#: Model files inside the ``pyopen_wakeword`` package's ``models`` directory.
MELSPEC_MODEL_FILE = "melspectrogram.tflite"
EMBEDDING_MODEL_FILE = "embedding_model.tflite"
_MODEL_PACKAGE = "pyopen_wakeword"
_MODEL_DIR = "models"

# Work is split into blocks so memory stays bounded on long clips (30 min of audio is
# 180 000 mel frames); the split does not change the result.
_MEL_BLOCK_FRAMES = 1000
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
    path = os.fspath(root / _MODEL_DIR / name)
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

    Parameters
    ----------
    pcm : array_like
        1-D ``int16`` samples, or 1-D floating samples in ``[-1, 1]``.
    name : str
        The argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        float32, values in ``[-32768, 32768]``.

    Examples
    --------
    >>> as_pcm_float(np.array([0.5, -1.0])).tolist()
    [16384.0, -32768.0]
    >>> as_pcm_float(np.array([1, 2], dtype=np.int32))
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: pcm has dtype int32; pass int16 samples or floats in [-1, 1] (e.g. pcm.astype(np.int16) if the values are int16-scaled)
    """
    arr = np.asarray(pcm)
    if arr.ndim != 1:
        raise InputError(
            f"{name} must be 1-D mono samples, got shape {arr.shape}; take one channel "
            f"({name}[:, 0]) or average the channels"
        )
    if arr.dtype == np.int16:
        return arr.astype(np.float32)
    if np.issubdtype(arr.dtype, np.floating):
        x = np.ascontiguousarray(arr, dtype=np.float32)
        if x.size and not np.isfinite(x).all():
            raise InputError(f"{name} holds NaN or Inf; drop or replace those samples before embedding")
        if x.size and np.abs(x).max() > 1.0:
            raise InputError(
                f"{name} is floating with values beyond [-1, 1] (max |x| = {float(np.abs(x).max()):.4g}); "
                f"float PCM must be full-scale normalized: divide int16-scaled values by {PCM_FULL_SCALE:g} "
                "or pass int16"
            )
        return x * np.float32(PCM_FULL_SCALE)
    raise InputError(
        f"{name} has dtype {arr.dtype}; pass int16 samples or floats in [-1, 1] "
        f"(e.g. {name}.astype(np.int16) if the values are int16-scaled)"
    )


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
        """All complete mel frames of int16-scaled float32 samples, rescaled: (f, 32) float32.

        Examples
        --------
        >>> SpeechEmbedder().mel_frames(np.zeros(1760, np.float32)).shape
        (8, 32)
        """
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        if samples.ndim != 1:
            raise InputError(f"samples must be 1-D, got shape {samples.shape}; pass one mono channel")
        n = samples.shape[0]
        total = 0 if n < MEL_WINDOW_SAMPLES else (n - MEL_WINDOW_SAMPLES) // MEL_HOP_SAMPLES + 1
        out = np.empty((total, MEL_BANDS), np.float32)
        model = self.melspec_model
        for start in range(0, total, _MEL_BLOCK_FRAMES):
            count = min(_MEL_BLOCK_FRAMES, total - start)
            first = start * MEL_HOP_SAMPLES
            block = samples[first:first + (count - 1) * MEL_HOP_SAMPLES + MEL_WINDOW_SAMPLES]
            mel = model(block[None, :]).reshape(-1, MEL_BANDS)
            if mel.shape[0] != count:
                raise ModelError(
                    f"{model.path} gave {mel.shape[0]} mel frames for {block.shape[0]} samples, "
                    f"expected {count}: it is not the openWakeWord melspectrogram model"
                )
            out[start:start + count] = mel
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
        return self.embed_mels(self.mel_frames(as_pcm_float(pcm)))

    def stream(self) -> "SpeechStream":
        """A new streaming front end sharing this embedder's models."""
        return SpeechStream(self)


class SpeechStream:
    """Streaming front end: feed chunks of any size, get the embeddings they complete.

    The concatenation of everything :meth:`process` returns equals
    :meth:`SpeechEmbedder.embed_clip` on the concatenated audio (to float rounding).
    It buffers at most one embedding window of audio features between calls.

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

    def process(self, chunk: Any) -> np.ndarray:
        """Add a chunk of PCM (int16, or floats in [-1, 1]); return the new (k, 96) embeddings."""
        x = as_pcm_float(chunk, "chunk")
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
