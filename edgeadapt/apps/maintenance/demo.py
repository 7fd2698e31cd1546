"""``edgeadapt maintenance demo``: make sample data in its own directory, then learn and watch it.

The demo writes a synthetic 3-axis vibration recording of a rotating machine (see
:mod:`.synth`) whose outer-race bearing defect starts at ``DEMO_FAULT_ONSET_S`` and grows,
into a directory of its own (``edgeadapt-maintenance-demo`` by default), then runs the
same two commands a user would: ``maintenance learn`` on the first ``DEMO_LEARN_S``
seconds and ``maintenance watch`` on the rest, with the state and the per-window output
in that directory. It never touches any other state file; running it again starts afresh
in its directory.

Examples
--------
>>> import contextlib, io, os, tempfile
>>> where = os.path.join(tempfile.mkdtemp(), "demo")
>>> with contextlib.redirect_stdout(io.StringIO()):   # learn prints its one-line summary
...     summary = run_demo(where, seconds=DEMO_SECONDS)
>>> sorted(os.listdir(where))
['pump.csv', 'pump.ea', 'scores.csv']
>>> summary["first_alert_s"] > DEMO_FAULT_ONSET_S
True
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from . import synth

__all__ = ["run_demo", "DEMO_DIR", "DEMO_SECONDS", "DEMO_LEARN_S", "DEMO_FAULT_ONSET_S"]

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


def run_demo(directory: str = DEMO_DIR, seconds: float = DEMO_SECONDS) -> dict[str, Any]:
    """Write the sample recording into ``directory``, learn, watch; return a summary.

    The summary holds the files, the learning and monitoring windows, the alerts and
    the time of the first one (None if none was raised).
    """
    from .cli import Session, _learn, _watch

    os.makedirs(directory, exist_ok=True)
    csv, state, scores = (os.path.join(directory, name) for name in FILES)
    for stale in (state, scores):  # the demo's own files only: a fresh run each time
        if os.path.exists(stale):
            os.remove(stale)
    machine = synth.MachineSpec.random(seed=DEMO_MACHINE_SEED)
    fault = synth.Fault("outer", onset=DEMO_FAULT_ONSET_S, growth=seconds - DEMO_FAULT_ONSET_S, severity_start=0.2)
    x = synth.vibration(machine, seconds, DEMO_SAMPLE_RATE, seed=DEMO_NOISE_SEED, fault=fault)
    synth.write_vibration_csv(csv, x, DEMO_SAMPLE_RATE)
    common = dict(input=csv, state=state, chunk_rows=8192, kind=None, sample_rate=None, window=DEMO_WINDOW, hop=None,
                  bands=None, scales=None, period=None, learn_seconds=DEMO_LEARN_S, learn_windows=None,
                  threshold_sigmas=None, clear_sigmas=None, min_duration=None, refractory=None, adapt_every=None,
                  accept_after=None)
    _learn(argparse.Namespace(extend=False, **common))
    follow = dict(common, window=None, learn_seconds=None)  # the state holds its configuration
    _watch(argparse.Namespace(output=scores, save_every=20, save_seconds=10.0, json=False, **follow))
    with Session(state, writer=False) as session:
        info = session.watch.status()
    rows = np.genfromtxt(scores, delimiter=",", names=True, dtype=None, encoding="utf-8")
    raised = rows["time"][rows["event"] == "raised"] if rows.size else np.empty(0)
    return {
        "directory": directory,
        "files": list(FILES),
        "fault_onset_s": DEMO_FAULT_ONSET_S,
        "learned_windows": info["learned_windows"],
        "windows": info["windows"],
        "alerts": info["alerts"],
        "first_alert_s": float(raised[0]) if len(raised) else None,
    }
