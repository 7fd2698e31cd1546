"""Telemetry features computed for every channel at once (the watcher's hot path).

:class:`ChannelFeatures` gives exactly the features of
:class:`edgeadapt.features.TelemetryFeatures` (level, rate and residual at each
scale, roughness; same names, same order, channel after channel) with array
operations over all channels together instead of a loop over channels, so one
window of eight channels costs a couple of dozen array operations instead of a
hundred. Each window's arithmetic does not depend on how many windows are computed
at once, so a stream cut into chunks differently gives the same features bit for
bit.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.features import TelemetryFeatures, frames
>>> rng = np.random.default_rng(0)
>>> rows = np.column_stack([np.arange(40) * 60.0, rng.normal(size=(40, 3))])
>>> w = frames(rows, size=13, hop=1)
>>> bool(np.allclose(ChannelFeatures((1, 3, 12)).transform(w), TelemetryFeatures((1, 3, 12)).transform(w)))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ...errors import InputError
from ...features import TelemetryFeatures
from ...features.telemetry import SECONDS_PER_HOUR

__all__ = ["ChannelFeatures", "FEATURE_BLOCK"]

# Windows computed together: the intermediate arrays (a few copies of the windows) stay
# near a megabyte whatever the call's size (a memory bound, no effect on the values).
FEATURE_BLOCK = 1024


class ChannelFeatures(TelemetryFeatures):
    """:class:`~edgeadapt.features.TelemetryFeatures` vectorized over channels.

    Parameters
    ----------
    scales : sequence of int
        Time scales in rows.
    """

    _cache: dict[tuple[int, ...], tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]] = {}

    @classmethod
    def _indices(cls, scales: tuple[int, ...]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        # rows k back from the newest, the same rows counted from the newest, and k + 1
        if scales not in cls._cache:
            ks = np.asarray(scales, dtype=np.intp)
            cls._cache[scales] = (-1 - ks, ks, (ks + 1.0).astype(np.float64)[None, :, None])
        return cls._cache[scales]

    def transform(self, windows: Any, checked: bool = False) -> npt.NDArray[np.float64]:
        """Features of every window, shape (n_windows, channels * len(feature_names())).

        ``checked=True`` skips the finiteness and time-order checks (the caller's
        :class:`~.watch.TimeLine` has already kept only finite rows in time order).
        """
        scales = self._checked_scales()
        w = np.asarray(windows, dtype=np.float64)
        size = max(scales) + 1
        if w.ndim != 3 or w.shape[1] != size or w.shape[2] < 2:
            raise InputError(
                f"windows must have shape (windows, {size}, 1 + channels) holding (timestamp, values...) rows, got {w.shape}"
            )
        t = w[:, :, 0]
        if not checked:
            if not np.all(np.isfinite(w)):
                raise InputError("telemetry windows hold NaN or Inf; drop or repair those rows first")
            if np.any(t[:, 1:] <= t[:, :-1]):
                raise InputError("telemetry timestamps must be strictly increasing within each window")
        if len(w) > FEATURE_BLOCK:
            return np.concatenate([self._block(w[k : k + FEATURE_BLOCK], scales) for k in range(0, len(w), FEATURE_BLOCK)])
        return self._block(w, scales)

    def _block(self, w: npt.NDArray[np.float64], scales: list[int]) -> npt.NDArray[np.float64]:
        t = w[:, :, 0]
        size = w.shape[1]
        n, channels, count = w.shape[0], w.shape[2] - 1, len(scales)
        v = w[:, :, 1:]
        newest = v[:, -1:, :]
        back, ahead, divisors = self._indices(tuple(scales))
        out = np.empty((n, channels, 2 + 2 * count))
        out[:, :, 0] = newest[:, 0, :]
        # every scale at once: rate (per hour, over the timestamps' own span) and residual
        span = t[:, -1:] - t[:, back]
        out[:, :, 1 : 1 + 2 * count : 2] = ((newest - v[:, back, :]) / span[:, :, None] * SECONDS_PER_HOUR).transpose(0, 2, 1)
        csum = np.cumsum(v[:, ::-1, :], axis=1)  # csum[:, j] = sum of the newest j + 1 values
        means = csum[:, ahead, :] / divisors
        out[:, :, 2 : 2 + 2 * count : 2] = (newest - means).transpose(0, 2, 1)
        # roughness: the population standard deviation of the row-to-row changes
        steps = v[:, 1:, :] - v[:, :-1, :]
        centred = steps - steps.sum(axis=1, keepdims=True) / (size - 1)
        out[:, :, -1] = np.sqrt((centred * centred).sum(axis=1) / (size - 1))
        return out.reshape(n, channels * out.shape[2])
