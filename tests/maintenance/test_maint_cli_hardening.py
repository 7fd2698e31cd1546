"""Issue 9 and 10 through the command line: bad input changes nothing, options are checked
where given, real telemetry shapes (repeated and backward timestamps, NaN, gaps) go through."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

LEARN = ["--kind", "telemetry", "--learn-windows", "300"]


def run(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "edgeadapt", "maintenance", *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def _telemetry(path, n=900, seed=0, shift_at=None, extra=None):
    rng = np.random.default_rng(seed)
    t = 1.7e9 + np.arange(n) * 300.0
    v = 20.0 + rng.normal(0.0, 0.3, n)
    if shift_at is not None:
        v[shift_at:] += 4.0
    lines = ["timestamp,temp"] + [f"{a:.0f},{b:.4f}" for a, b in zip(t, v)]
    if extra:
        extra(lines)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def learned(tmp_path):
    csv = _telemetry(tmp_path / "t.csv")
    state = tmp_path / "t.ea"
    p = run("learn", "--input", str(csv), "--state", str(state), *LEARN)
    assert p.returncode == 0, p.stderr
    return csv, state


def _one_line_error(p, *needles):
    assert p.returncode == 1, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    for n in needles:
        assert n in lines[0], lines[0]


@pytest.mark.parametrize(
    "option, value",
    [("--learn-windows", "0"), ("--threshold-sigmas", "nan"), ("--window", "0"), ("--chunk-rows", "0"),
     ("--threshold-sigmas", "inf"), ("--refractory", "-1"), ("--period", "-5"), ("--learn-seconds", "nan")],
)
def test_bad_option_values_are_refused_naming_the_option_and_change_nothing(learned, option, value):
    csv, state = learned
    before = state.read_bytes()
    for command in ("learn", "watch"):
        p = run(command, "--input", str(csv), "--state", str(state), option, value)
        _one_line_error(p, option)
        assert state.read_bytes() == before
    fresh = state.parent / "new.ea"
    p = run("watch", "--input", str(csv), "--state", str(fresh), "--kind", "telemetry", "--learn-windows", "300", option, value)
    _one_line_error(p, option)
    assert not fresh.exists()


def _bad_inputs(tmp_path):
    good = (tmp_path / "t.csv").read_text()
    cases = {
        "no header": "1,2\n3,4\n",
        "wrong width": good.replace("\n1700000300,", "\n1700000300,1,", 1),
        "not utf-8": None,
        "huge header": ",".join(f"c{i}" for i in range(5000)) + "\n",
        "another column": good.replace("timestamp,temp", "timestamp,pressure", 1),
        "bad timestamp": good + "yesterday,3\n",
    }
    out = []
    for name, text in cases.items():
        path = tmp_path / f"bad_{name.replace(' ', '_')}.csv"
        if text is None:
            path.write_bytes(good.encode() + "caf\xe9,1\n".encode("latin-1"))
        else:
            path.write_text(text)
        out.append((name, path))
    out.append(("a directory", tmp_path))
    return out


def test_every_command_on_bad_input_exits_1_with_one_line_and_leaves_the_state_bytes(learned):
    csv, state = learned
    before = state.read_bytes()
    for name, path in _bad_inputs(csv.parent):
        for command in ("watch", "learn"):
            args = [command, "--input", str(path), "--state", str(state)] + (["--extend"] if command == "learn" else [])
            p = run(*args)
            _one_line_error(p, str(path) if name != "a directory" else "is a directory")
            assert state.read_bytes() == before, (name, command)
        if name != "another column":  # a fine file for a new state
            fresh = csv.parent / "fresh.ea"
            p = run("watch", "--input", str(path), "--state", str(fresh), *LEARN)
            assert p.returncode == 1 and not fresh.exists(), (name, p.stderr)
    for command in ("status", "accept", "reset"):
        p = run(command, "--state", str(csv.parent))
        _one_line_error(p, "is a directory")
    p = run("accept", "--state", str(state))  # no alert: nothing to accept
    _one_line_error(p, "no alert windows to accept")
    p = run("merge", "--state", str(state), "--from", str(csv.parent / "absent.ea"))
    _one_line_error(p, "no state yet")
    assert state.read_bytes() == before


def test_repeated_and_backward_timestamps_nan_and_gaps_go_through_the_cli(tmp_path):
    def damage(lines):
        lines.insert(400, lines[399])  # a repeated row
        t, v = lines[500].split(",")
        lines.insert(501, f"{float(t) - 3600:.0f},{v}")  # an hour back (daylight saving)
        lines[600] = lines[600].split(",")[0] + ","  # an empty cell
        lines[610] = lines[610].split(",")[0] + ",n/a"
        for k in range(700, len(lines)):  # a six-hour gap
            t, v = lines[k].split(",")
            lines[k] = f"{float(t) + 6 * 3600:.0f},{v}"

    csv = _telemetry(tmp_path / "d.csv", extra=damage)
    state = tmp_path / "d.ea"
    p = run("watch", "--input", str(csv), "--state", str(state), *LEARN)
    assert p.returncode == 0, p.stderr
    assert "warning:" in p.stderr and "repeats or goes back" in p.stderr
    assert "skipped 2 rows with missing values and 2 with repeated or backward timestamps, 1 gaps" in p.stderr
    status = json.loads(run("status", "--state", str(state), "--json").stdout)
    assert status["time"] == {"typical_period_s": pytest.approx(300.0, rel=1e-2), "skipped_nan_rows": 2,
                              "skipped_time_rows": 2, "gaps": 1}
    assert status["phase"] == "monitoring" and status["alerts"] == 0
    assert status["calibration"]["enough"] and status["calibration"]["windows"] > 0


def test_accept_from_the_command_line_ends_the_alert_and_the_new_level_is_normal(tmp_path):
    csv = _telemetry(tmp_path / "s.csv", n=1200, shift_at=700)
    head = tmp_path / "head.csv"
    lines = csv.read_text().splitlines()
    head.write_text("\n".join(lines[: 1 + 760]) + "\n")
    state = tmp_path / "s.ea"
    out = run("watch", "--input", str(head), "--state", str(state), *LEARN).stdout
    assert ",raised" in out
    status = json.loads(run("status", "--state", str(state), "--json").stdout)
    assert status["alert_active"] and status["candidate_windows"] > 20
    p = run("accept", "--state", str(state))
    assert p.returncode == 0 and "operating mode 1" in p.stdout
    status = json.loads(run("status", "--state", str(state), "--json").stdout)
    assert status["modes"] == 2 and status["accepted"] == 1 and not status["alert_active"]
    tail = tmp_path / "tail.csv"
    tail.write_text("\n".join(lines[:1] + lines[1 + 760 :]) + "\n")
    out = run("watch", "--input", str(tail), "--state", str(state)).stdout.splitlines()
    assert not any(line.endswith(",raised") for line in out[1:])


def test_status_json_shows_what_the_threshold_rests_on(learned):
    _, state = learned
    info = json.loads(run("status", "--state", str(state), "--json").stdout)
    cal = info["calibration"]
    assert set(cal) >= {"windows", "distance", "residual", "enough", "mode_windows"}
    assert cal["distance"]["scale"] >= 1.0 and cal["distance"]["log_se"] > 0
    assert info["threshold"]["raise"] > info["threshold"]["clear"] > 0
    text = run("status", "--state", str(state)).stdout
    assert "calibration:" in text and "held-out windows" in text and "threshold: raise at score" in text


def test_missing_vibration_samples_skip_their_windows_and_go_through_the_cli(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(20000, 2))
    lines = ["# sample_rate=1000", "x,y"] + [f"{a:.5f},{b:.5f}" for a, b in x]
    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join(lines) + "\n")
    lines[2 + 15000] = "0.1,nan"  # a NaN sample, an empty cell and an unreadable one while monitoring
    lines[2 + 15600] = ",0.2"
    lines[2 + 17000] = "0.3,---"
    damaged = tmp_path / "damaged.csv"
    damaged.write_text("\n".join(lines) + "\n")
    config = ["--window", "256", "--learn-windows", "80"]
    p = run("watch", "--input", str(damaged), "--state", str(tmp_path / "d.ea"), *config)
    assert p.returncode == 0, p.stderr
    assert "read as missing" in p.stderr and "skipped 6 windows holding a missing sample" in p.stderr
    ok = run("watch", "--input", str(clean), "--state", str(tmp_path / "c.ea"), *config)
    damaged_windows = [line.split(",")[1] for line in p.stdout.splitlines()[1:]]
    clean_windows = [line.split(",")[1] for line in ok.stdout.splitlines()[1:]]
    # every window without a missing sample is scored, at its own time; the six with one are not
    assert len(clean_windows) - len(damaged_windows) == 6 and set(damaged_windows) < set(clean_windows)
    status = json.loads(run("status", "--state", str(tmp_path / "d.ea"), "--json").stdout)
    assert status["skipped_windows"] == 6 and status["phase"] == "monitoring"
    assert "skipped: 6 windows" in run("status", "--state", str(tmp_path / "d.ea")).stdout


def test_watch_and_status_json_validate_against_their_schemas(tmp_path):
    from edgeadapt.cli import build_parser
    from edgeadapt.cli_common import validate_records

    build_parser()  # registers every schema
    csv = _telemetry(tmp_path / "j.csv", n=900, shift_at=700)
    state = tmp_path / "j.ea"
    p = run("watch", "--input", str(csv), "--state", str(state), *LEARN, "--json")
    assert p.returncode == 0, p.stderr
    records = validate_records(p.stdout, expected=["maintenance.window"])
    assert len(records) == 900 - 12 and records[0]["phase"] == "learning" and records[0]["score"] is None
    assert any(r["event"] == "raised" for r in records) and records[-1]["alert"] is True
    (status,) = validate_records(run("status", "--state", str(state), "--json").stdout, expected=["maintenance.status"])
    assert status["alerts"] == 1 and status["levels"]["channels"]["temp"]["used"] is True
    # -q and -v are taken after the command too
    assert run("status", "--state", str(state), "-q").returncode == 0
