"""``edgeadapt state inspect`` and ``edgeadapt state reset`` in a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "edgeadapt", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_inspect_shows_header_slots_and_arrays(tmp_path):
    path = tmp_path / "s.ea"
    shutil.copy(GOLDEN / "store.ea", path)
    out = run("state", "inspect", str(path))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "store format 1.0" in text and "factory state:" in text
    assert "slot 0 at offset 512: ok, sequence 3 (active)" in text
    assert "slot 1 at offset" in text and "sequence 2" in text
    assert "mean" in text and "float64" in text and "crc 0x" in text


def test_inspect_reports_damage_and_reset_repairs(tmp_path):
    path = tmp_path / "s.ea"
    raw = bytearray((GOLDEN / "store.ea").read_bytes())
    raw[512 + 9] ^= 0xFF  # slot 0 record
    raw[512 + 4096 + 9] ^= 0xFF  # slot 1 record
    path.write_bytes(bytes(raw))
    out = run("state", "inspect", str(path))
    assert out.returncode == 1
    assert "bad commit record" in out.stdout and "edgeadapt state reset" in out.stdout
    out = run("state", "reset", str(path))
    assert out.returncode == 0, out.stderr
    assert "factory state restored" in out.stdout
    assert "(active)" in run("state", "inspect", str(path)).stdout


def test_errors_name_the_file_and_exit_1(tmp_path):
    path = tmp_path / "junk.ea"
    path.write_bytes(b"junk" * 20)
    out = run("state", "inspect", str(path))
    assert out.returncode == 1
    assert f"edgeadapt: error: {path}: not an edgeadapt state store" in out.stderr
    out = run("state", "reset", str(tmp_path / "missing.ea"))
    assert out.returncode == 1 and "no state store here yet" in out.stderr
