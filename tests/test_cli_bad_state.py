"""Every command that takes a state, over a table of state paths that are not a good state.

The bar of the reliability promise (docs/reliability.md): each run ends with exit status 1
and one line on stderr that names the file, no traceback, and nothing on disk changed (the
bad file keeps its bytes, no file or lock appears beside it). Commands run in-process through
``edgeadapt.cli.main``; the FIFO kind runs in a subprocess with a timeout, since a reader
that blocked on it would hang the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
WAVS = ROOT / "edgeadapt" / "data" / "wakeword"
GARBAGE = b"EASF" + bytes(range(256)) * 3  # the store magic, then nonsense
SUBPROCESS_TIMEOUT = 120


def _telemetry_csv(path: Path) -> Path:
    t = np.arange(400) * 60.0
    rows = "\n".join(f"{a:.0f},{b:.6f}" for a, b in zip(t, np.sin(t / 3600.0)))
    path.write_text("timestamp,value\n" + rows + "\n")
    return path


# Every (group, action) that takes a state, with the other arguments it needs.
# {state} is the bad path; {csv} a valid telemetry CSV; {wav} a shipped clip.
COMMANDS = {
    ("wakeword", "enroll"): ["wakeword", "enroll", "alice", "{wav1}", "{wav2}", "{wav3}", "--state", "{state}"],
    ("wakeword", "reject"): ["wakeword", "reject", "--state", "{state}"],
    ("wakeword", "listen"): ["wakeword", "listen", "{stream}", "--state", "{state}"],
    ("wakeword", "list"): ["wakeword", "list", "--state", "{state}"],
    ("wakeword", "forget"): ["wakeword", "forget", "alice", "--state", "{state}"],
    ("wakeword", "plot"): ["wakeword", "plot", "{stream}", "--output", "{csv}.png", "--state", "{state}"],
    ("maintenance", "learn"): ["maintenance", "learn", "--input", "{csv}", "--state", "{state}", "--kind", "telemetry"],
    ("maintenance", "watch"): ["maintenance", "watch", "--input", "{csv}", "--state", "{state}"],
    ("maintenance", "status"): ["maintenance", "status", "--state", "{state}"],
    ("maintenance", "accept"): ["maintenance", "accept", "--state", "{state}"],
    ("maintenance", "reset"): ["maintenance", "reset", "--state", "{state}"],
    ("maintenance", "merge"): ["maintenance", "merge", "--state", "{state}", "--from", "{state}"],
    ("maintenance", "plot"): ["maintenance", "plot", "--input", "{csv}", "--output", "{csv}.png", "--state", "{state}"],
    ("state", "inspect"): ["state", "inspect", "{state}"],
    ("state", "reset"): ["state", "reset", "{state}"],
}
# Commands that make their own state (demos): they are not given a user's state path.
OWN_STATE = {("wakeword", "demo"), ("maintenance", "demo")}
# Commands that touch no state at all.
NO_STATE = {("schema",)}


def _actions() -> set[tuple[str, str]]:
    parser = build_parser()
    groups = next(a for a in parser._actions if a.dest == "group")
    out = set()
    for group, sub in groups.choices.items():
        actions = [a for a in sub._actions if getattr(a, "choices", None) and isinstance(a.choices, dict)]
        for action in actions:
            out.update((group, name) for name in action.choices)
        if not actions:
            out.add((group,))
    return out


def test_the_table_names_every_command():
    assert _actions() == set(COMMANDS) | OWN_STATE | NO_STATE, "a command is missing from COMMANDS (or OWN_STATE, NO_STATE)"


def test_commands_without_state_write_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in sorted(NO_STATE):
        assert main(list(command)) == 0
    assert list(tmp_path.iterdir()) == []


def _make(kind: str, folder: Path) -> Path:
    path = folder / "state.ea"
    if kind == "directory":
        path.mkdir()
    elif kind == "garbage":
        path.write_bytes(GARBAGE)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    return path


def _argv(command, state: Path, tmp_path: Path) -> list[str]:
    values = {
        "state": str(state),
        "csv": str(_telemetry_csv(tmp_path / "input" / "t.csv")),
        "wav1": str(WAVS / "enroll_1.wav"),
        "wav2": str(WAVS / "enroll_2.wav"),
        "wav3": str(WAVS / "enroll_3.wav"),
        "stream": str(WAVS / "test_stream.wav"),
    }
    return [part.format(**values) for part in COMMANDS[command]]


def _snapshot(folder: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for p in sorted(folder.iterdir()):
        if p.is_symlink():
            out[p.name] = "-> " + os.readlink(p)
        elif p.is_file():
            out[p.name] = p.read_bytes()
        else:
            out[p.name] = "dir:" + ",".join(sorted(c.name for c in p.iterdir())) if p.is_dir() else "other"
    return out


def _check_one_line(err: str, state: Path) -> None:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("edgeadapt: warning:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    assert lines[0].startswith("edgeadapt: error:"), err
    assert str(state) in lines[0] or state.name in lines[0], err
    assert "internal error" not in lines[0], err


@pytest.mark.parametrize("kind", ["directory", "garbage", "dev-zero"])
@pytest.mark.parametrize("command", sorted(COMMANDS), ids=lambda c: "-".join(c))
def test_bad_state_fails_in_one_line_and_changes_nothing(command, kind, tmp_path, capsys):
    (tmp_path / "input").mkdir()
    folder = tmp_path / "where"
    folder.mkdir()
    state = _make(kind, folder)
    argv = _argv(command, state, tmp_path)
    before = _snapshot(folder)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    _check_one_line(err, state)
    assert _snapshot(folder) == before


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=lambda c: "-".join(c))
def test_a_fifo_as_state_neither_hangs_nor_changes_anything(command, tmp_path):
    (tmp_path / "input").mkdir()
    folder = tmp_path / "where"
    folder.mkdir()
    state = _make("fifo", folder)
    before = _snapshot(folder)
    out = subprocess.run(
        [sys.executable, "-m", "edgeadapt", *_argv(command, state, tmp_path)],
        capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT, stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 1, out.stderr
    _check_one_line(out.stderr, state)
    assert _snapshot(folder) == before


# Commands that learn: they create the state file (and only once they succeed).
# ``maintenance watch`` learns first when the state is new ("learn normal, then watch").
LEARNS = {("wakeword", "enroll"), ("maintenance", "learn"), ("maintenance", "watch")}


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - LEARNS), ids=lambda c: "-".join(c))
def test_a_missing_state_is_refused_and_no_file_appears(command, tmp_path, capsys):
    (tmp_path / "input").mkdir()
    folder = tmp_path / "where"
    folder.mkdir()
    state = folder / "mistyped.ea"
    code = main(_argv(command, state, tmp_path))
    err = capsys.readouterr().err
    assert code == 1, err
    _check_one_line(err, state)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", sorted(LEARNS), ids=lambda c: "-".join(c))
def test_a_learning_command_that_fails_creates_no_state(command, tmp_path, capsys):
    """A new state appears only once learning succeeded: a broken input leaves nothing."""
    inputs = tmp_path / "input"
    inputs.mkdir()
    folder = tmp_path / "where"
    folder.mkdir()
    state = folder / "new.ea"
    argv = _argv(command, state, tmp_path)
    broken_csv = inputs / "broken.csv"
    broken_csv.write_text("timestamp,value\n0,1.0\n60,not-a-number-and-not-empty\n")
    broken_wav = inputs / "broken.wav"
    broken_wav.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    argv = [str(broken_wav) if a.endswith("enroll_3.wav") else str(broken_csv) if a.endswith("t.csv") else a for a in argv]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err and len([x for x in err.splitlines() if x.startswith("edgeadapt: error:")]) == 1, err
    assert list(folder.iterdir()) == []
