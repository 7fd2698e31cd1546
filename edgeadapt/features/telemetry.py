"""Features of slow univariate telemetry: level, rate of change and residuals at several scales.

A telemetry window is ``span + 1`` consecutive rows (timestamp in seconds, value),
where ``span`` is the largest scale; with a hop of one row every new row gives one
feature vector describing the newest value:

- ``level``: the newest value;
- ``rate@k``: change over the last ``k`` rows, per hour;
- ``resid@k``: newest value minus the mean of the last ``k + 1`` rows;
- ``rough``: standard deviation of the row-to-row changes over the window.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.features import frames
>>> t = np.arange(6) * 300.0                      # every 5 minutes
>>> v = np.array([20.0, 20.0, 20.0, 20.0, 21.0, 23.0])
>>> f = TelemetryFeatures(scales=(1, 4))
>>> w = frames(np.stack([t, v], axis=1), size=f.window_size(), hop=1)
>>> dict(zip(f.feature_names(), f.transform(w)[-1].round(2).tolist()))
{'level': 23.0, 'rate@1': 24.0, 'resid@1': 1.0, 'rate@4': 9.0, 'resid@4': 2.2, 'rough': 0.83}
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import numpy.typing as npt

from ..errors import InputError

__all__ = ["TelemetryFeatures", "DEFAULT_SCALES", "SECONDS_PER_HOUR", "FEATURE_BLOCK"]

DEFAULT_SCALES = (1, 3, 12)
SECONDS_PER_HOUR = 3600.0
# Windows computed together: the intermediate arrays (a few copies of the windows) stay
# near a megabyte whatever the call's size (a memory bound, no effect on the values).
FEATURE_BLOCK = 1024


class TelemetryFeatures:
    """Level, rates and residuals of the newest value of each telemetry window.

    Parameters
    ----------
    scales : sequence of int
        Time scales in rows (e.g. 1, 3 and 12 rows of 5 minutes: 5 min, 15 min, 1 h).
    """

    #: Per scale tuple: rows k back from the newest, the same rows counted from the newest, k + 1.
    _cache: dict[tuple[int, ...], tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]] = {}

    def __init__(self, scales: Sequence[int] = DEFAULT_SCALES) -> None:
        self.scales = scales

    @classmethod
    def _indices(cls, scales: tuple[int, ...]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        if scales not in cls._cache:
            ks = np.asarray(scales, dtype=np.intp)
            cls._cache[scales] = (-1 - ks, ks, (ks + 1.0).astype(np.float64)[None, :, None])
        return cls._cache[scales]

    def _checked_scales(self) -> list[int]:
        scales = [int(k) for k in self.scales]
        if not scales or min(scales) < 1:
            raise InputError(f"scales {list(self.scales)} must be one or more positive numbers of rows")
        return scales

    def window_size(self) -> int:
        """Rows per window: the largest scale plus one."""
        return max(self._checked_scales()) + 1

    def feature_names(self) -> list[str]:
        """Names of the output columns.

        Examples
        --------
        >>> TelemetryFeatures(scales=(2,)).feature_names()
        ['level', 'rate@2', 'resid@2', 'rough']
        """
        names = ["level"]
        for k in self._checked_scales():
            names += [f"rate@{k}", f"resid@{k}"]
        return names + ["rough"]

    def transform(self, windows: np.ndarray, checked: bool = False) -> npt.NDArray[np.float64]:
        """Features of every window, channel after channel.

        All channels are computed together with array operations, in blocks of
        :data:`FEATURE_BLOCK` windows; each window's arithmetic does not depend on how many
        are computed at once, so a stream cut into chunks differently gives the same
        features bit for bit. ``checked=True`` skips the finiteness and time-order checks
        (for a caller that has already kept only finite rows in time order).

        Parameters
        ----------
        windows : array of shape (n_windows, window_size(), 1 + channels)
            Column 0 holds timestamps in seconds (strictly increasing), the others values.

        Returns
        -------
        numpy.ndarray of shape (n_windows, channels * len(feature_names())), float64

        Examples
        --------
        >>> import numpy as np
        >>> w = np.array([[[0.0, 1.0, 10.0], [3600.0, 2.0, 30.0]]])
        >>> TelemetryFeatures(scales=(1,)).transform(w).tolist()
        [[2.0, 1.0, 0.5, 0.0, 30.0, 20.0, 10.0, 0.0]]
        """
        scales = self._checked_scales()
        w = np.asarray(windows, dtype=np.float64)
        size = max(scales) + 1
        if w.ndim != 3 or w.shape[1] != size or w.shape[2] < 2:
            raise InputError(
                f"windows must have shape (windows, {size}, 1 + channels) holding (timestamp, values...) rows, got {w.shape}"
            )
        if not checked:
            if not np.all(np.isfinite(w)):
                raise InputError("telemetry windows hold NaN or Inf; drop or repair those rows first")
            t = w[:, :, 0]
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
