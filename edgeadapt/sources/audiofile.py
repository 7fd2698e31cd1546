"""Audio files of any common kind, read in-process: WAV (incl. WAVE_FORMAT_EXTENSIBLE,
8/16/24/32-bit and float), FLAC, OGG and the rest of libsndfile's formats, any sample
rate from 8 to 192 kHz, any number of channels.

:func:`read_audio` decodes with soundfile (libsndfile, bundled in its wheels), mixes the
channels to mono by their mean, resamples with :func:`edgeadapt.sources.audio.resample`
(scipy's polyphase filter, the package's one resampler) and returns int16 PCM, so a USB
microphone's 48 kHz stereo recording needs no ``sox``. Each conversion is logged as one
line at INFO on the ``edgeadapt.sources.audiofile`` logger (the CLI prints it as a note).
``"-"`` reads the file from standard input.

Examples
--------
>>> import os, tempfile, numpy as np, soundfile
>>> path = os.path.join(tempfile.mkdtemp(), "stereo.flac")
>>> t = np.arange(44100) / 44100
>>> tone = 0.5 * np.sin(2 * np.pi * 440 * t)
>>> soundfile.write(path, np.stack([tone, tone], axis=1), 44100)
>>> pcm, info = read_audio(path, rate=16000)
>>> pcm.dtype, pcm.shape, info.rate, (info.source_rate, info.channels, info.format)
(dtype('int16'), (16000,), 16000, (44100, 2, 'FLAC'))
>>> info.conversion
'2 channels mixed to mono, 44100 Hz resampled to 16000 Hz'
"""

from __future__ import annotations

import io
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator, Union

import numpy as np
import numpy.typing as npt

from ..errors import InputError, missing_extra
from .audio import check_positive_int, resample

__all__ = ["read_audio", "AudioInfo", "AudioFileSource", "MIN_RATE", "MAX_RATE", "STDIN"]

log = logging.getLogger(__name__)

#: Lowest sample rate read: below 8 kHz (telephone band) speech models have nothing to work with.
MIN_RATE = 8000
#: Highest sample rate read: studio recordings go to 192 kHz; beyond that is not audio for us.
MAX_RATE = 192000
#: The path that means standard input.
STDIN = "-"
#: Subtypes libsndfile decodes to int16 exactly (no scaling of our own).
_INT16_EXACT = ("PCM_16",)

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class AudioInfo:
    """What a file held and what :func:`read_audio` made of it.

    Attributes
    ----------
    path : str
        The file (``"-"`` for standard input).
    format, subtype : str
        libsndfile's names (``"WAV"``, ``"FLAC"``; ``"PCM_16"``, ``"PCM_24"``, ``"FLOAT"``).
    source_rate, channels, frames : int
        As stored in the file.
    rate : int
        Sample rate of the returned PCM.
    clipped : int
        Samples of a floating-point file beyond full scale, clipped.
    """

    path: str
    format: str
    subtype: str
    source_rate: int
    channels: int
    frames: int
    rate: int
    clipped: int = 0

    @property
    def conversion(self) -> str | None:
        """What was done to the audio, in words; ``None`` if it was used as stored."""
        steps = []
        if self.channels != 1:
            steps.append(f"{self.channels} channels mixed to mono")
        if self.source_rate != self.rate:
            steps.append(f"{self.source_rate} Hz resampled to {self.rate} Hz")
        if self.clipped:
            steps.append(f"{self.clipped} samples beyond full scale clipped")
        return ", ".join(steps) or None

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return self.frames / self.source_rate


def _soundfile() -> Any:
    try:
        import soundfile
    except ModuleNotFoundError:
        raise missing_extra("soundfile", "audio", "reading audio files") from None
    except OSError as e:  # the wheel's bundled libsndfile cannot load (an unusual platform)
        raise InputError(f"soundfile is installed but libsndfile cannot be loaded ({e}); install "
                         "libsndfile1 with the system's package manager") from None
    return soundfile


def _open_input(path: PathLike) -> tuple[str, Union[str, BinaryIO]]:
    name = os.fspath(path)
    if name == STDIN:
        return name, io.BytesIO(sys.stdin.buffer.read())  # libsndfile needs to seek in a WAV header
    if not os.path.exists(name):
        raise FileNotFoundError(f"audio file {name} does not exist: check the path")
    if os.path.isdir(name):
        raise InputError(f"{name} is a directory, not an audio file: give the files in it")
    return name, name


def read_audio(path: PathLike, rate: int | None = None) -> tuple[npt.NDArray[np.int16], AudioInfo]:
    """Read an audio file as mono int16 PCM, at ``rate`` Hz if given.

    Parameters
    ----------
    path : str or os.PathLike
        The file, or ``"-"`` for standard input.
    rate : int, optional
        Sample rate wanted (e.g. 16000); ``None`` keeps the file's.

    Returns
    -------
    pcm : numpy.ndarray of int16, shape (n,)
    info : AudioInfo
        What the file held and what was converted (also logged as one line).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    InputError
        Not an audio file libsndfile reads, a rate outside 8–192 kHz, or a damaged file.
    MissingExtraError
        soundfile (or scipy, to resample) is not installed: ``pip install 'edgeadapt[audio]'``.

    Examples
    --------
    >>> import tempfile, numpy as np, soundfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ext.wav")
    >>> soundfile.write(path, np.zeros((800, 3), np.int16), 8000, format="WAVEX", subtype="PCM_24")
    >>> pcm, info = read_audio(path)
    >>> pcm.shape, info.rate, info.subtype, info.conversion
    ((800,), 8000, 'PCM_24', '3 channels mixed to mono')
    """
    sf = _soundfile()
    if rate is not None:
        rate = check_positive_int(rate, "rate")
    name, source = _open_input(path)
    try:
        with sf.SoundFile(source) as f:
            fmt, subtype, source_rate, channels = f.format, f.subtype, int(f.samplerate), int(f.channels)
            if not MIN_RATE <= source_rate <= MAX_RATE:
                raise InputError(
                    f"{name} is sampled at {source_rate} Hz; edgeadapt reads {MIN_RATE}-{MAX_RATE} Hz audio: "
                    "re-record it, or convert it with 'sox in.wav -r 16000 out.wav'"
                )
            exact = subtype in _INT16_EXACT
            data = f.read(dtype="int16" if exact else "float64", always_2d=True)
    except (RuntimeError, EOFError) as e:  # soundfile.LibsndfileError is a RuntimeError
        reason = getattr(e, "error_string", None) or str(e)  # libsndfile's reason, without the path again
        raise InputError(
            f"{name} is not an audio file that can be read ({reason}); WAV, FLAC and OGG are read: convert "
            "others with 'sox in.xyz -r 16000 -c 1 out.wav'"
        ) from None
    frames = int(data.shape[0])  # what was decoded (a cut file holds fewer than its header says)
    clipped = 0
    if exact:
        mono = data[:, 0] if channels == 1 else data.astype(np.float64).mean(axis=1) / 32768.0
    else:
        clipped = int(np.count_nonzero(np.abs(data) > 1.0))
        if data.size and not np.isfinite(data).all():
            raise InputError(f"{name} holds NaN or Inf samples: the file is damaged; re-export it")
        mono = np.clip(data, -1.0, 1.0).mean(axis=1)
    target = source_rate if rate is None else rate
    pcm = resample(mono, source_rate, target)  # int16 mono either way; a copy when the rate is kept
    info = AudioInfo(path=name, format=fmt, subtype=subtype, source_rate=source_rate, channels=channels,
                     frames=frames, rate=target, clipped=clipped)
    if info.conversion:
        log.info("%s: %s %s, %s in-process", name, fmt, subtype, info.conversion)
    return pcm, info


class AudioFileSource:
    """Iterate over an audio file as mono int16 chunks of ``chunk_samples`` at ``rate`` Hz.

    The file is decoded and converted once, when iteration starts (:func:`read_audio`);
    the last chunk holds the remaining samples and may be shorter.

    Parameters
    ----------
    path : str or os.PathLike
        The file, or ``"-"`` for standard input (read once).
    chunk_samples : int
        Samples per chunk, at ``rate``.
    rate : int, optional
        Sample rate of the chunks (default: the file's).

    Examples
    --------
    >>> import tempfile, numpy as np, soundfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.flac")
    >>> soundfile.write(path, np.zeros(4800, np.int16), 48000)
    >>> [len(c) for c in AudioFileSource(path, 600, rate=16000)]
    [600, 600, 400]
    """

    def __init__(self, path: PathLike, chunk_samples: int, rate: int | None = None) -> None:
        self.path = path
        self.chunk_samples = chunk_samples
        self.rate = rate
        self.info: AudioInfo | None = None

    def __iter__(self) -> Iterator[npt.NDArray[np.int16]]:
        n = check_positive_int(self.chunk_samples, "chunk_samples")
        pcm, self.info = read_audio(self.path, self.rate)
        for start in range(0, pcm.shape[0], n):
            yield pcm[start:start + n].copy()
