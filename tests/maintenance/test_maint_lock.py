"""Issue 9: two `maintenance learn --extend` on one state at once keep both contributions.

Real processes on one state file: the second waits for the first one's lock (the CLI holds it
for the whole read-modify-write) and extends the first one's result, so the baseline ends
with both inputs' windows, the same count as the two runs one after the other.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from test_maint_cli_hardening import LEARN, _telemetry, run


def _learned_windows(state) -> float:
    p = run("status", "--state", str(state), "--json")
    assert p.returncode == 0, p.stderr
    return float(sum(json.loads(p.stdout)["calibration"]["mode_windows"]))


def test_two_concurrent_extends_keep_both(tmp_path):
    base = _telemetry(tmp_path / "base.csv", n=900, seed=0)
    a = _telemetry(tmp_path / "a.csv", n=4000, seed=1)
    b = _telemetry(tmp_path / "b.csv", n=4000, seed=2)
    state = tmp_path / "s.ea"
    p = run("learn", "--input", str(base), "--state", str(state), *LEARN)
    assert p.returncode == 0, p.stderr
    sequential = tmp_path / "seq.ea"
    shutil.copy(state, sequential)
    for csv in (a, b):
        p = run("learn", "--extend", "--input", str(csv), "--state", str(sequential))
        assert p.returncode == 0, p.stderr
    start = _learned_windows(state)
    expected = _learned_windows(sequential)
    assert expected > start

    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "edgeadapt", "maintenance", "learn", "--extend", "--input", str(csv), "--state", str(state)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for csv in (a, b)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outs):
        assert proc.returncode == 0, err
    assert _learned_windows(state) == expected
    assert sorted(x.name for x in tmp_path.iterdir() if x.name.startswith("s.ea")) == ["s.ea"]  # no lock file left
