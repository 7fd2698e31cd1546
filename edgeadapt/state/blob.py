"""Encode and decode the edgeadapt state blob (format 1.0, see ``docs/state-format.md``).

A blob is a flat mapping of names to numpy arrays, numpy scalars, ``bytes`` and
``str``, laid out little-endian with every array 8-byte aligned so that a C reader
can walk it in place, and closed by a CRC32.

Examples
--------
>>> import numpy as np
>>> blob = encode_blob({"count": np.int64(3), "mean": np.array([0.5, 1.5])})
>>> len(blob)
100
>>> state = decode_blob(blob)
>>> int(state["count"]), state["mean"].tolist()
(3, [0.5, 1.5])
>>> encode_blob(state) == blob
True
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..errors import (
    InputError,
    StateChecksumError,
    StateFormatError,
    StateTruncatedError,
    StateVersionError,
)

__all__ = [
    "BLOB_MAGIC",
    "FORMAT_MAJOR",
    "FORMAT_MINOR",
    "BlobEntry",
    "BlobInfo",
    "encode_blob",
    "decode_blob",
    "read_blob_info",
    "crc32",
]

BLOB_MAGIC = b"EAST"
FORMAT_MAJOR = 1
FORMAT_MINOR = 0
ALIGNMENT = 8
MAX_NDIM = 8
MAX_NAME_BYTES = 255

# header: magic, major, minor, header_size, entry_count, payload_size
_HEADER = struct.Struct("<4sHHIIQ")
# entry: entry_size, name_size, dtype code, ndim, data_size
_ENTRY = struct.Struct("<IHBBQ")
_CRC = struct.Struct("<I")
HEADER_SIZE = _HEADER.size
ENTRY_HEADER_SIZE = _ENTRY.size
CRC_SIZE = _CRC.size

# dtype codes of format 1.0: the single table both encoder and decoder use.
DTYPE_BYTES = 16
DTYPE_UTF8 = 17
_NUMERIC_CODES: dict[int, np.dtype] = {
    1: np.dtype("<f4"),
    2: np.dtype("<f8"),
    3: np.dtype("i1"),
    4: np.dtype("<i4"),
    5: np.dtype("<i8"),
    6: np.dtype("u1"),
    7: np.dtype("<u4"),
    8: np.dtype("<u8"),
    9: np.dtype("?"),
    10: np.dtype("<i2"),
    11: np.dtype("<u2"),
}
_CODE_OF_KIND = {(dt.kind, dt.itemsize): code for code, dt in _NUMERIC_CODES.items()}
DTYPE_NAMES = {code: dt.name for code, dt in _NUMERIC_CODES.items()}
DTYPE_NAMES.update({DTYPE_BYTES: "bytes", DTYPE_UTF8: "utf8"})


def crc32(data: bytes | memoryview, value: int = 0) -> int:
    """CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib computes it.

    Examples
    --------
    >>> hex(crc32(b"123456789"))
    '0xcbf43926'
    """
    return zlib.crc32(data, value) & 0xFFFFFFFF


def _align(n: int) -> int:
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


@dataclass(frozen=True)
class BlobEntry:
    """Where one named value sits in a blob, as ``edgeadapt state inspect`` shows it."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    offset: int
    nbytes: int


@dataclass(frozen=True)
class BlobInfo:
    """Header fields and entry table of a blob whose checksum holds."""

    major: int
    minor: int
    size: int
    crc: int
    entries: tuple[BlobEntry, ...]


def _as_encodable(name: str, value: Any) -> tuple[int, tuple[int, ...], memoryview]:
    """Return (dtype code, shape, little-endian bytes as a flat view) of one state value."""
    if isinstance(value, str):
        return DTYPE_UTF8, (), memoryview(value.encode("utf-8"))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return DTYPE_BYTES, (), memoryview(bytes(value))
    if isinstance(value, bool):
        arr = np.asarray(value, dtype=np.bool_)
    elif isinstance(value, int):
        arr = np.asarray(value, dtype=np.int64)
    elif isinstance(value, float):
        arr = np.asarray(value, dtype=np.float64)
    else:
        arr = np.asarray(value)
    code = _CODE_OF_KIND.get((arr.dtype.kind, arr.dtype.itemsize))
    if code is None or arr.dtype.kind not in "biuf":
        raise InputError(
            f"state entry {name!r} has dtype {arr.dtype}, which the state blob cannot hold; "
            "convert it to one of float32, float64, int8/16/32/64, uint8/16/32/64, bool, bytes or str"
        )
    if arr.ndim > MAX_NDIM:
        raise InputError(f"state entry {name!r} has {arr.ndim} dimensions; the blob holds at most {MAX_NDIM}")
    if any(d > 0xFFFFFFFF for d in arr.shape):
        raise InputError(f"state entry {name!r} has a dimension over 2**32-1: split it")
    flat = np.ascontiguousarray(arr, dtype=_NUMERIC_CODES[code]).reshape(-1)
    return code, tuple(int(d) for d in arr.shape), memoryview(flat).cast("B")


def _check_name(name: Any) -> bytes:
    if not isinstance(name, str) or not name:
        raise InputError(f"state names must be non-empty strings, got {name!r}")
    raw = name.encode("utf-8")
    if len(raw) > MAX_NAME_BYTES or "\x00" in name:
        raise InputError(f"state name {name!r} is over {MAX_NAME_BYTES} UTF-8 bytes or holds a NUL; shorten it")
    return raw


def encode_blob(state: Mapping[str, Any]) -> bytes:
    """Encode a flat state mapping as a format-1.0 blob.

    Entries are written in sorted name order, so equal states give identical bytes.

    Parameters
    ----------
    state : Mapping[str, Any]
        Names to numpy arrays or scalars of a supported dtype, Python ``int``
        (stored as int64), ``float`` (float64), ``bool``, ``bytes`` or ``str``.

    Returns
    -------
    bytes

    Raises
    ------
    InputError
        For a name or value the format cannot hold; the message names the entry.

    Examples
    --------
    >>> encode_blob({})[:4]
    b'EAST'
    """
    entries = []
    size = HEADER_SIZE
    for name in sorted(state, key=lambda n: _check_name(n)):
        raw_name = _check_name(name)
        code, shape, data = _as_encodable(name, state[name])
        data_at = _align(ENTRY_HEADER_SIZE + 4 * len(shape) + len(raw_name))
        entry_size = data_at + _align(len(data))
        if entry_size > 0xFFFFFFFF:
            raise InputError(f"state entry {name!r} is over 4 GiB; split it")
        entries.append((raw_name, code, shape, data, data_at, entry_size))
        size += entry_size
    buf = bytearray(size + CRC_SIZE)
    _HEADER.pack_into(buf, 0, BLOB_MAGIC, FORMAT_MAJOR, FORMAT_MINOR, HEADER_SIZE, len(entries), size - HEADER_SIZE)
    pos = HEADER_SIZE
    for raw_name, code, shape, data, data_at, entry_size in entries:
        _ENTRY.pack_into(buf, pos, entry_size, len(raw_name), code, len(shape), len(data))
        struct.pack_into(f"<{len(shape)}I", buf, pos + ENTRY_HEADER_SIZE, *shape)
        name_at = pos + ENTRY_HEADER_SIZE + 4 * len(shape)
        buf[name_at : name_at + len(raw_name)] = raw_name
        buf[pos + data_at : pos + data_at + len(data)] = data
        pos += entry_size
    view = memoryview(buf)
    _CRC.pack_into(buf, size, crc32(view[:size]))
    view.release()
    return bytes(buf)


def _parse(data: bytes | memoryview, source: str, materialize: bool):
    buf = memoryview(data).cast("B") if not isinstance(data, memoryview) else data.cast("B")
    size = len(buf)
    if size < 4 or bytes(buf[:4]) != BLOB_MAGIC:
        raise StateFormatError(
            f"{source}: not an edgeadapt state blob (magic {bytes(buf[:4])!r}, expected {BLOB_MAGIC!r}); "
            "check that the path names a state blob"
        )
    if size < HEADER_SIZE + CRC_SIZE:
        raise StateTruncatedError(f"{source}: blob is {size} bytes, shorter than its {HEADER_SIZE}-byte header; it was cut short")
    magic, major, minor, header_size, count, payload_size = _HEADER.unpack_from(buf, 0)
    if major != FORMAT_MAJOR:
        raise StateVersionError(
            f"{source}: state format {major}.{minor} is not readable by this edgeadapt, which reads "
            f"format {FORMAT_MAJOR}.x; upgrade edgeadapt, or reset the state"
        )
    if header_size < HEADER_SIZE or header_size % ALIGNMENT:
        raise StateFormatError(f"{source}: header size {header_size} is invalid; the blob is corrupt")
    expected = header_size + payload_size + CRC_SIZE
    if size < expected:
        raise StateTruncatedError(
            f"{source}: blob is {size} bytes but its header declares {expected}; it was cut short "
            "(restore a backup or reset the state)"
        )
    if size > expected:
        raise StateFormatError(f"{source}: {size - expected} bytes follow the end of the blob; the blob is corrupt")
    (stored,) = _CRC.unpack_from(buf, expected - CRC_SIZE)
    actual = crc32(buf[: expected - CRC_SIZE])
    if stored != actual:
        raise StateChecksumError(
            f"{source}: CRC mismatch (stored {stored:#010x}, computed {actual:#010x}); the blob is corrupt"
        )
    entries: list[BlobEntry] = []
    values: dict[str, Any] = {}
    pos = header_size
    end = header_size + payload_size
    for index in range(count):
        if pos + ENTRY_HEADER_SIZE > end:
            raise StateFormatError(f"{source}: entry {index} starts past the payload; the blob is corrupt")
        entry_size, name_size, code, ndim, data_size = _ENTRY.unpack_from(buf, pos)
        if ndim > MAX_NDIM or entry_size % ALIGNMENT or pos + entry_size > end or name_size == 0:
            raise StateFormatError(f"{source}: entry {index} has an invalid header; the blob is corrupt")
        if code not in _NUMERIC_CODES and code not in (DTYPE_BYTES, DTYPE_UTF8):
            raise StateVersionError(
                f"{source}: entry {index} uses dtype code {code}, unknown to format "
                f"{FORMAT_MAJOR}.{FORMAT_MINOR} (the blob is {major}.{minor}); upgrade edgeadapt"
            )
        dims_at = pos + ENTRY_HEADER_SIZE
        shape = struct.unpack_from(f"<{ndim}I", buf, dims_at)
        name_at = dims_at + 4 * ndim
        data_at = pos + _align(ENTRY_HEADER_SIZE + 4 * ndim + name_size)
        if data_at + data_size > pos + entry_size:
            raise StateFormatError(f"{source}: entry {index} overruns its size; the blob is corrupt")
        try:
            name = bytes(buf[name_at : name_at + name_size]).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StateFormatError(f"{source}: entry {index} has a name that is not UTF-8") from exc
        if name in values or any(e.name == name for e in entries):
            raise StateFormatError(f"{source}: entry name {name!r} appears twice; the blob is corrupt")
        raw = buf[data_at : data_at + data_size]
        if code in _NUMERIC_CODES:
            dt = _NUMERIC_CODES[code]
            if data_size != math.prod(shape) * dt.itemsize:
                raise StateFormatError(
                    f"{source}: entry {name!r} holds {data_size} bytes, not the {math.prod(shape) * dt.itemsize} "
                    "its shape and dtype need; the blob is corrupt"
                )
            dtype_name = dt.name
            if materialize:
                arr = np.frombuffer(raw, dtype=dt).reshape(shape).astype(dt.newbyteorder("="), copy=True)
                values[name] = arr[()] if ndim == 0 else arr
        else:
            if ndim != 0:
                raise StateFormatError(f"{source}: entry {name!r} of type bytes/utf8 must have no dimensions")
            dtype_name = DTYPE_NAMES[code]
            if materialize:
                if code == DTYPE_BYTES:
                    values[name] = bytes(raw)
                else:
                    try:
                        values[name] = bytes(raw).decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise StateFormatError(f"{source}: entry {name!r} is not valid UTF-8") from exc
        entries.append(BlobEntry(name, dtype_name, tuple(shape), data_at, data_size))
        pos += entry_size
    if pos != end:
        raise StateFormatError(f"{source}: {end - pos} payload bytes follow the last entry; the blob is corrupt")
    info = BlobInfo(major, minor, expected, stored, tuple(entries))
    return info, values


def decode_blob(data: bytes | memoryview, source: str = "<blob>") -> dict[str, Any]:
    """Decode a blob into a dict of numpy arrays, numpy scalars, ``bytes`` and ``str``.

    Parameters
    ----------
    data : bytes
        Exactly one blob.
    source : str
        Named in error messages: the file or slot the bytes came from.

    Returns
    -------
    dict
        Arrays are writable copies in native byte order; 0-d numeric entries come
        back as numpy scalars, so that re-encoding gives identical bytes.

    Raises
    ------
    StateFormatError, StateTruncatedError, StateChecksumError, StateVersionError
        With the source, the reason and what to do.

    Examples
    --------
    >>> decode_blob(b"nope", source="x.ea")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.StateFormatError: x.ea: not an edgeadapt state blob (magic b'nope', expected b'EAST'); check that the path names a state blob
    """
    return _parse(data, source, materialize=True)[1]


def read_blob_info(data: bytes | memoryview, source: str = "<blob>") -> BlobInfo:
    """Validate a blob and return its header and entry table without copying arrays.

    Examples
    --------
    >>> import numpy as np
    >>> info = read_blob_info(encode_blob({"w": np.zeros((2, 3), np.float32)}))
    >>> info.entries[0]
    BlobEntry(name='w', dtype='float32', shape=(2, 3), offset=56, nbytes=24)
    """
    return _parse(data, source, materialize=False)[0]
