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
from . import _layout as L

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
    "check_name",
]

# Every layout constant comes from spec/state/layout.toml through the generated _layout.
BLOB_MAGIC = L.BLOB_MAGIC
FORMAT_MAJOR = L.BLOB_FORMAT_MAJOR
FORMAT_MINOR = L.BLOB_FORMAT_MINOR
ALIGNMENT = L.BLOB_ALIGNMENT
MAX_NDIM = L.MAX_NDIM
MAX_NAME_BYTES = L.MAX_NAME_BYTES
MAX_ENTRY_BYTES = L.MAX_ENTRY_BYTES
MAX_DIM = (1 << (8 * L.BLOB_DIM_SIZE)) - 1

_HEADER = struct.Struct(L.BLOB_HEADER_FORMAT)
_ENTRY = struct.Struct(L.ENTRY_FORMAT)
_CRC = struct.Struct("<I")
_DIM_CODE = {4: "I"}[L.BLOB_DIM_SIZE]
HEADER_SIZE = L.BLOB_HEADER_SIZE
ENTRY_HEADER_SIZE = L.ENTRY_SIZE
CRC_SIZE = L.BLOB_CRC_SIZE
assert _HEADER.size == HEADER_SIZE and _ENTRY.size == ENTRY_HEADER_SIZE and _CRC.size == CRC_SIZE

# dtype codes of format 1.x: the single table both encoder and decoder use.
DTYPE_BYTES = L.DTYPE_BYTES
DTYPE_UTF8 = L.DTYPE_UTF8
_NUMERIC_CODES: dict[int, np.dtype] = {
    code: np.dtype(name).newbyteorder("<") for code, name, item in L.DTYPES if item
}
_CODE_OF_KIND = {(dt.kind, dt.itemsize): code for code, dt in _NUMERIC_CODES.items()}
DTYPE_NAMES = {code: name for code, name, _ in L.DTYPES}
_BOOL_CODE = next(code for code, dt in _NUMERIC_CODES.items() if dt.kind == "b")


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
        try:
            return DTYPE_UTF8, (), memoryview(value.encode("utf-8"))
        except UnicodeEncodeError:
            raise InputError(f"state entry {name!r} is a string that is not representable in UTF-8 (a lone surrogate)") from None
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
    if any(d > MAX_DIM for d in arr.shape):
        raise InputError(f"state entry {name!r} has a dimension over {MAX_DIM}: split it")
    flat = np.ascontiguousarray(arr, dtype=_NUMERIC_CODES[code]).reshape(-1)
    return code, tuple(int(d) for d in arr.shape), flat.data.cast("B")


def name_problem(raw: bytes) -> str | None:
    """Why ``raw`` is not a valid entry name, or ``None``: the one rule encoder and decoders share.

    A name is 1 to ``MAX_NAME_BYTES`` bytes of valid UTF-8 without a NUL
    (``docs/state-format.md``, section 1.2).

    Examples
    --------
    >>> name_problem(b"mean"), name_problem(b"a\\x00b"), name_problem(b"\\xff")
    (None, 'holds a NUL byte', 'is not valid UTF-8')
    """
    if not raw:
        return "is empty"
    if len(raw) > MAX_NAME_BYTES:
        return f"is {len(raw)} bytes, over the {MAX_NAME_BYTES}-byte limit"
    if b"\x00" in raw:
        return "holds a NUL byte"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "is not valid UTF-8"
    return None


def check_name(name: Any) -> bytes:
    """Return the UTF-8 bytes of a valid entry name, or raise :class:`InputError`.

    Examples
    --------
    >>> check_name("w")
    b'w'
    >>> check_name("x" * 300)
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: state name 'xxxxxxxxxxxxxxxxxxxxxxxx...' is 300 bytes, over the 255-byte limit; rename the entry
    """
    if not isinstance(name, str):
        raise InputError(f"state names must be strings, got {type(name).__name__} {name!r:.40}")
    try:
        raw = name.encode("utf-8")
    except UnicodeEncodeError:
        raw = b"\xff"  # a lone surrogate: not representable as UTF-8
    problem = name_problem(raw)
    if problem:
        shown = name if len(name) <= 24 else name[:24] + "..."
        raise InputError(f"state name {shown!r} {problem}; rename the entry")
    return raw


_check_name = check_name


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
        data_at = _align(ENTRY_HEADER_SIZE + L.BLOB_DIM_SIZE * len(shape) + len(raw_name))
        entry_size = data_at + _align(len(data))
        if entry_size > MAX_ENTRY_BYTES:
            raise InputError(f"state entry {name!r} is over 4 GiB; split it")
        entries.append((raw_name, code, shape, data, data_at, entry_size))
        size += entry_size
    buf = bytearray(size + CRC_SIZE)
    _HEADER.pack_into(buf, 0, BLOB_MAGIC, FORMAT_MAJOR, FORMAT_MINOR, HEADER_SIZE, len(entries), size - HEADER_SIZE)
    pos = HEADER_SIZE
    for raw_name, code, shape, data, data_at, entry_size in entries:
        _ENTRY.pack_into(buf, pos, entry_size, len(raw_name), code, len(shape), len(data))
        struct.pack_into(f"<{len(shape)}{_DIM_CODE}", buf, pos + ENTRY_HEADER_SIZE, *shape)
        name_at = pos + ENTRY_HEADER_SIZE + L.BLOB_DIM_SIZE * len(shape)
        buf[name_at : name_at + len(raw_name)] = raw_name
        buf[pos + data_at : pos + data_at + len(data)] = data
        pos += entry_size
    view = memoryview(buf)
    _CRC.pack_into(buf, size, crc32(view[:size]))
    view.release()
    return bytes(buf)


def _corrupt(source: str, what: str) -> StateFormatError:
    return StateFormatError(f"{source}: {what}; the blob is corrupt (restore a backup or reset the state)")


def _parse(data: bytes | bytearray | memoryview, source: str, materialize: bool):
    """Validate a blob and return (BlobInfo, values).

    The checks run in the order of ``docs/state-format.md`` section 1.3, the order the C
    reader uses too, so that both give the same verdict on any input. Every offset is
    compared with the bytes actually present before it is used; Python integers do not
    overflow, and every check bounds a size by the input's length, so the work is linear
    in the input.
    """
    try:
        buf = memoryview(data).cast("B")
    except TypeError as exc:
        raise StateFormatError(f"{source}: a state blob must be bytes, not {type(data).__name__}") from exc
    size = len(buf)
    if size < len(BLOB_MAGIC) or bytes(buf[: len(BLOB_MAGIC)]) != BLOB_MAGIC:
        raise StateFormatError(
            f"{source}: not an edgeadapt state blob (magic {bytes(buf[:4])!r}, expected {BLOB_MAGIC!r}); "
            "check that the path names a state blob"
        )
    if size < HEADER_SIZE + CRC_SIZE:
        raise StateTruncatedError(f"{source}: blob is {size} bytes, shorter than its {HEADER_SIZE}-byte header; it was cut short")
    _magic, major, minor, header_size, count, payload_size = _HEADER.unpack_from(buf, 0)
    if major != FORMAT_MAJOR:
        raise StateVersionError(
            f"{source}: state format {major}.{minor} is not readable by this edgeadapt, which reads "
            f"format {FORMAT_MAJOR}.x; upgrade edgeadapt, or reset the state"
        )
    if header_size < HEADER_SIZE or header_size % ALIGNMENT:
        raise _corrupt(source, f"header size {header_size} is invalid")
    expected = header_size + payload_size + CRC_SIZE
    if size < expected:
        raise StateTruncatedError(
            f"{source}: blob is {size} bytes but its header declares {expected}; it was cut short "
            "(restore a backup or reset the state)"
        )
    if size > expected:
        raise _corrupt(source, f"{size - expected} bytes follow the end of the blob")
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
    previous = b""
    for index in range(count):
        if end - pos < ENTRY_HEADER_SIZE:
            raise _corrupt(source, f"entry {index} starts past the payload")
        entry_size, name_size, code, ndim, data_size = _ENTRY.unpack_from(buf, pos)
        if (
            entry_size % ALIGNMENT
            or entry_size > end - pos
            or ndim > MAX_NDIM
            or name_size == 0
            or name_size > MAX_NAME_BYTES
        ):
            raise _corrupt(source, f"entry {index} has an invalid header")
        if code not in DTYPE_NAMES:
            raise StateVersionError(
                f"{source}: entry {index} uses dtype code {code}, unknown to format "
                f"{FORMAT_MAJOR}.{FORMAT_MINOR} (the blob is {major}.{minor}); upgrade edgeadapt"
            )
        dims_at = pos + ENTRY_HEADER_SIZE
        name_at = dims_at + L.BLOB_DIM_SIZE * ndim
        data_at = _align(ENTRY_HEADER_SIZE + L.BLOB_DIM_SIZE * ndim + name_size)
        if data_at > entry_size or data_size > entry_size - data_at or entry_size != data_at + _align(data_size):
            raise _corrupt(source, f"entry {index} overruns its size")
        shape = struct.unpack_from(f"<{ndim}{_DIM_CODE}", buf, dims_at)
        raw_name = bytes(buf[name_at : name_at + name_size])
        problem = name_problem(raw_name)
        if problem:
            raise _corrupt(source, f"entry {index} has a name that {problem}")
        if raw_name <= previous:
            raise _corrupt(source, f"entry {index} is out of name order or repeats a name")
        previous = raw_name
        name = raw_name.decode("utf-8")
        raw = buf[pos + data_at : pos + data_at + data_size]
        dt = _NUMERIC_CODES.get(code)
        if dt is None:
            if ndim != 0:
                raise _corrupt(source, f"entry {name!r} of type {DTYPE_NAMES[code]} has dimensions")
        else:
            nonzero = math.prod(d for d in shape if d) * dt.itemsize
            if nonzero > MAX_ENTRY_BYTES:
                raise _corrupt(source, f"entry {name!r} has dimensions {shape} too large for one entry")
            if data_size != math.prod(shape) * dt.itemsize:
                raise _corrupt(
                    source,
                    f"entry {name!r} holds {data_size} bytes, not the {math.prod(shape) * dt.itemsize} its shape and dtype need",
                )
        if code == _BOOL_CODE and bytes(raw).translate(None, b"\x00\x01"):
            raise _corrupt(source, f"entry {name!r} is bool but holds bytes other than 0 and 1")
        if code == DTYPE_UTF8:
            try:
                text = bytes(raw).decode("utf-8")
            except UnicodeDecodeError:
                raise _corrupt(source, f"entry {name!r} is not valid UTF-8") from None
        if materialize:
            if dt is not None:
                arr = np.frombuffer(raw, dtype=dt).reshape(shape).astype(dt.newbyteorder("="), copy=True)
                values[name] = arr[()] if ndim == 0 else arr
            else:
                values[name] = text if code == DTYPE_UTF8 else bytes(raw)
        entries.append(BlobEntry(name, DTYPE_NAMES[code], tuple(shape), pos + data_at, data_size))
        pos += entry_size
    if pos != end:
        raise _corrupt(source, f"{end - pos} payload bytes follow the last entry")
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
