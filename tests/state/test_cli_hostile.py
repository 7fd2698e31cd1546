"""Every state command over a table of bad inputs: exit 1, one line naming the file, no
traceback, and the bytes on disk unchanged (issue 9). Real processes, real files."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import crafted as cr
from edgeadapt import cli

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
FILES = cr.crafted()


def corrupt_header(data: bytes) -> bytes:
    out = bytearray(data)
    out[20] ^= 0x40
    return bytes(out)


def both_slots_bad(data: bytes) -> bytes:
    out = bytearray(data)
    out[512 + 9] ^= 0xFF
    out[512 + 4096 + 9] ^= 0xFF
    return bytes(out)


GOOD = (GOLDEN / "store.ea").read_bytes()
bad_name = cr.blob([cr.entry(b"\xff\xfe", cr.U8, (), b"\1")])
damaged_factory = cr.good_blob(1)[:-1] + b"\0"
# name -> (how to make it at `path`, what the one line must say)
BAD_INPUTS = {
    "missing": (None, "no state store here yet"),
    "missing-directory": ("missing-dir", "no state store here yet"),
    "empty": (b"", "not an edgeadapt state store"),
    "junk": (b"junk" * 40, "not an edgeadapt state store"),
    "corrupt-header": (corrupt_header(GOOD), "store header CRC mismatch"),
    "truncated": (GOOD[:40], "shorter than the store header"),
    "truncated-in-factory": (GOOD[:300], "cut short"),
    "future-version": (cr.store(cr.good_blob(1), [(1, cr.good_blob(1))], major=2), "store format 2.0 is not readable"),
    "future-blob": (FILES["future-major.blob"], "state format 2.0 is not readable"),
    "directory": ("dir", "is a directory"),
    "fifo": ("fifo", "is a FIFO"),
    "symlink-to-dev-zero": ("dev-zero", "is a character device"),
    "huge-capacity": (FILES["store-capacity-1tib.ea"], "inconsistent"),
    "huge-offsets": (FILES["store-slots-offset-wraps.ea"], "cut short"),
    "huge-factory": (FILES["store-factory-size-wraps.ea"], "inconsistent"),
    "non-utf8-name-blob": (bad_name, "name that is not valid UTF-8"),
    "non-utf8-names-no-factory": (cr.store(damaged_factory, [(1, bad_name), None]),
                                  {"inspect": "no slot holds a good state", "reset": "factory state is damaged"}),
    "control-chars-in-path": ("escape", "not an edgeadapt state store"),
    "lock-file-is-a-directory": ("lockdir", "s.ea.lock"),
}
# commands that must fail on each input (inspect of a blob or a store with a good slot succeeds)
COMMANDS = ["inspect", "reset"]


def make(tmp_path: Path, kind):
    path = tmp_path / "s.ea"
    if kind is None:
        return path
    if isinstance(kind, bytes):
        path.write_bytes(kind)
        return path
    if kind == "missing-dir":
        return tmp_path / "nowhere" / "s.ea"
    if kind == "dir":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "escape":
        path = tmp_path / "evil\x1b[2J\x07.ea"
        path.write_bytes(b"junk" * 10)
    elif kind == "lockdir":
        path.write_bytes(GOOD)
        (tmp_path / "s.ea.lock").mkdir()
    return path


def snapshot(directory: Path) -> dict:
    out = {}
    for p in sorted(directory.rglob("*")):
        if p.name.endswith(".lock") and p.is_file():
            continue  # the sidecar lock file holds no state
        st = os.lstat(p)
        out[p.name] = p.read_bytes() if p.is_file() and not p.is_symlink() else (st.st_mode, os.readlink(p) if p.is_symlink() else None)
    return out


def run(*args):
    return subprocess.run([sys.executable, "-m", "edgeadapt", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_state_commands_fail_cleanly_and_change_nothing(tmp_path, command, name):
    kind, says = BAD_INPUTS[name]
    path = make(tmp_path, kind)
    before = snapshot(tmp_path)
    if command == "inspect" and name == "lock-file-is-a-directory":
        # a reader needs no lock (nobody can write either): inspect reads, and changes nothing
        out = run("state", command, str(path), "--lock-timeout", "0")
        assert out.returncode == 0, out.stderr
        assert snapshot(tmp_path) == before
        return
    out = run("state", command, str(path), "--lock-timeout", "0")
    assert out.returncode == 1, (out.stdout, out.stderr)
    err = out.stderr
    assert "Traceback" not in err and err.count("\n") == 1, err
    line = err.strip()
    assert line.startswith("edgeadapt: error: "), line
    shown = cli.printable(str(path))
    if isinstance(says, dict):
        says = says[command]
    if says is not None and kind in (FILES["future-major.blob"], bad_name) and command == "reset":
        says = "it is a bare state blob, not a store"
    if says is not None:
        assert says in line, line
    assert shown in line, line
    assert "\x1b" not in err and "\x1b" not in out.stdout
    assert snapshot(tmp_path) == before


def test_inspect_of_a_store_with_no_good_slot_prints_the_damage_and_exits_1(tmp_path):
    path = tmp_path / "s.ea"
    path.write_bytes(both_slots_bad(GOOD))
    out = run("state", "inspect", str(path))
    assert out.returncode == 1 and "bad commit record" in out.stdout
    assert out.stderr.count("\n") == 1 and "no slot holds a good state" in out.stderr


def test_inspect_reads_bare_golden_blobs(tmp_path):
    for blob in sorted(GOLDEN.glob("*.blob")):
        out = run("state", "inspect", str(blob))
        assert out.returncode == 0 and "bare state blob" in out.stdout, out.stderr


def test_inspect_escapes_control_characters_in_names_and_statuses(tmp_path):
    path = tmp_path / "c.blob"
    path.write_bytes(FILES["name-control-chars.blob"])
    out = run("state", "inspect", str(path))
    assert out.returncode == 0 and "\x1b" not in out.stdout and "\\x1b[31mred" in out.stdout
    store = tmp_path / "c.ea"
    store.write_bytes(cr.store(cr.good_blob(1), [(1, cr.good_blob(1)), (2, cr.blob([cr.entry(b"s\x1b]0;x\x07", cr.UTF8, (), b"\xff")]))]))
    out = run("state", "inspect", str(store))
    assert out.returncode == 0 and "\x1b" not in out.stdout and "\x07" not in out.stdout
    assert "slot 1 at offset" in out.stdout and "not valid UTF-8" in out.stdout


def test_a_foreign_exception_is_one_line_asking_for_a_report(monkeypatch, capsys):
    def broken(args):
        raise ZeroDivisionError("division by zero\nsecond line")

    parser = argparse.ArgumentParser()
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.set_defaults(func=broken)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.delenv(cli.DEBUG_VARIABLE, raising=False)
    assert cli.main([]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: ZeroDivisionError" in err and "please report" in err
    assert "Traceback" not in err
    assert cli.main(["-v"]) == 1
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv(cli.DEBUG_VARIABLE, "1")
    assert cli.main([]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_os_errors_are_one_line(monkeypatch, capsys):
    def denied(args):
        raise PermissionError(13, "Permission denied", "/root/x.csv")

    parser = argparse.ArgumentParser()
    parser.set_defaults(func=denied)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    assert cli.main([]) == 1
    assert capsys.readouterr().err == "edgeadapt: error: /root/x.csv: permission denied\n"


def test_warnings_are_one_line(tmp_path):
    path = tmp_path / "s.ea"
    path.write_bytes(cr.crafted()["store-newest-invalid-string.ea"])
    shutil.copy(path, tmp_path / "copy.ea")
    out = run("state", "reset", str(path))
    assert out.returncode == 0, out.stderr
    assert all(line.startswith("edgeadapt: warning: ") for line in out.stderr.splitlines()), out.stderr
