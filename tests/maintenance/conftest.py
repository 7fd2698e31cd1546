"""Small shared streams for the maintenance tests (a few seconds of signal each)."""

from __future__ import annotations

import numpy as np
import pytest

from edgeadapt.apps.maintenance import MaintenanceConfig, synth

SAMPLE_RATE = 4000.0
CHANNELS = ("x", "y", "z")
WINDOW = 1024


@pytest.fixture(scope="session")
def machine() -> synth.MachineSpec:
    return synth.MachineSpec.random(seed=11)


@pytest.fixture(scope="session")
def small_config() -> MaintenanceConfig:
    return MaintenanceConfig.vibration(SAMPLE_RATE, CHANNELS, window=WINDOW, learn_windows=560, min_duration=2, refractory=5)


@pytest.fixture(scope="session")
def normal_then_fault(machine: synth.MachineSpec) -> tuple[np.ndarray, float]:
    """120 s of vibration; an imbalance starts at 80 s and grows."""
    fault = synth.Fault("imbalance", onset=80.0, growth=30.0, severity_start=0.1, severity_end=1.0, exponent=1.0)
    return synth.vibration(machine, 120.0, SAMPLE_RATE, seed=3, fault=fault), 80.0
