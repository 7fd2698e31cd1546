"""Microphone capture through PortAudio (``sounddevice``), as int16 mono chunks.

``sounddevice`` is imported when the stream opens; it needs the PortAudio shared library
(Debian: ``libportaudio2``, installed by ``scripts/setup-system``).

Examples
--------
>>> mic = MicrophoneSource(chunk_samples=1280)   # nothing is opened yet
>>> mic.sample_rate, mic.chunk_samples, mic.device
(16000, 1280, None)
"""

from __future__ import annotations

from typing import Any, Iterator, Optional, Union

import numpy as np

from ..errors import InputError, MissingExtraError, missing_extra
from .audio import check_positive_int

__all__ = ["MicrophoneSource", "DEFAULT_SAMPLE_RATE", "DEFAULT_CHUNK_SAMPLES"]

#: Default capture rate: the speech front end's rate.
DEFAULT_SAMPLE_RATE = 16000
#: Default chunk: 80 ms at 16 kHz, one speech-embedding hop.
DEFAULT_CHUNK_SAMPLES = 1280
_MONO = 1
_DTYPE = "int16"


def _import_sounddevice() -> Any:
    try:
        import sounddevice
    except ImportError:
        raise missing_extra("sounddevice", "audio", "microphone capture") from None
    except OSError as e:  # the Python package is there, the PortAudio library is not
        raise MissingExtraError(
            f"microphone capture needs the PortAudio library ({e}): install it with "
            "'scripts/setup-system' or 'apt-get install libportaudio2'"
        ) from e
    return sounddevice


class MicrophoneSource:
    """Capture int16 mono chunks from an input device.

    Use it as a context manager (opens and closes the PortAudio stream) and iterate over
    it; each item is a new int16 array of exactly ``chunk_samples`` samples. Iterating
    without ``with`` opens the stream for the duration of the loop.

    Parameters
    ----------
    sample_rate : int, default 16000
    chunk_samples : int, default 1280
    device : int, str or None
        A PortAudio device index or name substring; ``None`` is the system default.
        ``python -m sounddevice`` lists the devices.

    Attributes
    ----------
    overflows : int
        Chunks during which the input overflowed (samples were lost before them).

    Examples
    --------
    >>> MicrophoneSource(chunk_samples=0).open()
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: chunk_samples must be a positive integer, got 0
    """

    def __init__(self, sample_rate: int = DEFAULT_SAMPLE_RATE, chunk_samples: int = DEFAULT_CHUNK_SAMPLES,
                 device: Optional[Union[int, str]] = None) -> None:
        self.sample_rate = sample_rate
        self.chunk_samples = chunk_samples
        self.device = device
        self._stream = None
        self.overflows = 0

    def open(self) -> "MicrophoneSource":
        """Open and start the capture stream (idempotent); return ``self``."""
        if self._stream is not None:
            return self
        rate = check_positive_int(self.sample_rate, "sample_rate")
        n = check_positive_int(self.chunk_samples, "chunk_samples")
        sd = _import_sounddevice()
        try:
            stream = sd.InputStream(samplerate=rate, channels=_MONO, dtype=_DTYPE, blocksize=n,
                                    device=self.device)
            stream.start()
        except (sd.PortAudioError, ValueError) as e:
            raise InputError(
                f"cannot open input device {self.device!r} at {rate} Hz mono int16 ({e}); list the "
                "devices with 'python -m sounddevice' and pass device= one with input channels, "
                "or a sample_rate it supports"
            ) from e
        self._stream = stream
        self.overflows = 0
        return self

    def close(self) -> None:
        """Stop and close the stream (idempotent)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()

    def read(self) -> np.ndarray:
        """Block until the next chunk is captured and return it (int16, ``chunk_samples``)."""
        if self._stream is None:
            raise InputError("the microphone is not open: use 'with MicrophoneSource(...) as mic' or call open()")
        data, overflowed = self._stream.read(int(self.chunk_samples))
        if overflowed:
            self.overflows += 1
        return np.ascontiguousarray(data[:, 0], dtype=np.int16).copy()

    def __enter__(self) -> "MicrophoneSource":
        return self.open()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __iter__(self) -> Iterator[np.ndarray]:
        owned = self._stream is None
        self.open()
        try:
            while self._stream is not None:
                yield self.read()
        finally:
            if owned:
                self.close()
