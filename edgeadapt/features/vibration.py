"""Vibration features of multichannel windows: RMS, peak, crest factor, kurtosis, band energies.

All features are computed per channel, vectorized over windows, after removing each
window's mean (an accelerometer's gravity offset). Band energies come from the power
spectrum of the Hann-windowed signal. With ``log=True`` (the default) every feature is
returned as its natural logarithm, which makes the distribution of each feature closer
to Gaussian and turns a scale change of the machine into a shift.

Examples
--------
>>> import numpy as np
>>> t = np.arange(2048) / 8000.0
>>> tone = np.sin(2 * np.pi * 1000.0 * t)[None, :, None]
>>> f = VibrationFeatures(sample_rate=8000.0, bands=(0, 500, 2000, 4000), log=False)
>>> row = dict(zip(f.feature_names(["x"]), f.transform(tone)[0].tolist()))
>>> round(row["x.rms"], 3), round(row["x.crest"], 3), round(row["x.kurtosis"], 2)
(0.707, 1.414, 1.5)
>>> int(np.argmax([row["x.band0"], row["x.band1"], row["x.band2"]]))
1
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..errors import InputError

__all__ = ["VibrationFeatures", "log_bands", "STATISTICS", "DEFAULT_BAND_COUNT", "DEFAULT_LOWEST_BAND_HZ"]

STATISTICS = ("rms", "peak", "crest", "kurtosis")
DEFAULT_BAND_COUNT = 8
DEFAULT_LOWEST_BAND_HZ = 10.0
# Features are floored here before the logarithm so that a silent channel stays finite.
LOG_FLOOR = 1e-12


def log_bands(sample_rate: float, count: int = DEFAULT_BAND_COUNT, lowest: float = DEFAULT_LOWEST_BAND_HZ) -> tuple[float, ...]:
    """Edges in Hz of ``count`` bands equally wide on a log scale from ``lowest`` to Nyquist.

    Log-spaced bands match how fault frequencies scale with shaft speed. Content
    below ``lowest`` (sensor drift, and the leakage of the shaft's 1x as its speed
    wanders) is left out.

    Examples
    --------
    >>> [round(e) for e in log_bands(10000.0, count=4)]
    [10, 47, 224, 1057, 5000]
    """
    nyquist = sample_rate / 2.0
    if count < 1 or not 0 < lowest < nyquist:
        raise InputError(f"need count >= 1 band and 0 < lowest ({lowest} Hz) < Nyquist ({nyquist} Hz)")
    return tuple(float(e) for e in np.geomspace(lowest, nyquist, count + 1))


class VibrationFeatures:
    """Per-channel statistics and spectral band energies of vibration windows.

    Parameters
    ----------
    sample_rate : float
        Samples per second of the windows.
    bands : sequence of float, optional
        Increasing band edges in Hz from which the spectral energies are summed (band
        ``i`` covers ``[bands[i], bands[i+1])``, the last band includes Nyquist).
        Default: :func:`log_bands` of the sample rate.
    statistics : sequence of str
        Which of ``"rms", "peak", "crest", "kurtosis"`` to compute, in that order.
    log : bool
        Return natural logarithms of the features.

    Notes
    -----
    Features are laid out channel by channel: the statistics of channel 0, its band
    energies, then channel 1, and so on (``feature_names`` gives the names), so a
    per-channel baseline can take contiguous blocks.
    """

    def __init__(
        self,
        sample_rate: float,
        bands: Sequence[float] | None = None,
        statistics: Sequence[str] = STATISTICS,
        log: bool = True,
    ) -> None:
        self.sample_rate = sample_rate
        self.bands = bands
        self.statistics = statistics
        self.log = log
        self._plan: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ layout
    def band_edges(self) -> tuple[float, ...]:
        """The band edges in Hz actually used."""
        if self.bands is None:
            return log_bands(float(self.sample_rate))
        return tuple(float(b) for b in self.bands)

    def features_per_channel(self) -> int:
        """Number of features of one channel (statistics plus bands).

        Examples
        --------
        >>> VibrationFeatures(1000.0, bands=(0, 100, 500)).features_per_channel()
        6
        """
        return len(self.statistics) + len(self.band_edges()) - 1

    def feature_names(self, channels: Sequence[str]) -> list[str]:
        """Names of the output columns for the given channel names.

        Examples
        --------
        >>> VibrationFeatures(1000.0, bands=(0, 100, 500), statistics=("rms",)).feature_names(["x", "y"])
        ['x.rms', 'x.band0', 'x.band1', 'y.rms', 'y.band0', 'y.band1']
        """
        per = list(self.statistics) + [f"band{i}" for i in range(len(self.band_edges()) - 1)]
        return [f"{c}.{name}" for c in channels for name in per]

    def check_window(self, size: int) -> None:
        """Raise :class:`InputError` unless windows of ``size`` samples work with the bands.

        Examples
        --------
        >>> VibrationFeatures(1000.0, bands=(10, 20, 500)).check_window(16)
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: a band of [10.0, 20.0, 500.0] Hz holds no spectral bin at 62.5 Hz resolution (window of 16 samples); widen the band or use a longer window
        """
        self._band_plan(int(size))

    def _band_plan(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._plan is not None and self._plan[0] == size:
            return self._plan[1:]
        unknown = [s for s in self.statistics if s not in STATISTICS]
        if unknown:
            raise InputError(f"statistics {unknown} are unknown; choose among {list(STATISTICS)}")
        edges = np.asarray(self.band_edges(), dtype=np.float64)
        nyquist = float(self.sample_rate) / 2.0
        if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0 or edges[-1] > nyquist:
            raise InputError(
                f"bands {edges.tolist()} must be at least two increasing edges in Hz within [0, {nyquist}] (Nyquist)"
            )
        freqs = np.fft.rfftfreq(size, d=1.0 / float(self.sample_rate))
        starts = np.searchsorted(freqs, edges[:-1], side="left")
        stops = np.searchsorted(freqs, edges[1:], side="left")
        stops[-1] = np.searchsorted(freqs, edges[-1], side="right")
        if np.any(stops <= starts):
            resolution = float(self.sample_rate) / size
            raise InputError(
                f"a band of {edges.tolist()} Hz holds no spectral bin at {resolution:.3g} Hz resolution "
                f"(window of {size} samples); widen the band or use a longer window"
            )
        if np.any(starts[1:] != stops[:-1]):
            raise InputError(f"bands {edges.tolist()} must be contiguous edges")  # pragma: no cover (edges are)
        taper = np.hanning(size).astype(np.float32)
        self._plan = (size, starts, stops, taper)
        return starts, stops, taper

    # ------------------------------------------------------------------ compute
    def transform(self, windows: np.ndarray) -> np.ndarray:
        """Features of every window.

        Parameters
        ----------
        windows : array of shape (n_windows, size, n_channels)

        Returns
        -------
        numpy.ndarray of shape (n_windows, n_channels * features_per_channel()), float64
        """
        x = np.asarray(windows)
        if x.ndim != 3:
            raise InputError(f"windows must have shape (windows, samples, channels), got {x.shape}; use Framer or frames()")
        n, size, channels = x.shape
        if size < 2:
            raise InputError(f"windows of {size} sample cannot have a spectrum; use windows of at least 2 samples")
        starts, stops, taper = self._band_plan(size)
        # work channel by channel along the last axis: contiguous and fast
        x = np.array(np.swapaxes(x, 1, 2), dtype=np.float32, order="C", copy=True)  # (n, channels, size)
        if not np.all(np.isfinite(x)):
            raise InputError("windows hold NaN or Inf samples; drop or repair those samples before computing features")
        x -= x.mean(axis=2, keepdims=True, dtype=np.float64).astype(np.float32)
        sq = x * x
        ms = sq.mean(axis=2, dtype=np.float64)
        rms = np.sqrt(ms)
        columns: dict[str, np.ndarray] = {}
        safe = np.maximum(rms, LOG_FLOOR)
        if "rms" in self.statistics:
            columns["rms"] = rms
        if "peak" in self.statistics or "crest" in self.statistics:
            peak = np.abs(x).max(axis=2).astype(np.float64)
            columns["peak"] = peak
            columns["crest"] = peak / safe
        if "kurtosis" in self.statistics:
            columns["kurtosis"] = (sq * sq).mean(axis=2, dtype=np.float64) / np.maximum(ms, LOG_FLOOR) ** 2
        spectrum = np.fft.rfft(x * taper, axis=2)
        power = (spectrum.real.astype(np.float64) ** 2 + spectrum.imag.astype(np.float64) ** 2)[:, :, : stops[-1]]
        energy = np.add.reduceat(power, starts, axis=2) / size  # bands are contiguous
        parts = [columns[s][:, :, None] for s in self.statistics] + [energy]
        out = np.concatenate(parts, axis=2).reshape(n, -1)  # (n, channels * per_channel)
        if self.log:
            out = np.log(np.maximum(out, LOG_FLOOR))
        return out
