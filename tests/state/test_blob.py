"""The blob format: golden files read back exactly; damaged variants refused as documented."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.errors import (
    InputError,
    StateChecksumError,
    StateFormatError,
    StateTruncatedError,
    StateVersionError,
)
from edgeadapt.state import decode_blob, encode_blob, read_blob_info

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
sys.path.insert(0, str(GOLDEN))
from make_golden import describe, from_description  # noqa: E402

BLOBS = ["scalars", "arrays", "empty"]


@pytest.mark.parametrize("name", BLOBS)
def test_golden_blob_reads_back_exactly(name):
    raw = (GOLDEN / f"{name}.blob").read_bytes()
    expected = json.loads((GOLDEN / f"{name}.json").read_text())
    state = decode_blob(raw, source=name)
    assert describe(state) == expected
    for key, value in state.items():
        if isinstance(value, (bytes, str)):
            continue
        assert np.asarray(value).dtype.name == expected[key]["dtype"]


@pytest.mark.parametrize("name", BLOBS)
def test_encoding_the_description_gives_the_golden_bytes(name):
    raw = (GOLDEN / f"{name}.blob").read_bytes()
    state = from_description(json.loads((GOLDEN / f"{name}.json").read_text()))
    assert encode_blob(state) == raw
    assert encode_blob(decode_blob(raw)) == raw


def test_every_array_is_8_byte_aligned():
    raw = (GOLDEN / "arrays.blob").read_bytes()
    for entry in read_blob_info(raw).entries:
        assert entry.offset % 8 == 0, entry


@pytest.mark.parametrize("name", BLOBS)
def test_every_truncation_is_refused(name):
    raw = (GOLDEN / f"{name}.blob").read_bytes()
    for cut in range(len(raw)):
        with pytest.raises(StateFormatError) as err:
            decode_blob(raw[:cut], source=f"{name}.blob")
        assert f"{name}.blob" in str(err.value)
        if cut >= 28:
            assert isinstance(err.value, StateTruncatedError)


def test_every_flipped_byte_is_refused():
    raw = bytearray((GOLDEN / "arrays.blob").read_bytes())
    for pos in range(len(raw)):
        damaged = bytearray(raw)
        damaged[pos] ^= 0x5A
        with pytest.raises((StateFormatError, StateVersionError)):
            decode_blob(bytes(damaged), source="arrays.blob")


def test_crc_mismatch_names_source_and_reason():
    raw = bytearray((GOLDEN / "arrays.blob").read_bytes())
    raw[40] ^= 1
    with pytest.raises(StateChecksumError, match=r"arrays\.blob: CRC mismatch"):
        decode_blob(bytes(raw), source="arrays.blob")


def test_future_major_version_is_refused_with_the_fix():
    raw = bytearray((GOLDEN / "scalars.blob").read_bytes())
    struct.pack_into("<H", raw, 4, 2)
    with pytest.raises(StateVersionError, match=r"future\.blob: state format 2\.0 .* upgrade edgeadapt"):
        decode_blob(bytes(raw), source="future.blob")


def test_future_minor_version_with_larger_header_is_read():
    raw = (GOLDEN / "scalars.blob").read_bytes()
    magic, major, minor, header_size, count, payload = struct.unpack_from("<4sHHIIQ", raw)
    extra = b"\x00" * 8  # a 1.1 header field this reader does not know
    body = struct.pack("<4sHHIIQ", magic, major, minor + 1, header_size + 8, count, payload) + extra
    body += raw[header_size:-4]
    import zlib

    blob = body + struct.pack("<I", zlib.crc32(body))
    assert describe(decode_blob(blob)) == describe(decode_blob(raw))


def test_unknown_dtype_code_is_a_version_error():
    state = {"x": np.float32(1)}
    raw = bytearray(encode_blob(state))
    raw[24 + 6] = 99  # dtype code of the first entry
    import zlib

    struct.pack_into("<I", raw, len(raw) - 4, zlib.crc32(bytes(raw[:-4])))
    with pytest.raises(StateVersionError, match="dtype code 99"):
        decode_blob(bytes(raw))


def test_trailing_bytes_are_refused():
    raw = (GOLDEN / "empty.blob").read_bytes()
    with pytest.raises(StateFormatError, match="follow the end"):
        decode_blob(raw + b"\x00")


@pytest.mark.parametrize(
    "value",
    [np.array([1 + 2j]), np.array(["a"], dtype=object), np.float16(1.0), np.zeros((1,) * 9)],
)
def test_values_the_format_cannot_hold_are_refused(value):
    with pytest.raises(InputError, match="'bad'"):
        encode_blob({"bad": value})


def test_bad_names_are_refused():
    with pytest.raises(InputError):
        encode_blob({"": 1})
    with pytest.raises(InputError):
        encode_blob({"x" * 256: 1})


def test_python_scalars_map_to_fixed_width_types():
    state = decode_blob(encode_blob({"i": 3, "f": 0.5, "b": True}))
    assert state["i"].dtype == np.int64 and state["f"].dtype == np.float64 and state["b"].dtype == np.bool_


def test_big_endian_input_is_stored_little_endian():
    be = np.arange(4, dtype=">i4")
    assert encode_blob({"x": be}) == encode_blob({"x": be.astype("<i4")})
