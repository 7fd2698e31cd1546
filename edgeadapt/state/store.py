"""Power-loss-safe state stores: a factory state and two slots with sequence numbers.

Layout of a store (``docs/state-format.md``, "Store file"): a 64-byte store header,
the factory blob (written once, never modified in place), then two slots. A slot is
a 32-byte commit record (sequence number, payload size, payload CRC, record CRC)
followed by the payload, one state blob. A save writes the payload into the slot
that does not hold the newest good state, syncs, then writes the commit record and
syncs again; a reader takes the newest slot whose record and payload checksums hold.
When a state outgrows its slot, the whole file is rebuilt with larger slots and
swapped in atomically (write, fsync, rename, fsync of the directory).

Examples
--------
>>> import numpy as np
>>> store = MemoryStore()
>>> store.load() is None
True
>>> store.create({"w": np.zeros(2)})
>>> store.save({"w": np.ones(2)})
2
>>> store.load()["w"].tolist(), store.sequence
([1.0, 1.0], 2)
>>> store.reset()
3
>>> store.load()["w"].tolist()
[0.0, 0.0]
"""

from __future__ import annotations

import os
import struct
import warnings
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import (
    BlobTooLargeError,
    NoValidStateError,
    StateChecksumError,
    StateFormatError,
    StateRecoveryWarning,
    StateTruncatedError,
    StateVersionError,
)
from .blob import BlobInfo, crc32, decode_blob, encode_blob, read_blob_info
from .storage import FileStorage, MemoryStorage, Storage

__all__ = ["SlotStore", "FileStore", "MemoryStore", "SlotInfo", "StoreInfo", "DEFAULT_MAX_BLOB_BYTES"]

STORE_MAGIC = b"EASF"
STORE_MAJOR = 1
STORE_MINOR = 0
SLOT_MAGIC = b"EASL"
SLOT_COUNT = 2
# store header: magic, major, minor, header_size, flags, factory_offset, factory_size,
# slots_offset, slot_capacity, 12 reserved bytes; then the CRC32 of the 60 bytes before it
_STORE_HEADER = struct.Struct("<4sHHIIQQQQ12x")
_STORE_CRC = struct.Struct("<I")
STORE_HEADER_SIZE = _STORE_HEADER.size + _STORE_CRC.size
# commit record: magic, slot index, sequence, payload size, payload CRC; then its own CRC
_RECORD = struct.Struct("<4sIQQI")
RECORD_SIZE = _RECORD.size + _STORE_CRC.size
SLOT_ALIGNMENT = 512
MIN_SLOT_CAPACITY = 4096
SLOT_GROWTH = 2
DEFAULT_MAX_BLOB_BYTES = 64 * 1024 * 1024


def _round_up(n: int, unit: int) -> int:
    return (n + unit - 1) // unit * unit


def _capacity_for(blob_size: int) -> int:
    need = SLOT_GROWTH * (RECORD_SIZE + blob_size)
    cap = MIN_SLOT_CAPACITY
    while cap < need:
        cap *= 2
    return cap


@dataclass(frozen=True)
class SlotInfo:
    """What one slot holds: ``status`` is ``ok``, ``empty`` or the reason it is bad."""

    index: int
    offset: int
    status: str
    sequence: int | None = None
    payload_size: int | None = None
    blob: BlobInfo | None = None


@dataclass(frozen=True)
class StoreInfo:
    """Header fields and slot table of a store, as ``edgeadapt state inspect`` prints them."""

    name: str
    major: int
    minor: int
    file_size: int
    slot_capacity: int
    factory: BlobInfo
    slots: tuple[SlotInfo, ...]
    active: int | None


@dataclass(frozen=True)
class _Layout:
    factory_offset: int
    factory_size: int
    slots_offset: int
    slot_capacity: int

    def slot_offset(self, index: int) -> int:
        return self.slots_offset + index * self.slot_capacity


class SlotStore:
    """A state store over any :class:`~edgeadapt.state.storage.Storage`.

    Parameters
    ----------
    storage : Storage
        Where the bytes live.
    max_blob_bytes : int
        Size cap of one state blob; larger states raise :class:`BlobTooLargeError`.

    Notes
    -----
    One writer at a time: the store caches which slot is newest between calls.
    """

    def __init__(self, storage: Storage, *, max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES) -> None:
        self.storage = storage
        self.max_blob_bytes = max_blob_bytes
        self._layout: _Layout | None = None
        self._active: int | None = None
        self.sequence = 0

    @property
    def name(self) -> str:
        """The file (or storage) name used in messages."""
        return self.storage.name

    # ---------------------------------------------------------------- reading
    def _read_layout(self, data: bytes) -> _Layout:
        if len(data) < 4 or data[:4] != STORE_MAGIC:
            hint = " (it is a bare state blob: read it with decode_blob)" if data[:4] == b"EAST" else ""
            raise StateFormatError(
                f"{self.name}: not an edgeadapt state store (magic {data[:4]!r}, expected {STORE_MAGIC!r}){hint}; "
                "check the path, or move the file away to start a new state"
            )
        if len(data) < STORE_HEADER_SIZE:
            raise StateTruncatedError(f"{self.name}: file is {len(data)} bytes, shorter than the store header; it was cut short")
        magic, major, minor, header_size, _flags, f_off, f_size, s_off, cap = _STORE_HEADER.unpack_from(data, 0)
        if major != STORE_MAJOR:
            raise StateVersionError(
                f"{self.name}: store format {major}.{minor} is not readable by this edgeadapt, which reads "
                f"{STORE_MAJOR}.x; upgrade edgeadapt, or reset the state"
            )
        (stored,) = _STORE_CRC.unpack_from(data, _STORE_HEADER.size)
        if stored != crc32(data[: _STORE_HEADER.size]):
            raise StateChecksumError(f"{self.name}: store header CRC mismatch; the file is corrupt and was left as is")
        if header_size != STORE_HEADER_SIZE or f_off < header_size or s_off < f_off + f_size or cap < RECORD_SIZE:
            raise StateFormatError(f"{self.name}: store header fields are inconsistent; the file is corrupt and was left as is")
        if len(data) < s_off:
            raise StateTruncatedError(
                f"{self.name}: file is {len(data)} bytes but its factory state ends at {s_off}; it was cut short"
            )
        return _Layout(f_off, f_size, s_off, cap)

    def _read_slot(self, data: bytes, layout: _Layout, index: int) -> SlotInfo:
        off = layout.slot_offset(index)
        record = data[off : off + RECORD_SIZE]
        if len(record) < RECORD_SIZE or not any(record):
            return SlotInfo(index, off, "empty")
        magic, slot_index, seq, size, payload_crc = _RECORD.unpack_from(record, 0)
        (record_crc,) = _STORE_CRC.unpack_from(record, _RECORD.size)
        if magic != SLOT_MAGIC or record_crc != crc32(record[: _RECORD.size]) or slot_index != index:
            return SlotInfo(index, off, "bad commit record (torn or corrupt)")
        if RECORD_SIZE + size > layout.slot_capacity:
            return SlotInfo(index, off, "payload size exceeds slot", seq, size)
        payload = data[off + RECORD_SIZE : off + RECORD_SIZE + size]
        if len(payload) < size:
            return SlotInfo(index, off, "payload truncated", seq, size)
        if crc32(payload) != payload_crc:
            return SlotInfo(index, off, "payload CRC mismatch", seq, size)
        try:
            blob = read_blob_info(payload, f"{self.name} slot {index}")
        except StateVersionError:
            raise
        except StateFormatError as exc:
            return SlotInfo(index, off, f"payload is not a valid blob ({exc})", seq, size)
        return SlotInfo(index, off, "ok", seq, size, blob)

    def _scan(self, data: bytes) -> tuple[_Layout, list[SlotInfo]]:
        layout = self._read_layout(data)
        return layout, [self._read_slot(data, layout, i) for i in range(SLOT_COUNT)]

    def inspect(self) -> StoreInfo:
        """Describe the store without changing it.

        Raises
        ------
        FileNotFoundError
            When the store does not exist yet.
        """
        data = self.storage.read()
        if data is None:
            raise FileNotFoundError(f"{self.name}: no state store here yet")
        layout, slots = self._scan(data)
        factory = read_blob_info(
            data[layout.factory_offset : layout.factory_offset + layout.factory_size], f"{self.name} factory state"
        )
        good = [s for s in slots if s.status == "ok"]
        active = max(good, key=lambda s: s.sequence).index if good else None
        return StoreInfo(self.name, STORE_MAJOR, STORE_MINOR, len(data), layout.slot_capacity, factory, tuple(slots), active)

    def load(self) -> dict[str, Any] | None:
        """Return the newest good state, or ``None`` when the store does not exist yet.

        Warns with :class:`StateRecoveryWarning` when a slot is damaged and the other
        one is used. Raises :class:`NoValidStateError` when no slot is good; the file
        is not touched, so it can be inspected.
        """
        data = self.storage.read()
        if data is None:
            self._layout, self._active, self.sequence = None, None, 0
            return None
        layout, slots = self._scan(data)
        good = [s for s in slots if s.status == "ok"]
        bad = [s for s in slots if s.status not in ("ok", "empty")]
        if not good:
            reasons = "; ".join(f"slot {s.index}: {s.status}" for s in slots)
            raise NoValidStateError(
                f"{self.name}: no slot holds a good state ({reasons}). The file was left as is; inspect it with "
                f"'edgeadapt state inspect {self.name}' and go back to the factory state with "
                f"'edgeadapt state reset {self.name}'"
            )
        newest = max(good, key=lambda s: s.sequence)
        for slot in bad:
            warnings.warn(
                f"{self.name}: slot {slot.index} is damaged ({slot.status}); using slot {newest.index} "
                f"(sequence {newest.sequence}). The next save overwrites the damaged slot.",
                StateRecoveryWarning,
                stacklevel=2,
            )
        self._layout, self._active, self.sequence = layout, newest.index, newest.sequence
        start = newest.offset + RECORD_SIZE
        return decode_blob(data[start : start + newest.payload_size], f"{self.name} slot {newest.index}")

    def factory(self) -> dict[str, Any]:
        """Return the factory state kept apart from the slots."""
        data = self.storage.read()
        if data is None:
            raise FileNotFoundError(f"{self.name}: no state store here yet")
        layout = self._read_layout(data)
        raw = data[layout.factory_offset : layout.factory_offset + layout.factory_size]
        return decode_blob(raw, f"{self.name} factory state")

    def exists(self) -> bool:
        """Whether the storage holds anything yet."""
        return self.storage.read() is not None

    # ---------------------------------------------------------------- writing
    def _encode(self, state: Mapping[str, Any]) -> bytes:
        blob = encode_blob(state)
        if len(blob) > self.max_blob_bytes:
            raise BlobTooLargeError(
                f"{self.name}: the state is {len(blob)} bytes, over the cap of {self.max_blob_bytes}; "
                "lower the component's capacity or raise max_blob_bytes"
            )
        return blob

    @staticmethod
    def _record(index: int, seq: int, payload: bytes) -> bytes:
        head = _RECORD.pack(SLOT_MAGIC, index, seq, len(payload), crc32(payload))
        return head + _STORE_CRC.pack(crc32(head))

    def _build(self, factory: bytes, slots: list[tuple[int, bytes] | None], capacity: int) -> tuple[bytes, _Layout]:
        f_off = STORE_HEADER_SIZE
        s_off = _round_up(f_off + len(factory), SLOT_ALIGNMENT)
        head = _STORE_HEADER.pack(STORE_MAGIC, STORE_MAJOR, STORE_MINOR, STORE_HEADER_SIZE, 0, f_off, len(factory), s_off, capacity)
        out = bytearray(head + _STORE_CRC.pack(crc32(head)) + factory)
        out.extend(b"\x00" * (s_off - len(out)))
        for index, slot in enumerate(slots):
            if slot is None:
                continue
            seq, payload = slot
            start = s_off + index * capacity
            out.extend(b"\x00" * (start - len(out)))
            out.extend(self._record(index, seq, payload) + payload)
        return bytes(out), _Layout(f_off, len(factory), s_off, capacity)

    def create(self, factory_state: Mapping[str, Any], *, overwrite: bool = False) -> None:
        """Create the store with ``factory_state`` as both factory and current state.

        Refuses to replace an existing store unless ``overwrite`` is true.
        """
        if not overwrite and self.exists():
            raise FileExistsError(f"{self.name}: a state store exists already; load it, or pass overwrite=True")
        blob = self._encode(factory_state)
        data, layout = self._build(blob, [(1, blob), None], _capacity_for(len(blob)))
        self.storage.replace(data)
        self._layout, self._active, self.sequence = layout, 0, 1

    def save(self, state: Mapping[str, Any]) -> int:
        """Write ``state`` durably as the next sequence number and return it.

        The slot holding the newest good state is never written. On a store that does
        not exist yet, ``state`` becomes the factory state too.
        """
        blob = self._encode(state)
        if self._layout is None:
            if not self.exists():
                self.create(state)
                return self.sequence
            self.load()
        return self._write_blob(blob)

    def _write_blob(self, blob: bytes) -> int:
        layout = self._layout
        assert layout is not None  # set by create(), load() or reset()
        seq = self.sequence + 1
        if RECORD_SIZE + len(blob) > layout.slot_capacity:
            self._grow(blob, seq)
            return seq
        target = 1 - self._active if self._active is not None else 0
        offset = layout.slot_offset(target)
        self.storage.write(offset + RECORD_SIZE, blob)
        self.storage.sync()
        self.storage.write(offset, self._record(target, seq, blob))
        self.storage.sync()
        self._active, self.sequence = target, seq
        return seq

    def _grow(self, blob: bytes, seq: int) -> None:
        data = self.storage.read()
        assert data is not None and self._layout is not None
        layout = self._layout
        factory = data[layout.factory_offset : layout.factory_offset + layout.factory_size]
        slots: list[tuple[int, bytes] | None] = [(seq, blob), None]
        previous = b""
        if self._active is not None:
            old = self._read_slot(data, layout, self._active)
            start = old.offset + RECORD_SIZE
            previous = data[start : start + old.payload_size]
            slots[1] = (old.sequence, previous)
        capacity = _capacity_for(max(len(blob), len(previous)))
        new, new_layout = self._build(factory, slots, capacity)
        self.storage.replace(new)
        self._layout, self._active, self.sequence = new_layout, 0, seq

    def reset(self) -> int:
        """Save the factory state as the newest state and return its sequence number.

        Works even when no slot is good (the damaged slots are then overwritten), as
        long as the store header and the factory blob are readable.
        """
        data = self.storage.read()
        if data is None:
            raise FileNotFoundError(f"{self.name}: no state store here yet, so there is no factory state to go back to")
        layout, slots = self._scan(data)
        factory = data[layout.factory_offset : layout.factory_offset + layout.factory_size]
        read_blob_info(factory, f"{self.name} factory state")
        good = [s for s in slots if s.status == "ok"]
        self._layout = layout
        self._active = max(good, key=lambda s: s.sequence).index if good else None
        self.sequence = max((s.sequence for s in slots if s.sequence is not None), default=0)
        return self._write_blob(factory)

    def close(self) -> None:
        """Release the storage handle."""
        self.storage.close()


class FileStore(SlotStore):
    """A :class:`SlotStore` in one file.

    Parameters
    ----------
    path : str or Path
        The state file; created on the first save.
    max_blob_bytes : int
        Size cap of one state blob.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "state.ea")
    >>> FileStore(path).save({"n": np.int64(7)})
    1
    >>> int(FileStore(path).load()["n"])
    7
    """

    def __init__(self, path: str | os.PathLike[str], *, max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES) -> None:
        super().__init__(FileStorage(path), max_blob_bytes=max_blob_bytes)
        self.path = self.storage.path


class MemoryStore(SlotStore):
    """A :class:`SlotStore` in memory (for tests and ephemeral use)."""

    def __init__(self, *, name: str = "<memory>", max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES) -> None:
        super().__init__(MemoryStorage(name), max_blob_bytes=max_blob_bytes)
