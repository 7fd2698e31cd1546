"""One layout spec: the committed Python and C constants are generated from it.

Changing a field in spec/state/layout.toml without running ``python -m
edgeadapt.state._gen`` fails here; and the C build really uses the generated header (a
spec with another magic, built into a copy of firmware/, refuses the golden blobs).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from edgeadapt.state import _gen

from cbuild import build_ea_dump

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


def test_committed_generated_files_are_fresh(tmp_path):
    written = _gen.generate(_gen.DEFAULT_SPEC, tmp_path)
    for path in written:
        rel = path.relative_to(tmp_path)
        committed = (ROOT / rel).read_text()
        assert committed == path.read_text(), (
            f"{rel} is stale: spec/state/layout.toml changed without regenerating; run python -m edgeadapt.state._gen"
        )


def changed_spec(tmp_path, old: str, new: str) -> Path:
    text = _gen.DEFAULT_SPEC.read_text()
    assert old in text
    spec = tmp_path / "layout.toml"
    spec.write_text(text.replace(old, new, 1))
    return spec


def test_a_changed_field_makes_the_committed_files_stale(tmp_path):
    spec = changed_spec(tmp_path, 'name = "entry_count"\noffset = 12\ntype = "u32"', 'name = "entry_count"\noffset = 12\ntype = "u16"')
    with pytest.raises(ValueError, match="payload_size is at 16"):
        _gen.load_spec(spec)  # offsets are checked: a field cannot silently move
    spec = changed_spec(tmp_path, "max_name_bytes = 255", "max_name_bytes = 127")
    out = tmp_path / "gen"
    py, c = _gen.generate(spec, out)
    assert py.read_text() != (ROOT / _gen.PY_OUT).read_text()
    assert c.read_text() != (ROOT / _gen.C_OUT).read_text()


def test_the_c_build_uses_the_generated_header(tmp_path):
    firmware = tmp_path / "firmware"
    shutil.copytree(ROOT / "firmware", firmware, ignore=shutil.ignore_patterns("build"))
    spec = changed_spec(tmp_path, 'magic = "EAST"', 'magic = "EASX"')
    _gen.generate(spec, tmp_path)  # rewrites tmp_path/firmware/include/edgeadapt/ea_layout.h
    tool = build_ea_dump(tmp_path / "build", sanitize="", firmware=firmware)
    out = subprocess.run([str(tool), "blob", str(GOLDEN / "arrays.blob")], capture_output=True, text=True)
    assert out.returncode == 2 and out.stdout.startswith("error -2 "), out.stdout  # wrong magic now
    fresh = build_ea_dump(tmp_path / "fresh", sanitize="")
    assert subprocess.run([str(fresh), "blob", str(GOLDEN / "arrays.blob")], capture_output=True).returncode == 0


def test_no_hand_written_layout_is_left():
    """blob.py, store.py and ea_state.c take offsets, sizes and formats from the generated files."""
    for name in ("blob.py", "store.py"):
        text = (ROOT / "edgeadapt" / "state" / name).read_text()
        formats = re.findall(r'Struct\("(<[^"]*)"\)', text)
        assert set(formats) <= {"<I"}, (name, formats)  # only the CRC word, which the spec defines as u32
        assert "b\"EAS" not in text, name
    c = (ROOT / "firmware" / "src" / "ea_state.c").read_text()
    body = c.split("EA_CHECK(magic_sizes", 1)[1]
    assert not re.search(r"\b(p|r) \+ \d", body), "a numeric offset in ea_state.c"
    assert '"EAS' not in body
