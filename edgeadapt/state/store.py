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

from ..core import checks
from ..errors import (
    BlobTooLargeError,
    NoValidStateError,
    InputError,
    StateChecksumError,
    StateConflictError,
    StateError,
    StateFormatError,
    StateRecoveryWarning,
    StateTruncatedError,
    StateVersionError,
)
from . import _layout as L
from .blob import BlobInfo, crc32, decode_blob, encode_blob, read_blob_info
from .lock import DEFAULT_LOCK_TIMEOUT, holder_pid
from .storage import FileStorage, MemoryStorage, Storage

__all__ = [
    "SlotStore",
    "FileStore",
    "MemoryStore",
    "SlotInfo",
    "StoreInfo",
    "DEFAULT_MAX_BLOB_BYTES",
    "DEFAULT_LOCK_TIMEOUT",
    "LOCK_AT_WRITE",
    "LOCK_AT_OPEN",
]

# Every layout constant comes from spec/state/layout.toml through the generated _layout.
STORE_MAGIC = L.STORE_MAGIC
STORE_MAJOR = L.STORE_FORMAT_MAJOR
STORE_MINOR = L.STORE_FORMAT_MINOR
SLOT_MAGIC = L.SLOT_MAGIC
SLOT_COUNT = L.SLOT_COUNT
_STORE_HEADER = struct.Struct(L.STORE_HEADER_FORMAT)
_RECORD = struct.Struct(L.RECORD_FORMAT)
_CRC = struct.Struct("<I")
STORE_HEADER_SIZE = L.STORE_HEADER_SIZE
RECORD_SIZE = L.RECORD_SIZE
SLOT_ALIGNMENT = L.SLOT_ALIGNMENT
MIN_SLOT_CAPACITY = L.MIN_SLOT_CAPACITY
MAX_SLOT_CAPACITY = L.MAX_SLOT_CAPACITY
SLOT_GROWTH = L.SLOT_GROWTH
MAX_SEQUENCE = L.MAX_SEQUENCE
DEFAULT_MAX_BLOB_BYTES = 64 * 1024 * 1024
# the fields covered by each CRC: everything before the CRC field
_HEADER_CRC_AT = L.STORE_HEADER_HEADER_CRC_AT
_RECORD_CRC_AT = L.RECORD_RECORD_CRC_AT


# when a writer takes the exclusive lock (see SlotStore)
LOCK_AT_WRITE = "write"
LOCK_AT_OPEN = "open"


def _by(storage: Storage) -> str:
    pid = holder_pid(storage.path) if isinstance(storage, FileStorage) else None
    return f" (PID {pid})" if pid is not None else ""


def _round_up(n: int, unit: int) -> int:
    return (n + unit - 1) // unit * unit


def _capacity_for(blob_size: int) -> int:
    need = SLOT_GROWTH * (RECORD_SIZE + blob_size)
    cap = MIN_SLOT_CAPACITY
    while cap < need:
        cap *= 2
    return cap


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


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
    factory: BlobInfo | None
    slots: tuple[SlotInfo, ...]
    active: int | None
    factory_status: str = "ok"


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
    readonly : bool
        Never lock and refuse to write.
    lock_timeout : float
        Seconds to wait for the storage's lock (0: fail at once), see :class:`FileStore`.
    lock : {"write", "open"}
        When the exclusive lock is taken: at the first write (the default), or at the
        first operation, load included. Either way it is held until :meth:`close`.

    Notes
    -----
    A read-modify-write is never interleaved with another writer's: with
    ``lock="open"`` the second writer waits for the first to close; with
    ``lock="write"`` a writer that loaded before taking the lock checks, when it takes
    it, that nobody saved since, and raises :class:`StateConflictError` otherwise.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES,
        readonly: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        lock: str = LOCK_AT_WRITE,
    ) -> None:
        owner = type(self).__name__
        if lock not in (LOCK_AT_WRITE, LOCK_AT_OPEN):
            raise InputError(f"{owner}: lock must be {LOCK_AT_WRITE!r} or {LOCK_AT_OPEN!r}, got {lock!r}")
        self.lock = lock
        self._seen: tuple | None = None
        self.storage = storage
        self.max_blob_bytes = checks.count(max_blob_bytes, owner, "max_blob_bytes")
        self.readonly = bool(readonly)
        self.lock_timeout = checks.real(lock_timeout, owner, "lock_timeout", 0.0)
        self._locked = False
        self._layout: _Layout | None = None
        self._active: int | None = None
        self.sequence = 0

    @property
    def name(self) -> str:
        """The file (or storage) name used in messages."""
        return self.storage.name

    def __enter__(self) -> "SlotStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- reading
    def _acquire_for_read(self) -> None:
        if self.lock == LOCK_AT_OPEN and not self.readonly:
            self._acquire_exclusive()

    def _acquire_exclusive(self) -> None:
        """Take the writer's lock (once); then check nobody saved since this store loaded."""
        if self._locked:
            return
        if self._seen == ("conflict",):
            raise self._conflict()
        self.storage.lock(exclusive=True, timeout=self.lock_timeout)
        self._locked = True
        seen, self._seen = self._seen, None
        if seen is not None and self._view(self._read()) != seen:
            # let go, and refuse every write until load() reads the other process's state
            self.storage.unlock()
            self._locked = False
            self._layout, self._active, self._seen = None, None, ("conflict",)
            raise self._conflict()

    def _conflict(self) -> StateConflictError:
        return StateConflictError(
            f"{self.name}: another process{_by(self.storage)} saved this state after this command read it, "
            "so saving now would lose that change; nothing was written: run the command again"
        )

    def _view(self, data: bytes | None) -> tuple:
        """What a later writer compares: whether the store exists, its newest slot and sequence."""
        if data is None:
            return ("absent",)
        try:
            layout, slots = self._scan(data)
        except StateError as exc:
            return ("unreadable", str(exc))
        newest = self._newest(slots)
        return ("store", layout.slot_capacity, None if newest is None else (newest.index, newest.sequence))

    def _read(self) -> bytes | None:
        """The store's bytes, at most as many as its header declares."""
        self._acquire_for_read()
        head = self.storage.read(STORE_HEADER_SIZE)
        if head is None:
            return None
        if len(head) < STORE_HEADER_SIZE or head[:4] != STORE_MAGIC:
            return head
        fields = _STORE_HEADER.unpack_from(head, 0)
        slots_offset, capacity = fields[7], fields[8]
        # never less than the header itself, whatever the (not yet checked) fields say
        return self.storage.read(max(STORE_HEADER_SIZE, slots_offset + SLOT_COUNT * min(capacity, MAX_SLOT_CAPACITY)))

    def _read_layout(self, data: bytes) -> _Layout:
        if len(data) < 4 or data[:4] != STORE_MAGIC:
            hint = " (it is a bare state blob, not a store: decode_blob and 'edgeadapt state inspect' read it)" if data[:4] == L.BLOB_MAGIC else ""
            raise StateFormatError(
                f"{self.name}: not an edgeadapt state store (magic {data[:4]!r}, expected {STORE_MAGIC!r}){hint}; "
                "check the path, or move the file away to start a new state"
            )
        if len(data) < STORE_HEADER_SIZE:
            raise StateTruncatedError(f"{self.name}: file is {len(data)} bytes, shorter than the store header; it was cut short")
        _magic, major, minor, header_size, _flags, f_off, f_size, s_off, cap, _reserved, stored = _STORE_HEADER.unpack_from(data, 0)
        if major != STORE_MAJOR:
            raise StateVersionError(
                f"{self.name}: store format {major}.{minor} is not readable by this edgeadapt, which reads "
                f"{STORE_MAJOR}.x; upgrade edgeadapt, or reset the state"
            )
        if stored != crc32(data[:_HEADER_CRC_AT]):
            raise StateChecksumError(f"{self.name}: store header CRC mismatch; the file is corrupt and was left as is")
        if (
            header_size != STORE_HEADER_SIZE
            or f_off < header_size
            or f_off % L.BLOB_ALIGNMENT
            or s_off < f_off
            or f_size > s_off - f_off
            or s_off % SLOT_ALIGNMENT
            or not MIN_SLOT_CAPACITY <= cap <= MAX_SLOT_CAPACITY
            or not _is_power_of_two(cap)
        ):
            raise StateFormatError(f"{self.name}: store header fields are inconsistent; the file is corrupt and was left as is")
        if len(data) < s_off:
            raise StateTruncatedError(
                f"{self.name}: file is {len(data)} bytes but its slots start at {s_off}; it was cut short"
            )
        return _Layout(f_off, f_size, s_off, cap)

    def _factory_bytes(self, data: bytes, layout: _Layout) -> bytes:
        return data[layout.factory_offset : layout.factory_offset + layout.factory_size]

    def _read_factory(self, data: bytes, layout: _Layout) -> tuple[BlobInfo | None, str]:
        try:
            return read_blob_info(self._factory_bytes(data, layout), f"{self.name} factory state"), "ok"
        except StateError as exc:
            return None, f"damaged ({exc})"

    def _read_slot(self, data: bytes, layout: _Layout, index: int) -> SlotInfo:
        off = layout.slot_offset(index)
        if off > len(data) or len(data) - off < RECORD_SIZE:
            return SlotInfo(index, off, "empty")
        record = data[off : off + RECORD_SIZE]
        if not any(record):
            return SlotInfo(index, off, "empty")
        magic, slot_index, seq, size, payload_crc, record_crc = _RECORD.unpack_from(record, 0)
        if magic != SLOT_MAGIC or record_crc != crc32(record[:_RECORD_CRC_AT]) or slot_index != index:
            return SlotInfo(index, off, "bad commit record (torn or corrupt)")
        if seq == 0:
            return SlotInfo(index, off, "sequence number 0 is invalid", seq, size)
        if size > layout.slot_capacity - RECORD_SIZE:
            return SlotInfo(index, off, "payload size exceeds slot", seq, size)
        if len(data) - off - RECORD_SIZE < size:
            return SlotInfo(index, off, "payload truncated", seq, size)
        payload = data[off + RECORD_SIZE : off + RECORD_SIZE + size]
        if crc32(payload) != payload_crc:
            return SlotInfo(index, off, "payload CRC mismatch", seq, size)
        try:
            blob = read_blob_info(payload, f"{self.name} slot {index}")
        except StateVersionError:
            raise
        except StateError as exc:
            return SlotInfo(index, off, f"payload is not a valid blob ({exc})", seq, size)
        return SlotInfo(index, off, "ok", seq, size, blob)

    def _scan(self, data: bytes) -> tuple[_Layout, list[SlotInfo]]:
        layout = self._read_layout(data)
        return layout, [self._read_slot(data, layout, i) for i in range(SLOT_COUNT)]

    @staticmethod
    def _newest(slots: list[SlotInfo]) -> SlotInfo | None:
        """The good slot with the highest sequence number; a tie goes to the lower index."""
        good = [s for s in slots if s.status == "ok"]
        return max(good, key=lambda s: -1 if s.sequence is None else s.sequence) if good else None

    def _missing(self) -> FileNotFoundError:
        return FileNotFoundError(f"{self.name}: no state store here yet")

    def inspect(self) -> StoreInfo:
        """Describe the store without changing it.

        Raises
        ------
        FileNotFoundError
            When the store does not exist yet.
        """
        data = self._read()
        if data is None:
            raise self._missing()
        layout, slots = self._scan(data)
        factory, factory_status = self._read_factory(data, layout)
        newest = self._newest(slots)
        return StoreInfo(
            self.name, STORE_MAJOR, STORE_MINOR, len(data), layout.slot_capacity, factory, tuple(slots),
            None if newest is None else newest.index, factory_status,
        )

    def load(self) -> dict[str, Any] | None:
        """Return the newest good state, or ``None`` when the store does not exist yet.

        Warns with :class:`StateRecoveryWarning` when a slot is damaged and the other
        one is used, or when the factory state is damaged (the current state is still
        good, but ``reset`` has nothing to go back to). Raises :class:`NoValidStateError`
        when no slot is good; the file is not touched, so it can be inspected.
        """
        if self._seen == ("conflict",):
            self._seen = None  # reading again is how a writer recovers from a conflict
        data = self._read()
        if not self._locked and not self.readonly:
            self._seen = self._view(data)
        if data is None:
            self._layout, self._active, self.sequence = None, None, 0
            return None
        layout, slots = self._scan(data)
        newest = self._newest(slots)
        if newest is None:
            reasons = "; ".join(f"slot {s.index}: {s.status}" for s in slots)
            raise NoValidStateError(
                f"{self.name}: no slot holds a good state ({reasons}). The file was left as is; inspect it with "
                f"'edgeadapt state inspect {self.name}' and go back to the factory state with "
                f"'edgeadapt state reset {self.name}'"
            )
        for slot in slots:
            if slot.status not in ("ok", "empty"):
                warnings.warn(
                    f"{self.name}: slot {slot.index} is damaged ({slot.status}); using slot {newest.index} "
                    f"(sequence {newest.sequence}). The next save overwrites the damaged slot.",
                    StateRecoveryWarning,
                    stacklevel=2,
                )
        _factory, factory_status = self._read_factory(data, layout)
        if factory_status != "ok":
            warnings.warn(
                f"{self.name}: the factory state is {factory_status}; the current state is good, but "
                "'edgeadapt state reset' cannot go back to the factory state",
                StateRecoveryWarning,
                stacklevel=2,
            )
        sequence, size = newest.sequence, newest.payload_size
        assert sequence is not None and size is not None  # _read_slot sets both on every "ok" slot
        self._layout, self._active, self.sequence = layout, newest.index, sequence
        start = newest.offset + RECORD_SIZE
        return decode_blob(data[start : start + size], f"{self.name} slot {newest.index}")

    def factory(self) -> dict[str, Any]:
        """Return the factory state kept apart from the slots."""
        data = self._read()
        if data is None:
            raise self._missing()
        layout = self._read_layout(data)
        return decode_blob(self._factory_bytes(data, layout), f"{self.name} factory state")

    def exists(self) -> bool:
        """Whether the storage holds anything yet."""
        self._acquire_for_read()
        return self.storage.read(STORE_HEADER_SIZE) is not None

    # ---------------------------------------------------------------- writing
    def _check_writable(self) -> None:
        if self.readonly:
            raise StateError(f"{self.name}: this store was opened read-only; open it with readonly=False to write")

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
        head = _RECORD.pack(SLOT_MAGIC, index, seq, len(payload), crc32(payload), 0)[:_RECORD_CRC_AT]
        return head + _CRC.pack(crc32(head))

    def _build(self, factory: bytes, slots: list[tuple[int, bytes] | None], capacity: int) -> tuple[bytes, _Layout]:
        f_off = STORE_HEADER_SIZE
        s_off = _round_up(f_off + len(factory), SLOT_ALIGNMENT)
        head = _STORE_HEADER.pack(
            STORE_MAGIC, STORE_MAJOR, STORE_MINOR, STORE_HEADER_SIZE, 0, f_off, len(factory), s_off, capacity, b"", 0
        )[:_HEADER_CRC_AT]
        out = bytearray(head + _CRC.pack(crc32(head)) + factory)
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
        self._check_writable()
        blob = self._encode(factory_state)
        self._acquire_exclusive()
        if not overwrite and self.exists():
            raise FileExistsError(f"{self.name}: a state store exists already; load it, or pass overwrite=True")
        data, layout = self._build(blob, [(1, blob), None], _capacity_for(len(blob)))
        self.storage.replace(data)
        self._layout, self._active, self.sequence = layout, 0, 1

    def save(self, state: Mapping[str, Any]) -> int:
        """Write ``state`` durably as the next sequence number and return it.

        The slot holding the newest good state is never written. On a store that does
        not exist yet, ``state`` becomes the factory state too.
        """
        self._check_writable()
        blob = self._encode(state)
        self._acquire_exclusive()
        if self._layout is None:
            if not self.exists():
                self.create(state)
                return self.sequence
            self.load()
        return self._write_blob(blob)

    def _fits(self, layout: _Layout, blob: bytes) -> bool:
        """Whether ``blob`` goes into a slot of ``layout`` in place.

        Not when it is too large, and not when the slots are larger than this writer
        would ever make them for its size cap (a hostile or foreign header could
        otherwise have a save write terabytes into the file): the store is rebuilt
        with fitting slots instead.
        """
        too_wide = layout.slot_capacity > _capacity_for(self.max_blob_bytes)
        return RECORD_SIZE + len(blob) <= layout.slot_capacity and not too_wide

    def _write_blob(self, blob: bytes) -> int:
        layout = self._layout
        if layout is None:  # pragma: no cover - set by create(), load() or reset()
            raise StateError(f"{self.name}: internal error: no layout before a write")
        seq = self.sequence + 1
        if seq > MAX_SEQUENCE or not self._fits(layout, blob):
            return self._rebuild(blob, seq)
        target = 1 - self._active if self._active is not None else 0
        offset = layout.slot_offset(target)
        self.storage.write(offset + RECORD_SIZE, blob)
        self.storage.sync()
        self.storage.write(offset, self._record(target, seq, blob))
        self.storage.sync()
        self._active, self.sequence = target, seq
        return seq

    def _rebuild(self, blob: bytes, seq: int) -> int:
        """Write a new file (new state in slot 0, the previous one in slot 1) and rename it over the store.

        Used when the state outgrows its slot, when the slots are too wide, and when the
        sequence number would pass ``MAX_SEQUENCE`` (the states are then renumbered 2
        and 1, which keeps their order).
        """
        data = self._read()
        if data is None or self._layout is None:  # pragma: no cover - the store exists here
            raise StateError(f"{self.name}: the state file disappeared during a save; run the command again")
        layout = self._layout
        previous = b""
        prev_seq = None
        if self._active is not None:
            old = self._read_slot(data, layout, self._active)
            start = old.offset + RECORD_SIZE
            previous = data[start : start + (old.payload_size or 0)]
            prev_seq = old.sequence
        if seq > MAX_SEQUENCE:
            seq, prev_seq = 2, 1
        slots: list[tuple[int, bytes] | None] = [(seq, blob), None if prev_seq is None else (prev_seq, previous)]
        capacity = _capacity_for(max(len(blob), len(previous)))
        new, new_layout = self._build(self._factory_bytes(data, layout), slots, capacity)
        self.storage.replace(new)
        self._layout, self._active, self.sequence = new_layout, 0, seq
        return seq

    def reset(self) -> int:
        """Save the factory state as the newest state and return its sequence number.

        Works even when no slot is good (the damaged slots are then overwritten), as
        long as the store header and the factory blob are readable; a damaged factory
        blob raises :class:`StateFormatError` and nothing is written.
        """
        self._check_writable()
        if not self._locked:
            # Look before locking: a file that cannot be reset is refused before the lock
            # file is made, so a failed reset leaves nothing beside it.
            self._resettable(self._read())
        self._acquire_exclusive()
        data = self._read()
        layout, slots, factory = self._resettable(data)
        newest = self._newest(slots)
        self._layout = layout
        self._active = None if newest is None else newest.index
        self.sequence = max((s.sequence for s in slots if s.sequence is not None), default=0)
        return self._write_blob(factory)

    def _resettable(self, data: bytes | None) -> tuple[Any, list, bytes]:
        """Layout, slots and factory blob of ``data``, or the error that makes reset impossible."""
        if data is None:
            raise FileNotFoundError(f"{self.name}: no state store here yet, so there is no factory state to go back to")
        layout, slots = self._scan(data)
        factory = self._factory_bytes(data, layout)
        try:
            read_blob_info(factory, f"{self.name} factory state")
        except StateError as exc:
            raise StateFormatError(
                f"{self.name}: the factory state is damaged, so reset has nothing to go back to ({exc}). "
                "The file was left as is; move it away to start from a new state"
            ) from None
        return layout, slots, factory

    def close(self) -> None:
        """Release the storage handle and the lock; the store can be used again (it re-reads)."""
        self._layout, self._active, self._seen = None, None, None
        self._locked = False
        self.storage.close()


class FileStore(SlotStore):
    """A :class:`SlotStore` in one file, with an advisory lock: one writer, any number of readers.

    **The lock.** ``flock`` on the sidecar file ``PATH.lock`` (never renamed, so it stays
    valid across the rename a growing save makes; it holds the last writer's PID and no
    state). A writer takes it exclusively and holds it until :meth:`close` (or the end
    of a ``with`` block, or the store's garbage collection). A second writer in another
    process waits up to ``lock_timeout`` seconds, then fails with
    :class:`~edgeadapt.errors.StateLockedError`: "PATH: locked by PID n ...". Readers
    (``readonly=True``, as ``edgeadapt state inspect``) take no lock: the slot design
    means a reader always sees the old or the new state, never a mix. Stores opened on
    one path within one process share that process's lock.

    **When a writer locks** (``lock``):

    - ``"open"``: at the first operation, ``load()`` included. For a command that reads,
      changes and saves (``enroll``, ``learn --extend``): a second such command waits for
      the first to finish, then reads its result, so no update is lost. Open the store
      once and keep it open for the whole command::

          with FileStore(path, lock="open", lock_timeout=30) as store:
              state = store.load()      # the exclusive lock is taken here
              ...                       # nobody else can write meanwhile
              store.save(new_state)
                                        # released at the end of the block

      ``persist(component, path, lock="open")`` passes the option through.
    - ``"write"`` (the default): at the first save, create or reset. Loading takes no
      lock, so a process may read a file another one holds. A writer that loaded before
      it locked checks, when it takes the lock, that nobody saved since it loaded; if
      somebody did, it raises :class:`~edgeadapt.errors.StateConflictError` and writes
      nothing, instead of overwriting that change with a state computed from old data.

    Parameters
    ----------
    path : str or Path
        The state file; created on the first save. It must be a regular file (or a
        symlink to one); anything else raises :class:`~edgeadapt.errors.StatePathError`.
    max_blob_bytes : int
        Size cap of one state blob.
    readonly : bool
        Refuse to write, and never lock.
    lock_timeout : float
        Seconds a second writer waits for the lock; 0 fails at once.
    lock : {"write", "open"}
        When a writer takes the lock (above).

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "state.ea")
    >>> with FileStore(path, lock="open") as store:
    ...     store.load() is None
    ...     store.save({"n": np.int64(7)})
    True
    1
    >>> int(FileStore(path, readonly=True).load()["n"])
    7
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES,
        readonly: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        lock: str = LOCK_AT_WRITE,
    ) -> None:
        storage = FileStorage(path)
        super().__init__(storage, max_blob_bytes=max_blob_bytes, readonly=readonly, lock_timeout=lock_timeout, lock=lock)
        self.path = storage.path


class MemoryStore(SlotStore):
    """A :class:`SlotStore` in memory (for tests and ephemeral use)."""

    def __init__(self, *, name: str = "<memory>", max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES) -> None:
        super().__init__(MemoryStorage(name), max_blob_bytes=max_blob_bytes)
