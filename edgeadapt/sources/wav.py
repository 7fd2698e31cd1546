"""16-bit PCM WAV files: read, write, and iterate in fixed-size chunks (stdlib ``wave``).

These are the strict, dependency-free readers (mono 16-bit only) used for the files
edgeadapt writes itself; user recordings of any format, rate and channel count go
through :func:`edgeadapt.sources.audiofile.read_audio`.

Examples
--------
>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "a.wav")
>>> write_wav(path, np.arange(10, dtype=np.int16), 16000)
>>> pcm, rate = read_wav(path)
>>> pcm.tolist(), rate
([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 16000)
>>> [c.tolist() for c in WavSource(path, 4)]
[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
"""

from __future__ import annotations

import os
import wave
from typing import Any, Iterator, Union

import numpy as np

from ..errors import InputError
from .audio import check_positive_int, to_int16

__all__ = ["read_wav", "write_wav", "WavSource", "WAV_SAMPLE_WIDTH"]

#: Bytes per sample of the WAV files edgeadapt reads and writes (16-bit PCM).
WAV_SAMPLE_WIDTH = 2
_MONO = 1

PathLike = Union[str, "os.PathLike[str]"]


def _open(path: PathLike) -> wave.Wave_read:
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"WAV file {path} does not exist: check the path")
    try:
        w = wave.open(path, "rb")
    except (wave.Error, EOFError) as e:
        raise InputError(
            f"{path} is not a PCM WAV file ({e}); read it with edgeadapt.sources.audiofile.read_audio, or convert it: 'sox {os.path.basename(path)} -r 16000 -b 16 -c 1 out.wav'"
        ) from e
    if w.getsampwidth() != WAV_SAMPLE_WIDTH or w.getnchannels() != _MONO:
        bits, ch = 8 * w.getsampwidth(), w.getnchannels()
        w.close()
        raise InputError(
            f"{path} is {bits}-bit with {ch} channel(s); read_wav reads 16-bit mono WAV: read it with "
            "edgeadapt.sources.audiofile.read_audio, or convert it: 'sox in.wav -r 16000 -b 16 -c 1 out.wav'"
        )
    return w


def read_wav(path: PathLike) -> tuple[np.ndarray, int]:
    """Read a 16-bit mono PCM WAV file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    pcm : numpy.ndarray of int16, shape (n,)
    sample_rate : int

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    InputError
        Not a WAV file, not 16-bit PCM, not mono, or truncated.
    """
    w = _open(path)
    with w:
        n = w.getnframes()
        data = w.readframes(n)
        rate = w.getframerate()
    if len(data) != n * WAV_SAMPLE_WIDTH:
        raise InputError(
            f"{os.fspath(path)} is truncated: its header declares {n} samples but holds "
            f"{len(data) // WAV_SAMPLE_WIDTH}; re-create or re-download the file"
        )
    return np.frombuffer(data, dtype="<i2").astype(np.int16), int(rate)


def write_wav(path: PathLike, pcm: Any, rate: int) -> None:
    """Write mono PCM (int16, or floats in [-1, 1]) as a 16-bit WAV file.

    Parameters
    ----------
    path : str or os.PathLike
    pcm : array_like
        1-D int16, or 1-D floats in ``[-1, 1]`` (converted as in
        :func:`edgeadapt.sources.audio.to_int16`).
    rate : int
        Sample rate in Hz.
    """
    rate = check_positive_int(rate, "rate")
    x = to_int16(pcm, "pcm")
    with wave.open(os.fspath(path), "wb") as w:
        w.setnchannels(_MONO)
        w.setsampwidth(WAV_SAMPLE_WIDTH)
        w.setframerate(rate)
        w.writeframes(x.astype("<i2").tobytes())


class WavSource:
    """Iterate over a 16-bit mono WAV file in int16 chunks of ``chunk_samples``.

    The file is read incrementally; the last chunk holds the remaining samples and may be
    shorter. Each iteration re-opens the file.

    Parameters
    ----------
    path : str or os.PathLike
    chunk_samples : int
        Samples per chunk, e.g. ``edgeadapt.embed.speech.EMBEDDING_HOP_SAMPLES``.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "b.wav")
    >>> write_wav(path, np.zeros(5000, np.int16), 8000)
    >>> src = WavSource(path, 1280)
    >>> src.sample_rate, [len(c) for c in src]
    (8000, [1280, 1280, 1280, 1160])
    """

    def __init__(self, path: PathLike, chunk_samples: int) -> None:
        self.path = path
        self.chunk_samples = chunk_samples

    @property
    def sample_rate(self) -> int:
        """Sample rate of the file, in Hz."""
        with _open(self.path) as w:
            return int(w.getframerate())

    def __iter__(self) -> Iterator[np.ndarray]:
        n = check_positive_int(self.chunk_samples, "chunk_samples")
        with _open(self.path) as w:
            while True:
                data = w.readframes(n)
                whole = len(data) // WAV_SAMPLE_WIDTH * WAV_SAMPLE_WIDTH  # a truncated file may end mid-sample
                if whole == 0:
                    return
                yield np.frombuffer(data[:whole], dtype="<i2").astype(np.int16)
