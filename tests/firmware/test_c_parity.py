"""The C99 library reads the same blobs and stores as Python, and refuses the same damage.

The library is compiled here (``firmware/Makefile``, ``-std=c99 -Werror -pedantic``, with
AddressSanitizer and UBSan), and ``ea_dump`` prints what it reads as JSON.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.errors import (
    NoValidStateError,
    StateChecksumError,
    StateError,
    StateRecoveryWarning,
    StateTruncatedError,
    StateVersionError,
)
from edgeadapt.state import FileStore, decode_blob, encode_blob
from edgeadapt.state.faults import TAIL_GARBAGE, PowerCut, PowerCutStorage, count_operations
from edgeadapt.state.store import SlotStore

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
SANITIZE = "-fsanitize=address,undefined -fno-sanitize-recover=all"
EA_ERR = {"truncated": -3, "crc": -4, "version": -5, "no_valid_slot": -9}


@pytest.fixture(scope="session")
def ea_dump(tmp_path_factory):
    build = tmp_path_factory.mktemp("firmware-build")
    out = subprocess.run(
        ["make", "-C", str(ROOT / "firmware"), f"BUILD={build}", f"SANITIZE={SANITIZE}"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, f"the C library does not build:\n{out.stdout}\n{out.stderr}"
    return build / "ea_dump"


def c_read(tool, kind, data: bytes, tmp_path):
    path = tmp_path / f"in.{kind}"
    path.write_bytes(data)
    out = subprocess.run([str(tool), kind, str(path)], capture_output=True, text=True)
    if out.returncode == 2:
        assert out.stdout.startswith("error "), out.stdout
        return int(out.stdout.split()[1])
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def as_c_json(state):
    """What ea_dump prints for a Python-decoded state."""
    out = {}
    for name, value in state.items():
        if isinstance(value, str):
            out[name] = {"dtype": "utf8", "hex": value.encode().hex()}
        elif isinstance(value, bytes):
            out[name] = {"dtype": "bytes", "hex": value.hex()}
        else:
            arr = np.asarray(value)
            out[name] = {"dtype": arr.dtype.name, "shape": list(arr.shape), "flat": arr.reshape(-1).tolist()}
    return out


def same_values(c_state, py_state):
    assert set(c_state) == set(py_state)
    for name, value in py_state.items():
        c = c_state[name]
        if isinstance(value, (bytes, str)):
            assert c == as_c_json({name: value})[name]
            continue
        arr = np.asarray(value)
        assert c["dtype"] == arr.dtype.name and c["shape"] == list(arr.shape)
        assert np.array_equal(np.array(c["flat"], dtype=arr.dtype), arr.reshape(-1))


@pytest.mark.parametrize("name", ["scalars", "arrays", "empty"])
def test_c_reads_golden_blobs_like_python(ea_dump, tmp_path, name):
    raw = (GOLDEN / f"{name}.blob").read_bytes()
    same_values(c_read(ea_dump, "blob", raw, tmp_path), decode_blob(raw))


def test_c_reads_golden_store_like_python(ea_dump, tmp_path):
    raw = (GOLDEN / "store.ea").read_bytes()
    c = c_read(ea_dump, "store", raw, tmp_path)
    expected = json.loads((GOLDEN / "store.json").read_text())
    assert c["sequence"] == expected["sequence"] and c["active_slot"] == expected["active_slot"]
    store = FileStore(GOLDEN / "store.ea")
    same_values(c["state"], store.load())
    same_values(c["factory"], store.factory())


def test_c_refuses_what_python_refuses(ea_dump, tmp_path):
    raw = (GOLDEN / "arrays.blob").read_bytes()
    variants = [raw[:cut] for cut in range(0, len(raw), 5)]
    for pos in range(0, len(raw), 3):
        damaged = bytearray(raw)
        damaged[pos] ^= 0x5A
        variants.append(bytes(damaged))
    for data in variants:
        c = c_read(ea_dump, "blob", data, tmp_path)
        with pytest.raises(StateError) as err:
            decode_blob(data)
        assert isinstance(c, int) and c < 0, (c, err.value)
        if isinstance(err.value, StateTruncatedError):
            assert c == EA_ERR["truncated"]
        if isinstance(err.value, StateChecksumError):
            assert c == EA_ERR["crc"]


def test_c_refuses_a_future_major_version(ea_dump, tmp_path):
    raw = bytearray(encode_blob({"x": np.float32(1)}))
    struct.pack_into("<H", raw, 4, 2)
    with pytest.raises(StateVersionError):
        decode_blob(bytes(raw))
    assert c_read(ea_dump, "blob", bytes(raw), tmp_path) == EA_ERR["version"]


def test_c_picks_the_same_slot_after_power_cuts(ea_dump, tmp_path):
    """After torn saves, C and Python agree on the current state, sequence and slot."""
    base = PowerCutStorage()
    store = SlotStore(base)
    store.create({"n": np.int64(0), "w": np.zeros(5)})
    store.save({"n": np.int64(1), "w": np.ones(5)})
    new = {"n": np.int64(2), "w": np.arange(5.0)}
    ops = count_operations(base.durable, lambda s: SlotStore(s).save(new))
    checked = 0
    for op_index, op in enumerate(ops):
        for offset in range(0, op.size + 1, 9) if op.kind == "write" else [0]:
            cut = PowerCutStorage(base.durable, cut_at=op_index, cut_offset=offset, tail=TAIL_GARBAGE, seed=offset)
            with pytest.raises(PowerCut):
                SlotStore(cut).save(new)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", StateRecoveryWarning)
                py = SlotStore(PowerCutStorage(cut.durable))
                state = py.load()
            c = c_read(ea_dump, "store", cut.durable, tmp_path)
            assert c["sequence"] == py.sequence and c["active_slot"] == py._active
            same_values(c["state"], state)
            checked += 1
    print(f"C/Python slot agreement over {checked} torn images", file=sys.stderr)
    assert checked > 10


def test_c_reports_no_valid_slot(ea_dump, tmp_path):
    raw = bytearray((GOLDEN / "store.ea").read_bytes())
    raw[512 + 9] ^= 0xFF
    raw[512 + 4096 + 9] ^= 0xFF
    with pytest.raises(NoValidStateError):
        SlotStore(PowerCutStorage(bytes(raw))).load()
    assert c_read(ea_dump, "store", bytes(raw), tmp_path) == EA_ERR["no_valid_slot"]
