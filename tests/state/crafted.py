"""Hand-built blobs and stores for the regression corpus (``tests/state/corpus/``).

Each one encodes an attack or a mistake found in review or by the fuzzers (issue 9):
the builders below write raw fields, bypassing the encoder's checks, and fix up the
CRCs so that the parser's other checks are reached. ``python tests/state/crafted.py``
rewrites the corpus files; tests/state/test_differential.py feeds every one to Python
and C, and tests/state/test_hostile.py checks what each must do.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"


def crc(b: bytes) -> int:
    return zlib.crc32(b) & 0xFFFFFFFF


def align8(n: int) -> int:
    return (n + 7) // 8 * 8


def entry(name: bytes, code: int, dims=(), data: bytes = b"", *, entry_size=None, name_size=None, data_size=None, ndim=None) -> bytes:
    ndim_v = len(dims) if ndim is None else ndim
    data_at = align8(16 + 4 * len(dims) + len(name))
    size = data_at + align8(len(data)) if entry_size is None else entry_size
    head = struct.pack("<IHBBQ", size, len(name) if name_size is None else name_size, code, ndim_v,
                       len(data) if data_size is None else data_size)
    body = head + struct.pack(f"<{len(dims)}I", *dims) + name
    body += b"\0" * (data_at - len(body)) + data
    body += b"\0" * (align8(len(body)) - len(body))
    return body


def blob(entries: list[bytes], *, count=None, header_size=24, major=1, minor=0, payload_size=None, extra_header=b"", good_crc=True) -> bytes:
    payload = b"".join(entries)
    head = struct.pack("<4sHHIIQ", b"EAST", major, minor, header_size, len(entries) if count is None else count,
                       len(payload) if payload_size is None else payload_size) + extra_header
    body = head + payload
    return body + struct.pack("<I", crc(body) if good_crc else crc(body) ^ 1)


def record(index: int, seq: int, payload: bytes, *, size=None) -> bytes:
    head = struct.pack("<4sIQQI", b"EASL", index, seq, len(payload) if size is None else size, crc(payload))
    return head + struct.pack("<I", crc(head))


def store(factory: bytes, slots, *, cap=4096, f_off=64, f_size=None, s_off=None, major=1, header_size=64) -> bytes:
    """slots: list of (seq, payload) or None or raw bytes (a full slot image)."""
    at = f_off if f_off < 4096 else 64  # where the factory bytes really go (a lying header points elsewhere)
    s_off = (at + len(factory) + 511) // 512 * 512 if s_off is None else s_off
    real_s_off = s_off if s_off < 2**20 else (at + len(factory) + 511) // 512 * 512
    head = struct.pack("<4sHHIIQQQQ12x", b"EASF", major, 0, header_size, 0, f_off, len(factory) if f_size is None else f_size, s_off, cap)
    out = bytearray(head + struct.pack("<I", crc(head)))
    out += b"\0" * max(0, at - len(out))
    out += factory
    out += b"\0" * max(0, real_s_off - len(out))
    for k, slot in enumerate(slots):
        if slot is None:
            continue
        start = real_s_off + k * min(cap, 4096)
        out += b"\0" * (start - len(out))
        if isinstance(slot, bytes):
            out += slot
        else:
            seq, payload = slot
            out += record(k, seq, payload) + payload
    return bytes(out)


F64 = 2
I64 = 5
U8 = 6
BOOL = 9
BYTES = 16
UTF8 = 17


def good_blob(value: float = 1.0) -> bytes:
    return blob([entry(b"n", I64, (), struct.pack("<q", int(value))), entry(b"w", F64, (2,), struct.pack("<2d", value, -value))])


def crafted() -> dict[str, bytes]:
    """name -> bytes of every crafted file (``.blob``: a bare blob, ``.ea``: a store)."""
    g1, g2 = good_blob(1), good_blob(2)
    out: dict[str, bytes] = {}
    # --- blobs
    out["dims-product-wraps.blob"] = blob([entry(b"x", F64, (2**31, 2**31, 2**31 // 2**29 * 0 + 4), b"\0" * 8)])
    out["dims-2p62-elements-8-bytes.blob"] = blob([entry(b"x", U8, (2**31, 2**31), b"\0" * 8)])
    out["zero-size-huge-dims.blob"] = blob([entry(b"x", F64, (0, 2**32 - 1, 2**32 - 1, 2**32 - 1), b"")])
    out["zero-size-small-dims.blob"] = blob([entry(b"x", F64, (0, 3), b"")])
    out["duplicate-name.blob"] = blob([entry(b"a", U8, (), b"\1"), entry(b"a", U8, (), b"\2")])
    out["unsorted-names.blob"] = blob([entry(b"b", U8, (), b"\1"), entry(b"a", U8, (), b"\2")])
    out["name-not-utf8.blob"] = blob([entry(b"\xff\xfe", U8, (), b"\1")])
    out["name-overlong-utf8.blob"] = blob([entry(b"\xc0\xaf", U8, (), b"\1")])
    out["name-surrogate-utf8.blob"] = blob([entry(b"\xed\xa0\x80", U8, (), b"\1")])
    out["name-with-nul.blob"] = blob([entry(b"a\0b", U8, (), b"\1")])
    out["name-256-bytes.blob"] = blob([entry(b"n" * 256, U8, (), b"\1")])
    out["name-255-bytes.blob"] = blob([entry(b"n" * 255, U8, (), b"\1")])
    out["name-control-chars.blob"] = blob([entry(b"\x1b[31mred\x1b[0m", UTF8, (), b"\x1b[2J\x07")])
    out["name-quote-backslash.blob"] = blob([entry(b'a"\\b', U8, (), b"\1")])
    out["string-not-utf8.blob"] = blob([entry(b"s", UTF8, (), b"ok\xff")])
    out["string-utf8-4byte.blob"] = blob([entry(b"s", UTF8, (), "h\u00e9\u20ac\U0001f600".encode())])
    out["bytes-with-dims.blob"] = blob([entry(b"b", BYTES, (2,), b"ab")])
    out["bool-byte-2.blob"] = blob([entry(b"b", BOOL, (2,), b"\1\2")])
    out["bool-ok.blob"] = blob([entry(b"b", BOOL, (2,), b"\1\0")])
    out["unknown-dtype.blob"] = blob([entry(b"x", 12, (), b"\0" * 8)])
    out["ndim-9.blob"] = blob([entry(b"x", U8, (1,) * 9, b"\1")])
    out["ndim-past-payload.blob"] = blob([entry(b"x", U8, (), b"\1", ndim=8)])
    out["entry-size-too-large.blob"] = blob([entry(b"x", U8, (), b"\1", entry_size=4096)])
    out["entry-size-padding.blob"] = blob([entry(b"x", U8, (), b"\1", entry_size=40) + b"\0" * 16])
    out["data-size-huge.blob"] = blob([entry(b"x", BYTES, (), b"ab", data_size=2**63)])
    out["count-huge.blob"] = blob([entry(b"x", U8, (), b"\1")], count=2**32 - 1)
    out["count-zero-with-payload.blob"] = blob([entry(b"x", U8, (), b"\1")], count=0)
    out["payload-size-wraps.blob"] = blob([entry(b"x", U8, (), b"\1")], payload_size=2**64 - 24)
    out["header-size-huge.blob"] = blob([], header_size=2**32 - 8)
    out["header-size-odd.blob"] = blob([], header_size=25, extra_header=b"\0")
    out["future-minor-larger-header.blob"] = blob([entry(b"x", U8, (), b"\1")], minor=7, header_size=32, extra_header=b"\0" * 8)
    out["future-major.blob"] = blob([entry(b"x", U8, (), b"\1")], major=2)
    out["bad-crc.blob"] = blob([entry(b"x", U8, (), b"\1")], good_crc=False)
    out["trailing-byte.blob"] = blob([entry(b"x", U8, (), b"\1")]) + b"\0"
    out["empty-file.blob"] = b""
    out["magic-only.blob"] = b"EAST"
    # --- stores
    out["store-good.ea"] = store(g1, [(1, g1), (2, g2)])
    out["store-seq-tie.ea"] = store(g1, [(5, g1), (5, g2)])
    out["store-seq-zero.ea"] = store(g1, [(0, g2), (1, g1)])
    out["store-seq-max.ea"] = store(g1, [(2**64 - 1, g2), (3, g1)])
    out["store-factory-offset-wraps.ea"] = store(g1, [(1, g1)], f_off=2**64 - 8, f_size=16, s_off=512)
    out["store-factory-size-wraps.ea"] = store(g1, [(1, g1)], f_size=2**64 - 32, s_off=512)
    out["store-slots-offset-wraps.ea"] = store(g1, [(1, g1)], s_off=2**64 - 4096, cap=4096)
    out["store-capacity-wraps.ea"] = store(g1, [(1, g1)], cap=2**63)
    out["store-capacity-1tib.ea"] = store(g1, [(1, g1)], cap=2**40)
    out["store-capacity-not-pow2.ea"] = store(g1, [(1, g1)], cap=6000)
    out["store-capacity-small.ea"] = store(g1, [(1, g1)], cap=64)
    out["store-factory-damaged.ea"] = store(g1[:-1] + bytes([g1[-1] ^ 1]), [(1, g1), (2, g2)])
    out["store-factory-damaged-no-slot.ea"] = store(g1[:-1] + bytes([g1[-1] ^ 1]), [None, None])
    bad_string = blob([entry(b"s", UTF8, (), b"\xff\xff")])
    out["store-newest-invalid-string.ea"] = store(g1, [(1, g1), (2, bad_string)])
    out["store-newest-duplicate-names.ea"] = store(g1, [(3, blob([entry(b"a", U8, (), b"\1")] * 2)), (2, g2)])
    out["store-newest-future-dtype.ea"] = store(g1, [(1, g1), (2, blob([entry(b"x", 12, (), b"\0" * 8)]))])
    out["store-payload-exceeds-slot.ea"] = store(g1, [(1, g1), record(1, 2, g2, size=8192) + g2])
    out["store-payload-size-wraps.ea"] = store(g1, [(1, g1), record(1, 2, g2, size=2**64 - 1) + g2])
    out["store-wrong-slot-index.ea"] = store(g1, [(1, g1), record(0, 2, g2) + g2])
    out["store-no-slots.ea"] = store(g1, [None, None])
    out["store-truncated-slot.ea"] = store(g1, [(1, g1), (2, g2)])[:-5]
    out["store-header-only.ea"] = store(g1, [(1, g1)])[:64]
    out["store-future-major.ea"] = store(g1, [(1, g1)], major=2)
    out["store-header-size-65.ea"] = store(g1, [(1, g1)], header_size=65)
    out["store-factory-misaligned.ea"] = store(g1, [(1, g1)], f_off=68)
    out["store-slots-misaligned.ea"] = store(g1, [(1, g1)], s_off=520)
    out["store-factory-overlaps-slots.ea"] = store(g1, [(1, g1)], f_size=len(g1) + 600)
    # found by the differential test over the fuzz corpus: Python read fewer bytes than
    # the header when the header's (unchecked) fields declared a tiny store
    out["store-declared-size-below-header.ea"] = store(g1, [None, None], s_off=0, cap=0)
    return out


def write(directory: Path = CORPUS) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    files = crafted()
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return len(files)


if __name__ == "__main__":
    print(f"wrote {write(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)} files")
