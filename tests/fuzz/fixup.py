"""Recompute the CRCs of a mutated blob or store where its headers say they are.

A fuzzer cannot fix a CRC, so without this almost every mutation would stop at the
first checksum. Mirrors ``fix_blob``/``fix_store`` of ``firmware/fuzz/fuzz_state.c``.
"""

from __future__ import annotations

import struct
import zlib

from edgeadapt.state import _layout as L


def _crc(b) -> int:
    return zlib.crc32(b) & 0xFFFFFFFF


def fix_blob(buf: bytearray, start: int, size: int) -> None:
    if size < L.BLOB_HEADER_SIZE + L.BLOB_CRC_SIZE or buf[start : start + 4] != L.BLOB_MAGIC:
        return
    (header,) = struct.unpack_from("<I", buf, start + L.BLOB_HEADER_HEADER_SIZE_AT)
    (payload,) = struct.unpack_from("<Q", buf, start + L.BLOB_HEADER_PAYLOAD_SIZE_AT)
    if header > size or payload > size - header or size - header - payload < L.BLOB_CRC_SIZE:
        return
    end = start + header + payload
    struct.pack_into("<I", buf, end, _crc(memoryview(buf)[start:end]))


def fix_store(buf: bytearray) -> None:
    size = len(buf)
    if size < L.STORE_HEADER_SIZE or buf[:4] != L.STORE_MAGIC:
        return
    struct.pack_into("<I", buf, L.STORE_HEADER_HEADER_CRC_AT, _crc(memoryview(buf)[: L.STORE_HEADER_HEADER_CRC_AT]))
    (f_off, f_size, s_off, cap) = struct.unpack_from("<QQQQ", buf, L.STORE_HEADER_FACTORY_OFFSET_AT)
    if f_off <= size and f_size <= size - f_off:
        fix_blob(buf, f_off, f_size)
    for k in range(L.SLOT_COUNT):
        off = s_off + k * cap
        if off > size or size - off < L.RECORD_SIZE:
            break
        (psize,) = struct.unpack_from("<Q", buf, off + L.RECORD_PAYLOAD_SIZE_AT)
        if psize <= size - off - L.RECORD_SIZE:
            fix_blob(buf, off + L.RECORD_SIZE, psize)
            p0 = off + L.RECORD_SIZE
            struct.pack_into("<I", buf, off + L.RECORD_PAYLOAD_CRC_AT, _crc(memoryview(buf)[p0 : p0 + psize]))
        struct.pack_into("<I", buf, off + L.RECORD_RECORD_CRC_AT, _crc(memoryview(buf)[off : off + L.RECORD_RECORD_CRC_AT]))


def fixed(data: bytes) -> bytes:
    """``data`` with every CRC its headers point at made to match."""
    buf = bytearray(data)
    if buf[:4] == L.STORE_MAGIC:
        fix_store(buf)
    else:
        fix_blob(buf, 0, len(buf))
    return bytes(buf)
