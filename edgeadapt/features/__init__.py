"""Features of sensor windows: vibration statistics and spectra, slow-telemetry trends.

Every extractor is vectorized over windows: it takes an array of windows and returns
one feature row per window.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.features import Framer, VibrationFeatures
>>> windows = Framer(size=256, hop=128).push(np.random.default_rng(0).normal(size=(1024, 3)))
>>> VibrationFeatures(sample_rate=1000.0, bands=(0, 100, 250, 500)).transform(windows).shape
(7, 21)
"""

from .telemetry import TelemetryFeatures
from .vibration import VibrationFeatures, log_bands
from .windows import Framer, frames

__all__ = ["Framer", "frames", "VibrationFeatures", "log_bands", "TelemetryFeatures"]
