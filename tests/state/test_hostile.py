"""The Python decoder and store on hostile and damaged input (issue 9), one test per finding.

The inputs are the crafted files of tests/state/crafted.py (also in tests/state/corpus/,
which the differential test feeds to C as well).
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
import pytest

import crafted as cr
from edgeadapt.errors import (
    InputError,
    NoValidStateError,
    StateError,
    StateFormatError,
    StateRecoveryWarning,
    StateVersionError,
)
from edgeadapt.state import FileStore, decode_blob, encode_blob
from edgeadapt.state.blob import MAX_NAME_BYTES
from edgeadapt.state.storage import MemoryStorage
from edgeadapt.state.store import MAX_SEQUENCE, SlotStore

FILES = cr.crafted()


def store_over(data: bytes, **kw) -> SlotStore:
    storage = MemoryStorage("<crafted>")
    storage.data = bytearray(data)
    return SlotStore(storage, **kw)


@pytest.mark.parametrize("name", sorted(FILES))
def test_only_state_errors_come_out(name):
    """Whatever the bytes, decode_blob and the store raise a StateError subclass or succeed."""
    data = FILES[name]
    for read in (decode_blob, lambda d: store_over(d).load(), lambda d: store_over(d).inspect()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                read(data)
            except StateError:
                pass


REFUSED_BLOBS = [
    "dims-product-wraps", "dims-2p62-elements-8-bytes", "zero-size-huge-dims", "duplicate-name", "unsorted-names",
    "name-not-utf8", "name-overlong-utf8", "name-surrogate-utf8", "name-with-nul", "name-256-bytes",
    "string-not-utf8", "bytes-with-dims", "bool-byte-2", "ndim-9", "ndim-past-payload", "entry-size-too-large",
    "entry-size-padding", "data-size-huge", "count-huge", "count-zero-with-payload", "payload-size-wraps",
    "header-size-huge", "header-size-odd", "bad-crc", "trailing-byte", "empty-file", "magic-only",
]


@pytest.mark.parametrize("name", REFUSED_BLOBS)
def test_hostile_blobs_are_refused(name):
    with pytest.raises(StateFormatError, match="<blob>"):
        decode_blob(FILES[f"{name}.blob"])


@pytest.mark.parametrize("name", ["unknown-dtype", "future-major"])
def test_future_blobs_are_version_errors(name):
    with pytest.raises(StateVersionError, match="upgrade edgeadapt"):
        decode_blob(FILES[f"{name}.blob"])


def test_valid_edge_cases_are_accepted():
    assert decode_blob(FILES["zero-size-small-dims.blob"])["x"].shape == (0, 3)
    assert list(decode_blob(FILES["name-255-bytes.blob"])) == ["n" * 255]
    assert decode_blob(FILES["string-utf8-4byte.blob"])["s"] == "h\u00e9\u20ac\U0001f600"
    assert decode_blob(FILES["bool-ok.blob"])["b"].tolist() == [True, False]
    assert decode_blob(FILES["future-minor-larger-header.blob"])["x"] == 1  # minor versions extend the header


@pytest.mark.parametrize("name", ["", "a\x00b", "n" * (MAX_NAME_BYTES + 1), "\ud800", "\u00e9" * 128])
def test_encoder_refuses_exactly_the_names_the_decoder_refuses(name):
    """A store that loads can always be saved again: one name rule, both ways."""
    raw = name.encode("utf-8", "surrogatepass")
    with pytest.raises(InputError, match="rename the entry"):
        encode_blob({name: np.int8(1)})
    if raw:
        with pytest.raises(StateFormatError):
            decode_blob(cr.blob([cr.entry(raw, cr.U8, (), b"\1")]))


def test_valid_names_round_trip_both_ways():
    for name in ["w", "\u00e9" * 127, "n" * MAX_NAME_BYTES, "\U0001f600", "a.b.c"]:
        assert list(decode_blob(encode_blob({name: np.int8(1)}))) == [name]
        assert list(decode_blob(cr.blob([cr.entry(name.encode(), cr.U8, (), b"\1")]))) == [name]


def blob_with_entries(n: int) -> bytes:
    return encode_blob({f"e{i:06d}": np.int8(i % 100) for i in range(n)})


def test_decoding_work_is_linear_in_the_entries():
    """The duplicate-name check is an order check: 10x the entries take about 10x the time, not 100x."""
    small, large = blob_with_entries(4000), blob_with_entries(40000)
    assert len(large) > 1_000_000

    def best(data):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            decode_blob(data)
            times.append(time.perf_counter() - start)
        return min(times)

    ratio = best(large) / best(small)
    assert ratio < 30, f"40,000 entries take {ratio:.1f}x the time of 4,000 (quadratic would be ~100x)"


def test_newest_slot_with_an_invalid_string_falls_back():
    store = store_over(FILES["store-newest-invalid-string.ea"])
    with pytest.warns(StateRecoveryWarning, match="slot 1 is damaged"):
        state = store.load()
    assert store.sequence == 1 and int(state["n"]) == 1


def test_newest_slot_with_duplicate_names_falls_back():
    store = store_over(FILES["store-newest-duplicate-names.ea"])
    with pytest.warns(StateRecoveryWarning):
        assert int(store.load()["n"]) == 2


def test_newest_slot_with_a_future_dtype_refuses_the_store():
    """Falling back would drop a state a newer edgeadapt wrote: the store is refused instead."""
    with pytest.raises(StateVersionError):
        store_over(FILES["store-newest-future-dtype.ea"]).load()


def test_damaged_factory_blob_keeps_the_state_but_refuses_reset():
    data = FILES["store-factory-damaged.ea"]
    store = store_over(data)
    with pytest.warns(StateRecoveryWarning, match="factory state is damaged"):
        assert int(store.load()["n"]) == 2
    info = store.inspect()
    assert info.factory is None and "CRC mismatch" in info.factory_status
    with pytest.raises(StateFormatError, match="factory state is damaged"):
        store.reset()
    assert bytes(store.storage.data) == data
    assert store.save({"n": np.int64(3)}) == 3  # saving still works


def test_sequence_at_the_maximum_renumbers_instead_of_breaking_reset():
    data = FILES["store-seq-max.ea"]
    store = store_over(data)
    assert store.load() is not None and store.sequence == MAX_SEQUENCE
    seq = store.reset()
    assert seq == 2
    again = store_over(bytes(store.storage.data))
    assert int(again.load()["n"]) == 1 and again.sequence == 2  # the factory state, renumbered
    assert again.save({"n": np.int64(9)}) == 3


def test_sequence_zero_is_a_damaged_slot():
    store = store_over(FILES["store-seq-zero.ea"])
    with pytest.warns(StateRecoveryWarning, match="sequence number 0"):
        assert int(store.load()["n"]) == 1


def test_equal_sequences_choose_slot_0_like_c():
    store = store_over(FILES["store-seq-tie.ea"])
    assert int(store.load()["n"]) == 1 and store.inspect().active == 0


@pytest.mark.parametrize("name", [
    "store-factory-offset-wraps", "store-factory-size-wraps", "store-slots-offset-wraps", "store-capacity-wraps",
    "store-capacity-1tib", "store-capacity-not-pow2", "store-capacity-small", "store-header-size-65",
    "store-factory-misaligned", "store-slots-misaligned", "store-factory-overlaps-slots",
])
def test_inconsistent_store_headers_are_refused_and_left_alone(name):
    data = FILES[f"{name}.ea"]
    store = store_over(data)
    with pytest.raises(StateFormatError, match="inconsistent|cut short"):
        store.load()
    with pytest.raises(StateFormatError):
        store.reset()
    assert bytes(store.storage.data) == data


def test_a_save_never_writes_far_past_the_file(tmp_path):
    """The widest slots a reader accepts (4 GiB) do not make a save write gigabytes:
    slots wider than this writer would make for its size cap are rebuilt first."""
    g = cr.good_blob(1)
    path = tmp_path / "wide.ea"
    path.write_bytes(cr.store(g, [(1, g)], cap=2**32))
    store = FileStore(path, max_blob_bytes=1 << 20)
    assert int(store.load()["n"]) == 1
    store.save({"n": np.int64(2)})
    store.save({"n": np.int64(3)})
    store.close()
    assert os.stat(path).st_size < 1 << 16 and os.stat(path).st_blocks * 512 < 1 << 20
    assert int(FileStore(path).load()["n"]) == 3


def test_truncated_and_missing_slots():
    with pytest.warns(StateRecoveryWarning, match="payload truncated"):
        assert int(store_over(FILES["store-truncated-slot.ea"]).load()["n"]) == 1
    with pytest.raises(NoValidStateError, match="edgeadapt state reset"):
        store_over(FILES["store-no-slots.ea"]).load()
    assert store_over(FILES["store-no-slots.ea"]).reset() == 1
