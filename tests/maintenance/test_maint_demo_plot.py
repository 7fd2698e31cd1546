"""Issue 17, maintenance parts: the demo makes its own data in its own directory; plot draws a watch output."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args, cwd=None, stdin=None):
    return subprocess.run([sys.executable, "-m", "edgeadapt", "maintenance", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd, input=stdin)


def test_demo_writes_only_into_its_own_directory_and_alerts_after_the_fault(tmp_path):
    p = run("demo", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    demo = tmp_path / "edgeadapt-maintenance-demo"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["edgeadapt-maintenance-demo"]
    assert sorted(f.name for f in demo.iterdir()) == ["pump.csv", "pump.ea", "scores.csv"]
    first = float(p.stdout.split("the first at ")[1].split(" s")[0])
    assert 35.0 < first < 60.0  # after the defect starts, before the recording ends
    lines = (demo / "scores.csv").read_text().splitlines()
    assert lines[0] == "window,time,phase,score,alert,event" and sum(line.endswith(",raised") for line in lines) >= 1
    # a second run starts afresh in the same directory (same result), and the state is a real one
    again = run("demo", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == p.stdout.splitlines()[-1]
    assert "phase: monitoring" in run("status", "--state", str(demo / "pump.ea")).stdout


def test_plot_draws_a_csv_or_json_watch_output_and_refuses_bad_input(tmp_path):
    import matplotlib  # noqa: F401  (the plot extra; the test command installs it)

    assert run("demo", "--dir", str(tmp_path / "d")).returncode == 0
    scores, state = tmp_path / "d" / "scores.csv", tmp_path / "d" / "pump.ea"
    png = tmp_path / "s.png"
    p = run("plot", "--input", str(scores), "--state", str(state), "--output", str(png))
    assert p.returncode == 0, p.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "1 alerts" in p.stdout
    # JSON Lines from watch --json, read from stdin
    json_out = run("watch", "--input", str(tmp_path / "d" / "pump.csv"), "--state", str(tmp_path / "j.ea"),
                   "--window", "1024", "--learn-seconds", "20", "--json").stdout
    svg = tmp_path / "j.svg"
    assert run("plot", "--input", "-", "--output", str(svg), stdin=json_out).returncode == 0
    assert svg.read_text().lstrip().startswith("<?xml")
    for args, needle in [
        (("--input", str(tmp_path / "absent.csv"), "--output", str(png)), "no such watch output"),
        (("--input", str(scores), "--output", str(tmp_path / "x.txt")), "choose an image file"),
        (("--input", str(state), "--output", str(tmp_path / "y.png")), "not a line of 'maintenance watch' output"),
        (("--input", str(scores), "--output", str(tmp_path / "no" / "z.png")), "its directory does not exist"),
    ]:
        bad = run("plot", *args)
        assert bad.returncode == 1 and needle in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "y.png").exists()
