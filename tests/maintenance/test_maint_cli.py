"""The command line with real files and real subprocesses, including SIGKILL mid-stream."""

import signal
import subprocess
import sys
import time
import warnings

import pytest

from edgeadapt.apps.maintenance import synth
from edgeadapt.state import FileStore, encode_blob

SAMPLE_RATE = 4000.0  # as in conftest.py

CONFIG = ["--learn-windows", "560", "--window", "1024", "--min-duration", "2", "--refractory", "5"]


def run(*args, stdin=None, check=True):
    proc = subprocess.run(
        [sys.executable, "-m", "edgeadapt", "maintenance", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def vib_csv(tmp_path_factory, normal_then_fault):
    x, _ = normal_then_fault
    path = tmp_path_factory.mktemp("cli") / "pump.csv"
    synth.write_vibration_csv(str(path), x, SAMPLE_RATE)
    return str(path), len(x)


def _rows(out_path):
    rows = {}
    with open(out_path) as f:
        for line in f:
            cells = line.rstrip("\n").split(",")
            if len(cells) != 6 or cells[0] == "window":
                continue  # header, or a line cut by the kill
            rows[int(cells[0])] = cells
    return rows


def _state(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FileStore(str(path)).load()


def test_sigkill_mid_stream_then_restart_resumes_with_the_same_baseline_and_position(vib_csv, tmp_path):
    csv, total = vib_csv
    ref_state, ref_out = tmp_path / "ref.ea", tmp_path / "ref.out"
    run("watch", "--input", csv, "--state", str(ref_state), "--output", str(ref_out), *CONFIG)

    state, out = tmp_path / "k.ea", tmp_path / "k.out"
    cmd = [sys.executable, "-m", "edgeadapt", "maintenance", "watch", "--input", csv, "--state", str(state)]
    cmd += ["--output", str(out), "--save-every", "1", "--chunk-rows", "300", *CONFIG]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    killed_at = None
    while time.monotonic() < deadline and proc.poll() is None:
        if state.exists():
            s = _state(state)
            if s is not None and int(s["monitor.windows"]) > 600 and int(s["cursor.rows"]) > total // 3:
                proc.send_signal(signal.SIGKILL)
                killed_at = s
                break
        time.sleep(0.005)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the watcher finished before it could be killed"
    saved = _state(state)  # what survived the kill (at least what was seen before it)
    rows_k, windows_k = int(saved["cursor.rows"]), int(saved["monitor.windows"])
    assert int(killed_at["cursor.rows"]) <= rows_k < total
    assert rows_k == windows_k * 512  # position = start of the next window
    assert saved["monitor.scorer.phase"] == 1  # monitoring when killed

    run("watch", "--input", csv, "--state", str(state), "--output", str(out), "--chunk-rows", "7000")
    final, ref = _state(state), _state(ref_state)
    assert sorted(final) == sorted(ref)
    assert encode_blob(final) == encode_blob(ref)  # same baseline, guard, counters and position
    # every window was reported at least once, the same way as in the uninterrupted run
    got, want = _rows(out), _rows(ref_out)
    assert got == want
    with open(out) as f:
        lines = f.read().splitlines()
    assert sum(1 for line in lines if line.startswith(f"{windows_k},")) >= 1


def test_learn_stops_at_the_end_of_learning_then_watch_continues(vib_csv, tmp_path):
    csv, _ = vib_csv
    st = tmp_path / "m.ea"
    p = run("learn", "--input", csv, "--state", str(st), *CONFIG)
    assert "monitoring, 560 of 560 learning windows" in p.stdout
    s = _state(st)
    assert int(s["cursor.rows"]) == 560 * 512 and int(s["monitor.windows"]) == 560
    status = run("status", "--state", str(st)).stdout
    size = int(status.split("state: ")[1].split(" bytes")[0])
    assert "phase: monitoring" in status and size < 12 * 1024  # baseline, calibration and a candidate mode
    p = run("watch", "--input", csv, "--state", str(st), *CONFIG[:-2], "--refractory", "9", check=False)
    assert p.returncode == 1 and "exists with another configuration: --refractory 9 (state: 5)" in p.stderr
    out = run("watch", "--input", csv, "--state", str(st), *CONFIG).stdout.splitlines()  # same options: fine
    assert out[0] == "window,time,phase,score,alert,event"
    assert out[1].startswith("560,") and ",monitoring," in out[1]
    assert any(line.endswith(",raised") for line in out)


def test_stdin_pipe_continues_baseline_and_counters(vib_csv, tmp_path):
    csv, _ = vib_csv
    with open(csv) as f:
        lines = f.read().splitlines()
    head = "\n".join(lines[: 2 + 320000]) + "\n"
    tail = "\n".join(lines[1:2] + lines[2 + 320000 :]) + "\n"  # header, then the rest
    st = str(tmp_path / "s.ea")
    first = run("watch", "--input", "-", "--state", st, "--sample-rate", "4000", *CONFIG, stdin=head).stdout.splitlines()
    n_first = len(first) - 1
    second = run("watch", "--input", "-", "--state", st, stdin=tail).stdout.splitlines()
    assert second[1].startswith(f"{n_first},") and ",monitoring," in second[1]


@pytest.mark.parametrize(
    "body, message",
    [
        ("x,y,z\n1,2,3\n1,2\n", "bad.csv:4: expected 3 values (x,y,z), found 2"),
    ],
)
def test_bad_rows_exit_1_with_file_and_line(tmp_path, body, message):
    path = tmp_path / "bad.csv"
    path.write_text("# sample_rate=4000\n" + body)
    p = run("watch", "--input", str(path), "--state", str(tmp_path / "b.ea"), *CONFIG, check=False)
    assert p.returncode == 1 and message in p.stderr


def test_merge_two_sensors_and_reset(machine, tmp_path):
    paths = []
    for seed in (31, 32):
        path = tmp_path / f"m{seed}.csv"
        synth.write_vibration_csv(str(path), synth.vibration(machine, 45.0, SAMPLE_RATE, seed=seed), SAMPLE_RATE)
        paths.append(str(path))
        run("learn", "--input", str(path), "--state", str(tmp_path / f"m{seed}.ea"), *CONFIG)
    a, b = tmp_path / "m31.ea", tmp_path / "m32.ea"
    count = lambda s: sum(float(v) for k, v in s.items() if k.endswith(".count") and ".baseline." in k)  # noqa: E731
    before = count(_state(a))
    p = run("merge", "--state", str(a), "--from", str(b))
    assert "merged" in p.stdout
    assert count(_state(a)) == before + count(_state(b))
    run("reset", "--state", str(a))
    assert int(_state(a)["monitor.scorer.phase"]) == 0 and count(_state(a)) == 0


def test_telemetry_from_the_command_line(tmp_path):
    day = 86400.0
    t, v = synth.telemetry(3, seed=1, incidents=[synth.Incident("ramp", 2 * day, 4 * 3600, 6.0)])
    path = tmp_path / "temp.csv"
    synth.write_telemetry_csv(str(path), t, v)
    out = run("watch", "--input", str(path), "--state", str(tmp_path / "t.ea"), "--kind", "telemetry",
              "--learn-seconds", "86400").stdout.splitlines()
    raised = [float(line.split(",")[1]) for line in out[1:] if line.endswith(",raised")]
    assert raised and all(t[0] + 2 * day <= r <= t[0] + 2 * day + 5 * 3600 for r in raised)
