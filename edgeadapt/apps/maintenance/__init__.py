"""Predictive maintenance: learn a machine's normal, then watch for deviations.

The pieces compose: features (:mod:`edgeadapt.features`) turn sensor windows into
vectors; a :class:`BaselineScorer` learns the normal and scores new windows in
[0, 1]; a :class:`Monitor` adds alert guard rails and slow adaptation;
:class:`MachineWatch` ties a feature extractor, a monitor and the resume position
into one persisted state, driven by ``edgeadapt maintenance learn|watch``.
See ``docs/maintenance.md``.

Examples
--------
>>> from edgeadapt.apps.maintenance import MaintenanceConfig, MachineWatch, synth
>>> machine = synth.MachineSpec.random(seed=1)
>>> x = synth.vibration(machine, seconds=6.0, sample_rate=4000.0, seed=2)
>>> cfg = MaintenanceConfig.vibration(sample_rate=4000.0, channels=("x", "y", "z"), window=1024, learn_windows=16)
>>> watch = MachineWatch(cfg)
>>> watch.update_many(x)
>>> watch.monitor.phase, watch.cursor.rows   # 16 windows are too little evidence to calibrate
('learning', 23040)
"""

from typing import TYPE_CHECKING

from ..._lazy import lazy_package

if TYPE_CHECKING:  # imported on first use (edgeadapt._lazy): `edgeadapt --help` loads no numpy
    from .baseline import Baseline, BaselineScorer
    from .monitor import AdaptationLimiter, Monitor, WindowResults
    from .watch import Cursor, MachineWatch, MaintenanceConfig, TelemetryConfig, TimeLine, VibrationConfig
    from . import synth

__all__ = [
    "Baseline",
    "BaselineScorer",
    "AdaptationLimiter",
    "Monitor",
    "WindowResults",
    "Cursor",
    "MachineWatch",
    "MaintenanceConfig",
    "VibrationConfig",
    "TelemetryConfig",
    "TimeLine",
    "synth",
]
lazy_package(__name__, {
    "Baseline": ".baseline", "BaselineScorer": ".baseline",
    "AdaptationLimiter": ".monitor", "Monitor": ".monitor", "WindowResults": ".monitor",
    "Cursor": ".watch", "MachineWatch": ".watch", "MaintenanceConfig": ".watch", "TelemetryConfig": ".watch",
    "TimeLine": ".watch", "VibrationConfig": ".watch", "synth": ".synth",
})
