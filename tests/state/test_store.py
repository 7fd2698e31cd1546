"""Slot stores on real files: fallback, refusal, growth, size cap, factory reset."""

from __future__ import annotations

import json
import shutil
import struct
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.errors import (
    BlobTooLargeError,
    NoValidStateError,
    StateChecksumError,
    StateFormatError,
    StateRecoveryWarning,
    StateTruncatedError,
    StateVersionError,
)
from edgeadapt.state import FileStore, MemoryStore, encode_blob
from edgeadapt.state.store import RECORD_SIZE

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
sys.path.insert(0, str(GOLDEN))
from make_golden import describe  # noqa: E402


@pytest.fixture
def golden_store(tmp_path):
    path = tmp_path / "store.ea"
    shutil.copy(GOLDEN / "store.ea", path)
    return path


def slot_offsets(path):
    info = FileStore(path).inspect()
    return [s.offset for s in info.slots]


def test_golden_store_reads_back(golden_store):
    expected = json.loads((GOLDEN / "store.json").read_text())
    store = FileStore(golden_store)
    assert describe(store.load()) == expected["state"]
    assert store.sequence == expected["sequence"]
    assert describe(store.factory()) == expected["factory"]
    assert store.inspect().active == expected["active_slot"]


def test_new_store_loads_none_then_saves(tmp_path):
    store = FileStore(tmp_path / "sub" / "s.ea")
    assert store.load() is None
    assert store.save({"x": np.ones(2)}) == 1
    assert store.save({"x": np.zeros(2)}) == 2
    again = FileStore(tmp_path / "sub" / "s.ea")
    assert again.load()["x"].tolist() == [0.0, 0.0] and again.sequence == 2
    assert again.factory()["x"].tolist() == [1.0, 1.0]


def test_save_never_writes_the_newest_slot(golden_store):
    before = golden_store.read_bytes()
    store = FileStore(golden_store)
    store.load()
    active = store.inspect().active
    off = slot_offsets(golden_store)[active]
    store.save({"n": np.int64(9), "mean": np.zeros(3)})
    after = golden_store.read_bytes()
    size = store.inspect().slots[active].payload_size
    assert after[off : off + RECORD_SIZE + size] == before[off : off + RECORD_SIZE + size]


def test_damaged_newest_slot_falls_back_with_warning(golden_store):
    active = FileStore(golden_store).inspect().active
    off = slot_offsets(golden_store)[active]
    raw = bytearray(golden_store.read_bytes())
    raw[off + RECORD_SIZE + 30] ^= 0xFF
    golden_store.write_bytes(bytes(raw))
    other = 1 - active
    with pytest.warns(StateRecoveryWarning, match=rf"{golden_store}.*slot {active} is damaged.*using slot {other}"):
        state = FileStore(golden_store).load()
    assert int(state["n"]) == 1


def test_both_slots_damaged_raise_and_leave_file_untouched(golden_store):
    raw = bytearray(golden_store.read_bytes())
    for off in slot_offsets(golden_store):
        raw[off + 9] ^= 0xFF
    golden_store.write_bytes(bytes(raw))
    before = golden_store.read_bytes()
    store = FileStore(golden_store)
    with pytest.raises(NoValidStateError, match=rf"{golden_store}.*edgeadapt state reset"):
        store.load()
    with pytest.raises(NoValidStateError):
        store.save({"n": np.int64(1)})
    assert golden_store.read_bytes() == before
    # the factory state still restores a working store
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StateRecoveryWarning)
        FileStore(golden_store).reset()
        assert int(FileStore(golden_store).load()["n"]) == 0


def test_wrong_magic_names_the_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello, not a state")
    with pytest.raises(StateFormatError, match=rf"{path}: not an edgeadapt state store"):
        FileStore(path).load()
    assert path.read_text() == "hello, not a state"


def test_bare_blob_is_recognised(tmp_path):
    path = tmp_path / "x.blob"
    path.write_bytes(encode_blob({"a": 1}))
    with pytest.raises(StateFormatError, match="bare state blob"):
        FileStore(path).load()


def test_future_store_version_is_refused(golden_store):
    raw = bytearray(golden_store.read_bytes())
    struct.pack_into("<H", raw, 4, 7)
    golden_store.write_bytes(bytes(raw))
    with pytest.raises(StateVersionError, match=rf"{golden_store}: store format 7\.0 .*upgrade edgeadapt"):
        FileStore(golden_store).load()


def test_header_crc_mismatch(golden_store):
    raw = bytearray(golden_store.read_bytes())
    raw[20] ^= 1
    golden_store.write_bytes(bytes(raw))
    with pytest.raises(StateChecksumError, match="store header CRC mismatch"):
        FileStore(golden_store).load()


def test_every_truncation_gives_a_state_or_a_clear_error(golden_store):
    raw = golden_store.read_bytes()
    expected = json.loads((GOLDEN / "store.json").read_text())
    older = {"n": 1, "mean": [1.0, 2.0, 3.0]}
    for cut in range(0, len(raw), 7):
        golden_store.write_bytes(raw[:cut])
        store = FileStore(golden_store)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", StateRecoveryWarning)
                state = store.load()
        except (StateTruncatedError, StateFormatError, NoValidStateError) as exc:
            assert str(golden_store) in str(exc)
            continue
        got = {"n": int(state["n"]), "mean": state["mean"].tolist()}
        assert got in (older, {"n": 2, "mean": expected["state"]["mean"]["value"]})


def test_growth_keeps_both_states(tmp_path):
    path = tmp_path / "grow.ea"
    store = FileStore(path)
    store.save({"x": np.zeros(4)})
    store.save({"x": np.ones(4)})
    big = np.arange(5000, dtype=np.float64)
    store.save({"x": big})
    info = FileStore(path).inspect()
    assert info.slot_capacity >= 2 * len(encode_blob({"x": big}))
    assert sorted(s.sequence for s in info.slots) == [2, 3]
    assert np.array_equal(FileStore(path).load()["x"], big)
    store.save({"x": np.ones(3)})
    assert FileStore(path).load()["x"].tolist() == [1.0, 1.0, 1.0]
    assert FileStore(path).factory()["x"].tolist() == [0.0] * 4


def test_size_cap(tmp_path):
    store = FileStore(tmp_path / "cap.ea", max_blob_bytes=1024)
    store.save({"x": np.zeros(8)})
    with pytest.raises(BlobTooLargeError, match="over the cap of 1024"):
        store.save({"x": np.zeros(1000)})
    assert FileStore(tmp_path / "cap.ea").load()["x"].shape == (8,)


def test_create_refuses_to_overwrite(tmp_path):
    store = FileStore(tmp_path / "c.ea")
    store.create({"a": 1})
    with pytest.raises(FileExistsError):
        FileStore(tmp_path / "c.ea").create({"a": 2})


def test_memory_store_round_trip():
    store = MemoryStore()
    for i in range(5):
        store.save({"i": np.int64(i)})
    assert int(store.load()["i"]) == 4 and store.sequence == 5
