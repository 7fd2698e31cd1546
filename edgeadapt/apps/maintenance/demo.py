"""Sample data of ``edgeadapt maintenance demo``, written into a directory of its own.

:func:`write_demo_data` writes a synthetic 3-axis vibration recording of a rotating
machine (see :mod:`.synth`) whose outer-race bearing defect starts at
``DEMO_FAULT_ONSET_S`` and grows; ``maintenance demo`` (in :mod:`.cli`) then runs the two
commands a user would, ``learn`` on the first ``DEMO_LEARN_S`` seconds and ``watch`` on
the rest, with the state and the per-window output beside the data. Nothing outside that
directory is touched; a new run removes the demo's own state and output first.

Examples
--------
>>> import os, tempfile
>>> where = os.path.join(tempfile.mkdtemp(), "demo")
>>> paths = write_demo_data(where)
>>> sorted(os.listdir(where)), [os.path.basename(p) for p in paths]
(['pump.csv'], ['pump.csv', 'pump.ea', 'scores.csv'])
"""

from __future__ import annotations

import os

from . import synth

__all__ = ["write_demo_data", "DEMO_WINDOW", "DEMO_DIR", "DEMO_SECONDS", "DEMO_LEARN_S", "DEMO_FAULT_ONSET_S"]

DEMO_DIR = "edgeadapt-maintenance-demo"
# A minute of signal at 4 kHz: 20 s of normal running to learn from, a fault from 35 s.
DEMO_SECONDS = 60.0
DEMO_SAMPLE_RATE = 4000.0
DEMO_LEARN_S = 20.0
DEMO_FAULT_ONSET_S = 35.0
DEMO_WINDOW = 1024
DEMO_MACHINE_SEED = 7
DEMO_NOISE_SEED = 1
FILES = ("pump.csv", "pump.ea", "scores.csv")


def write_demo_data(directory: str = DEMO_DIR, seconds: float = DEMO_SECONDS) -> tuple[str, str, str]:
    """Write the recording into ``directory`` (created if needed); return the data, state and output paths.

    The demo's own state and output from an earlier run are removed, so a run starts afresh.
    """
    os.makedirs(directory, exist_ok=True)
    csv, state, scores = (os.path.join(directory, name) for name in FILES)
    for stale in (state, scores):
        if os.path.exists(stale):
            os.remove(stale)
    machine = synth.MachineSpec.random(seed=DEMO_MACHINE_SEED)
    fault = synth.Fault("outer", onset=DEMO_FAULT_ONSET_S, growth=seconds - DEMO_FAULT_ONSET_S, severity_start=0.2)
    x = synth.vibration(machine, seconds, DEMO_SAMPLE_RATE, seed=DEMO_NOISE_SEED, fault=fault)
    synth.write_vibration_csv(csv, x, DEMO_SAMPLE_RATE)
    return csv, state, scores
