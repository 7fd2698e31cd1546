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
    assert (tmp_path / "edgeadapt-wakeword.ea").is_file()
    assert "4 of 4 keywords detected, 0 false accept(s)" in proc.stdout
    assert "listen: 100%" in proc.stderr  # progress shown
    again = run("demo", cwd=tmp_path)  # re-running re-enrolls instead of piling up templates
    assert "4 of 4 keywords detected" in again.stdout
    listing = run("list", cwd=tmp_path).stdout
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
    slow = tmp_path / "slow.wav"
    write_wav(slow, np.ones(8000, np.int16), 8000)
    proc = run("enroll", "nova", slow, slow, slow, "--state", state, check=False)
    assert proc.returncode == 1 and "16000 Hz" in proc.stderr
    proc = run("listen", DATA / "test_stream.wav", "--state", tmp_path / "empty.ea", check=False)
    assert proc.returncode == 1 and "nothing enrolled" in proc.stderr
    proc = run("forget", "nobody", "--state", state, check=False)
    assert proc.returncode == 1 and "not enrolled" in proc.stderr
