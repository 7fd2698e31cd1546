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
    assert "\r" not in proc.stderr and "\x1b" not in proc.stderr  # stderr is a pipe: no progress bar
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
    # a read-only listen keeps nothing, not even the last detection
    run("listen", DATA / "test_stream.wav", "--state", state, "--no-learn")
    assert "nothing to reject" in run("reject", "--state", state, check=False).stderr
    heard = run("listen", DATA / "test_stream.wav", "--state", state).stdout
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


def test_listen_many_files_and_stdin_json_lines_read_only(tmp_path):
    import hashlib
    import json

    import edgeadapt.apps.wakeword.cli  # noqa: F401  (registers the wake word's record schemas)
    from edgeadapt.cli_common import validate_records

    state = tmp_path / "s.ea"
    clips = sorted(DATA.glob("enroll_*.wav"))
    run("enroll", "nova", *clips, "--state", state)
    before = hashlib.sha256(state.read_bytes()).hexdigest(), state.stat().st_mtime_ns
    stream = DATA / "test_stream.wav"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(stream, "rb") as stdin:
        proc = subprocess.run([sys.executable, "-m", "edgeadapt", "wakeword", "listen", stream, "-", clips[0],
                               "--state", state, "--no-learn", "--json"], stdin=stdin, capture_output=True,
                              text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    records = validate_records(proc.stdout)
    dets = [r for r in records if r["schema"] == "edgeadapt.wakeword.detection/1"]
    ends = [r for r in records if r["schema"] == "edgeadapt.wakeword.listened/1"]
    assert [r["file"] for r in ends] == [str(stream), "-", str(clips[0])]
    assert [r["detections"] for r in ends][:2] == [4, 4]           # the same stream from a file and from stdin
    assert ends[2]["detections"] == 1                              # a short clip, padded, scored from sample 0
    assert {r["entry_source"] for r in dets} == {"enrolled"}
    assert [r["file"] for r in dets].count("-") == 4
    # --no-learn wrote nothing: the same bytes, not even touched
    assert (hashlib.sha256(state.read_bytes()).hexdigest(), state.stat().st_mtime_ns) == before
    listed = validate_records(run("list", "--state", state, "--json").stdout)
    status = [r for r in listed if r["schema"] == "edgeadapt.wakeword.status/1"]
    assert status[0]["labels"] == ["nova"] and json.loads(json.dumps(status[0]))["hard_negatives"] == 0
    assert {r["source"] for r in listed if r["schema"] == "edgeadapt.wakeword.entry/1"} == {"enrolled", "shifted"}


def test_a_44k_stereo_wav_and_a_flac_enroll_and_listen_without_sox(tmp_path):
    """What USB microphones and phones record: 44.1 kHz stereo WAV and FLAC, read and
    resampled in-process (soundfile + polyphase), no sox on the path."""
    import soundfile
    from scipy.signal import resample_poly
    from wakeword_fixtures import load_sample

    from edgeadapt.sources.wav import read_wav

    def convert(src, dst, fmt):
        pcm, rate = read_wav(src)
        up = resample_poly(pcm.astype(np.float64), 441, 160)  # 16 kHz -> 44.1 kHz
        stereo = np.stack([up, 0.5 * up], axis=1).clip(-32768, 32767).astype(np.int16)
        soundfile.write(dst, stereo, 44100, format=fmt, subtype="PCM_16")
        return dst

    sample = load_sample()
    clips = [convert(c, tmp_path / f"e{i}.{'flac' if i % 2 else 'wav'}", "FLAC" if i % 2 else "WAV")
             for i, c in enumerate(sample["enroll"])]
    state = tmp_path / "s.ea"
    env = {**os.environ, "PATH": "/nonexistent"}  # no sox (nor anything else) to shell out to
    enrolled = subprocess.run([sys.executable, "-m", "edgeadapt", "wakeword", "enroll", "nova", *map(str, clips),
                               "--state", str(state)], capture_output=True, text=True, timeout=300, env=env)
    assert enrolled.returncode == 0, enrolled.stderr
    stream = convert(DATA / "test_stream.wav", tmp_path / "stream.flac", "FLAC")
    heard = subprocess.run([sys.executable, "-m", "edgeadapt", "wakeword", "listen", str(stream), "--state",
                            str(state), "--no-learn"], capture_output=True, text=True, timeout=300, env=env)
    assert heard.returncode == 0, heard.stderr
    times = [float(t) for t in re.findall(r"^\s*([\d.]+) s\s+nova", heard.stdout, re.M)]
    assert len(times) == len(sample["times"]), heard.stdout


def test_plot_draws_the_scores_listen_computes_and_writes_nothing_else(tmp_path):
    state = tmp_path / "s.ea"
    run("enroll", "nova", *sorted(DATA.glob("enroll_*.wav")), "--state", state)
    before = state.read_bytes()
    image = tmp_path / "scores.png"
    drawn = run("plot", DATA / "test_stream.wav", "--state", state, "--output", image).stdout
    heard = run("listen", DATA / "test_stream.wav", "--state", state, "--no-learn").stdout
    n = int(re.search(r"(\d+) detection\(s\) in", heard).group(1))
    assert f"{n} detection(s)" in drawn and n == 4
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 10_000
    assert state.read_bytes() == before  # read-only
    bad = run("plot", DATA / "test_stream.wav", "--state", state, "--output", tmp_path / "x.txt", check=False)
    assert bad.returncode == 1 and "x.txt: choose an image file" in bad.stderr and not (tmp_path / "x.txt").exists()


def test_score_timeline_detections_lie_where_the_score_crosses_the_threshold():
    """The plot's time axis is listen's: each detection time is a window end whose score is over the threshold."""
    from wakeword_fixtures import load_sample

    from edgeadapt.apps.wakeword import WakeWord
    from edgeadapt.apps.wakeword.plot import score_timeline

    sample = load_sample()
    ww = WakeWord(learn=False, adapt_background=False)
    ww.enroll("nova", sample["enroll"])
    t = score_timeline(ww, sample["stream"])
    assert len(t["detections"]) == len(sample["times"])
    for det in t["detections"]:
        k = int(np.argmin(np.abs(t["time"] - det.time)))
        assert abs(t["time"][k] - det.time) < 1e-6 and t["scores"]["nova"][k] >= t["threshold"]
