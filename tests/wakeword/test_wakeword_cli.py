"""``edgeadapt wakeword`` in real subprocesses, on the shipped audio."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from wakeword_fixtures import DATA

from edgeadapt.sources.wav import write_wav

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=None, check=True):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "edgeadapt", "wakeword", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def test_demo_runs_end_to_end_on_shipped_audio(tmp_path):
    proc = run("demo", cwd=tmp_path)
    demo_state = tmp_path / "edgeadapt-wakeword-demo" / "edgeadapt-wakeword.ea"
    assert demo_state.is_file() and not (tmp_path / "edgeadapt-wakeword.ea").exists()  # not the user's state
    assert "4 of 4 keywords detected, 0 false accept(s)" in proc.stdout
    assert "listen: 100%" in proc.stderr  # progress shown
    again = run("demo", cwd=tmp_path)  # re-running re-enrolls instead of piling up templates
    assert "4 of 4 keywords detected" in again.stdout
    listing = run("list", "--state", demo_state, cwd=tmp_path).stdout
    assert re.search(r"hey nova: \d+ enrolled templates", listing)


def test_enroll_list_listen_forget(tmp_path):
    state = tmp_path / "s.ea"
    clips = sorted(DATA.glob("enroll_*.wav"))
    out = run("enroll", "nova", *clips, "--state", state).stdout
    assert "enrolled 'nova' from 3 utterances" in out
    assert "nova: " in run("list", "--state", state).stdout
    heard = run("listen", DATA / "test_stream.wav", "--state", state, "--no-learn").stdout
    times = [float(t) for t in re.findall(r"^\s*([\d.]+) s\s+nova", heard, re.M)]
    assert len(times) == 4 and "4 detection(s)" in heard
    assert "forgot 'nova'" in run("forget", "nova", "--state", state).stdout
    assert "nothing enrolled" in run("list", "--state", state).stdout


def test_cli_errors_exit_1_with_a_message(tmp_path):
    state = tmp_path / "s.ea"
    clips = sorted(DATA.glob("enroll_*.wav"))
    proc = run("enroll", "nova", clips[0], "--state", state, check=False)
    assert proc.returncode == 1 and "at least 3 utterances" in proc.stderr
    assert not state.exists()  # a failed enroll on a new path leaves no file
    silent = tmp_path / "silent.wav"
    write_wav(silent, np.zeros(8000, np.int16), 8000)
    proc = run("enroll", "nova", silent, silent, silent, "--state", state, check=False)
    assert proc.returncode == 1 and "silent" in proc.stderr and not state.exists()
    for command in (["list"], ["listen", DATA / "test_stream.wav"], ["reject"], ["forget", "nova"]):
        proc = run(*command, "--state", state, check=False)
        assert proc.returncode == 1 and "does not exist" in proc.stderr and not state.exists(), command


def test_reject_and_add_from_the_cli(tmp_path):
    state = tmp_path / "s.ea"
    clips = sorted(DATA.glob("enroll_*.wav"))
    run("enroll", "nova", *clips, "--state", state)
    proc = run("reject", "--state", state, check=False)
    assert proc.returncode == 1 and "nothing to reject" in proc.stderr
    heard = run("listen", DATA / "test_stream.wav", "--state", state, "--no-learn").stdout
    assert "4 detection(s)" in heard and re.search(r"nova  score [\d.]+  entry \d+", heard)
    assert "hard negative" in run("reject", "--state", state).stdout
    assert "hard negatives: 1" in run("list", "--state", state).stdout
    out = run("enroll", "nova", clips[0], "--add", "--state", state, check=False)
    # the added utterance is the keyword; the rejected detection was too, so the canary refuses it
    assert (out.returncode == 0 and "added to 'nova'" in out.stdout) or "rejected" in out.stderr
    proc = run("listen", DATA / "test_stream.wav", "--state", tmp_path / "empty.ea", check=False)
    assert proc.returncode == 1 and "does not exist" in proc.stderr and not (tmp_path / "empty.ea").exists()
    proc = run("forget", "nobody", "--state", state, check=False)
    assert proc.returncode == 1 and "not enrolled" in proc.stderr
