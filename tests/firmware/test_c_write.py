"""The C writer and two-slot commit produce the bytes Python writes, and each side loads the other's.

The library is built with ``-std=c99 -Werror -pedantic -Wconversion`` and ASan/UBSan;
``ea_run`` (firmware/tools/ea_run.c) re-encodes blobs and formats/commits stores through a
stdio storage device.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.state import FileStore, decode_blob, encode_blob

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
SANITIZE = "-fsanitize=address,undefined -fno-sanitize-recover=all"


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("fw-write")
    out = subprocess.run(
        ["make", "-C", str(ROOT / "firmware"), f"BUILD={out_dir}", f"SANITIZE={SANITIZE}"], capture_output=True, text=True
    )
    assert out.returncode == 0, f"the C library does not build:\n{out.stdout}\n{out.stderr}"
    return out_dir


def run(build, *args):
    out = subprocess.run([str(build / "ea_run"), *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


STATES = [
    {"count": np.int64(3), "mean": np.array([0.5, 1.5])},
    {"a": np.arange(6, dtype=np.int8).reshape(2, 3), "b": np.array([True, False]), "name": "caf\u00e9", "raw": b"\x00\x01",
     "u16": np.array([1, 65535], dtype=np.uint16), "z": np.zeros((0, 3), dtype=np.float32)},
    {},
]


@pytest.mark.parametrize("source", sorted(GOLDEN.glob("*.blob")), ids=lambda p: p.name)
def test_c_reencodes_golden_blobs_byte_identical(build, tmp_path, source):
    run(build, "reencode", source, tmp_path / "out.blob")
    assert (tmp_path / "out.blob").read_bytes() == source.read_bytes()


@pytest.mark.parametrize("state", STATES, ids=["example", "dtypes", "empty"])
def test_c_reencodes_python_blobs_byte_identical(build, tmp_path, state):
    (tmp_path / "in.blob").write_bytes(encode_blob(state))
    run(build, "reencode", tmp_path / "in.blob", tmp_path / "out.blob")
    assert (tmp_path / "out.blob").read_bytes() == encode_blob(state)


def test_c_store_equals_python_store_and_loads_both_ways(build, tmp_path):
    factory, s1, s2 = ({"n": np.int64(i), "w": np.arange(5.0) * i} for i in range(3))
    for i, state in enumerate((factory, s1, s2)):
        (tmp_path / f"s{i}.blob").write_bytes(encode_blob(state))
    c_path, py_path = tmp_path / "c.ea", tmp_path / "py.ea"
    run(build, "store-format", c_path, tmp_path / "s0.blob")
    py = FileStore(py_path)
    py.create(factory)
    py.close()
    assert c_path.read_bytes() == py_path.read_bytes()  # creation
    assert run(build, "store-commit", c_path, tmp_path / "s1.blob").split() == ["2", "1"]
    py = FileStore(py_path)
    py.load()
    py.save(s1)
    py.close()
    assert c_path.read_bytes() == py_path.read_bytes()  # a commit into slot 1
    # Python commits on the C file, C on the Python file: still identical, both read both
    py = FileStore(c_path)
    py.load()
    assert py.save(s2) == 3
    py.close()
    assert run(build, "store-commit", py_path, tmp_path / "s2.blob").split() == ["3", "0"]
    assert c_path.read_bytes() == py_path.read_bytes()
    got = FileStore(py_path).load()
    assert int(got["n"]) == 2 and np.array_equal(got["w"], s2["w"])
    assert encode_blob(FileStore(c_path).factory()) == encode_blob(factory)  # kept apart, untouched


def test_c_refuses_a_state_larger_than_its_slot(build, tmp_path):
    (tmp_path / "small.blob").write_bytes(encode_blob({"x": np.zeros(4)}))
    (tmp_path / "big.blob").write_bytes(encode_blob({"x": np.zeros(4096)}))
    run(build, "store-format", tmp_path / "s.ea", tmp_path / "small.blob")
    before = (tmp_path / "s.ea").read_bytes()
    out = subprocess.run([str(build / "ea_run"), "store-commit", str(tmp_path / "s.ea"), str(tmp_path / "big.blob")],
                         capture_output=True, text=True)
    assert out.returncode == 2 and out.stdout.startswith("error -10 ")
    assert (tmp_path / "s.ea").read_bytes() == before  # nothing written
