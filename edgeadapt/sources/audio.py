"""Audio helpers shared by the WAV and microphone sources: int16 conversion, re-chunking.

PCM in edgeadapt is mono ``int16``. Floating audio is full-scale normalized: ``[-1, 1]``
maps to int16 by multiplying with :data:`PCM_FULL_SCALE` (32768), then rounding and
saturating at the int16 limits, so ``to_int16(x / 32768)`` gives ``x`` back for int16 ``x``.

Examples
--------
>>> import numpy as np
>>> to_int16(np.array([0.0, 0.5, -1.0, 1.0])).tolist()
[0, 16384, -32768, 32767]
>>> r = Rechunker(4)
>>> [c.tolist() for c in r.push(np.arange(6, dtype=np.int16))]
[[0, 1, 2, 3]]
>>> r.pending
2
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["PCM_FULL_SCALE", "to_int16", "resample", "check_positive_int", "Rechunker"]

#: Float PCM in [-1, 1] times this is int16-scaled.
PCM_FULL_SCALE = 32768.0
_INT16 = np.iinfo(np.int16)


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as int if it is a positive integer, else raise InputError naming ``name``.

    Examples
    --------
    >>> check_positive_int(1280, "chunk_samples")
    1280
    >>> check_positive_int(0, "chunk_samples")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: chunk_samples must be a positive integer, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def to_int16(pcm: Any, name: str = "pcm") -> np.ndarray:
    """Mono PCM as a new contiguous int16 array.

    Parameters
    ----------
    pcm : array_like
        1-D int16 (copied), or 1-D floats in ``[-1, 1]`` (scaled by 32768, rounded,
        saturated at 32767).
    name : str
        Argument name for error messages.

    Returns
    -------
    numpy.ndarray of int16

    Examples
    --------
    >>> to_int16(np.array([np.nan]))
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: pcm holds NaN or Inf; replace those samples (e.g. np.nan_to_num) first
    """
    arr = np.asarray(pcm)
    if arr.ndim != 1:
        raise InputError(
            f"{name} must be 1-D mono samples, got shape {arr.shape}; take one channel ({name}[:, 0]) "
            "or average the channels"
        )
    if arr.dtype == np.int16:
        return np.array(arr, dtype=np.int16, copy=True)
    if np.issubdtype(arr.dtype, np.floating):
        x = arr.astype(np.float64)
        if x.size and not np.isfinite(x).all():
            raise InputError(f"{name} holds NaN or Inf; replace those samples (e.g. np.nan_to_num) first")
        if x.size and np.abs(x).max() > 1.0:
            raise InputError(
                f"{name} is floating with values beyond [-1, 1]; float PCM must be normalized: divide "
                f"int16-scaled values by {PCM_FULL_SCALE:g}, or pass int16"
            )
        return np.clip(np.round(x * PCM_FULL_SCALE), _INT16.min, _INT16.max).astype(np.int16)
    raise InputError(
        f"{name} has dtype {arr.dtype}; pass int16 samples or floats in [-1, 1] "
        f"(e.g. {name}.astype(np.int16) if the values are int16-scaled)"
    )


def resample(pcm: Any, rate: int, target: int) -> np.ndarray:
    """Mono PCM resampled from ``rate`` to ``target`` Hz as int16 (polyphase filter).

    Uses :func:`scipy.signal.resample_poly` (Kaiser-windowed FIR, the ratio reduced by
    the greatest common divisor), in-process, so 8 kHz or 44.1/48 kHz recordings need no
    external tool.

    Parameters
    ----------
    pcm : array_like
        int16 samples or floats in ``[-1, 1]``.
    rate, target : int
        Sample rates in Hz (positive integers).

    Returns
    -------
    numpy.ndarray of int16

    Examples
    --------
    >>> resample(np.zeros(800, np.int16), 8000, 16000).shape
    (1600,)
    >>> resample(np.arange(4, dtype=np.int16), 16000, 16000).tolist()    # same rate: a copy
    [0, 1, 2, 3]
    """
    import math

    x = to_int16(pcm)
    rate, target = check_positive_int(rate, "rate"), check_positive_int(target, "target")
    if rate == target:
        return x
    try:
        from scipy.signal import resample_poly
    except ModuleNotFoundError:
        from ..errors import missing_extra

        raise missing_extra("scipy", "audio", f"resampling {rate} Hz audio to {target} Hz") from None
    g = math.gcd(rate, target)
    y = resample_poly(x.astype(np.float64), target // g, rate // g)
    return np.clip(np.round(y), _INT16.min, _INT16.max).astype(np.int16)


class Rechunker:
    """Cut a stream of int16 blocks of any sizes into chunks of exactly ``chunk_samples``.

    Parameters
    ----------
    chunk_samples : int
        Samples per chunk.

    Examples
    --------
    >>> r = Rechunker(3)
    >>> r.push(np.array([1, 2], np.int16))
    []
    >>> [c.tolist() for c in r.push(np.array([3, 4, 5, 6, 7], np.int16))]
    [[1, 2, 3], [4, 5, 6]]
    >>> r.flush().tolist()
    [7]
    """

    def __init__(self, chunk_samples: int) -> None:
        self.chunk_samples = chunk_samples
        self._buf = np.empty(0, np.int16)

    @property
    def pending(self) -> int:
        """Samples held back, waiting for a full chunk."""
        return int(self._buf.shape[0])

    def push(self, block: Any) -> list[np.ndarray]:
        """Add a block (int16 or floats in [-1, 1]); return the full chunks it completes."""
        n = check_positive_int(self.chunk_samples, "chunk_samples")
        x = to_int16(block, "block")
        buf = np.concatenate([self._buf, x]) if self._buf.size else x
        full = buf.shape[0] // n
        chunks = [buf[i * n:(i + 1) * n].copy() for i in range(full)]
        self._buf = buf[full * n:].copy()
        return chunks

    def flush(self) -> np.ndarray:
        """Return the held-back samples (fewer than a chunk) and empty the buffer."""
        out, self._buf = self._buf, np.empty(0, np.int16)
        return out
