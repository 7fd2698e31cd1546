"""Cutting sample streams into windows with a hop.

:func:`frames` cuts one array; :class:`Framer` cuts a stream that arrives in chunks
of any size and yields exactly the windows :func:`frames` would yield on the whole
stream.

Examples
--------
>>> import numpy as np
>>> frames(np.arange(10.0)[:, None], size=4, hop=3)[:, :, 0].tolist()
[[0.0, 1.0, 2.0, 3.0], [3.0, 4.0, 5.0, 6.0], [6.0, 7.0, 8.0, 9.0]]
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError

__all__ = ["frames", "Framer"]


def _check_geometry(size: int, hop: int) -> None:
    if int(size) < 1 or int(hop) < 1:
        raise InputError(f"window size ({size}) and hop ({hop}) must be positive integers of samples")


def frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    """Cut ``x`` (samples, channels) into windows (windows, size, channels).

    Parameters
    ----------
    x : array of shape (n_samples, n_channels)
    size : int
        Samples per window.
    hop : int
        Samples between the starts of two windows (``hop < size`` overlaps them).

    Returns
    -------
    numpy.ndarray
        A new contiguous array; trailing samples that do not fill a window are dropped.

    Examples
    --------
    >>> frames(np.zeros((5, 2)), size=2, hop=2).shape
    (2, 2, 2)
    """
    _check_geometry(size, hop)
    x = np.asarray(x)
    if x.ndim != 2:
        raise InputError(f"x must have shape (samples, channels), got {x.shape}; reshape a single channel with x[:, None]")
    if len(x) < size:
        return np.empty((0, size, x.shape[1]), dtype=x.dtype)
    count = (len(x) - size) // hop + 1
    view = np.lib.stride_tricks.sliding_window_view(x, size, axis=0)[: (count - 1) * hop + 1 : hop]
    return np.ascontiguousarray(view.transpose(0, 2, 1))


class Framer:
    """Stream windowing: push chunks of samples, get the windows they complete.

    Parameters
    ----------
    size : int
        Samples per window.
    hop : int
        Samples between window starts.

    Notes
    -----
    The framer keeps at most ``size - 1`` pending samples (or ``hop - 1`` unused ones
    when ``hop > size``). It holds no adaptive state: after a restart a stream is
    resumed at the start of the next window (``windows_done * hop``).

    Examples
    --------
    >>> f = Framer(size=4, hop=2)
    >>> [f.push(np.arange(a, b, dtype=float)[:, None]).shape[0] for a, b in [(0, 3), (3, 7), (7, 8)]]
    [0, 2, 1]
    >>> f.windows_out
    3
    """

    def __init__(self, size: int, hop: int) -> None:
        self.size = size
        self.hop = hop
        self._pending: np.ndarray | None = None
        self._skip = 0
        self.windows_out = 0

    def rows_for(self, windows: int) -> int:
        """Samples still needed to complete ``windows`` more windows.

        Examples
        --------
        >>> f = Framer(size=4, hop=2); _ = f.push(np.zeros((5, 1)))
        >>> f.rows_for(1), f.rows_for(2)
        (1, 3)
        """
        if windows <= 0:
            return 0
        pending = 0 if self._pending is None else len(self._pending)
        return max((windows - 1) * self.hop + self.size - pending, 0) + self._skip

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Add samples (n, channels); return the windows (k, size, channels) now complete."""
        _check_geometry(self.size, self.hop)
        chunk = np.asarray(chunk)
        if chunk.ndim != 2:
            raise InputError(f"chunk must have shape (samples, channels), got {chunk.shape}")
        if self._pending is not None and self._pending.shape[1] != chunk.shape[1]:
            raise InputError(f"chunk has {chunk.shape[1]} channels, earlier chunks had {self._pending.shape[1]}")
        if self._skip:
            dropped = min(self._skip, len(chunk))
            chunk = chunk[dropped:]
            self._skip -= dropped
        buf = chunk if self._pending is None or not len(self._pending) else np.concatenate([self._pending, chunk])
        out = frames(buf, self.size, self.hop)
        used = len(out) * self.hop
        if used > len(buf):
            self._skip = used - len(buf)
        self._pending = buf[min(used, len(buf)) :].copy()
        self.windows_out += len(out)
        return out
