"""Emulated storage that loses power, for fault-injection tests of the stores.

In the spirit of littlefs's power-loss runner: :class:`PowerCutStorage` holds a durable
image and applies writes to it until a chosen operation, which it tears at a chosen byte
offset (the rest of that write keeps the old bytes, or receives garbage), and then it
raises :class:`PowerCut`. Writes made since the last ``sync`` may also be dropped, as a
disk cache would on a real power cut. ``replace`` (rename) is atomic: a cut falls before
or after it. :func:`count_operations` records the operations of a save so that a test can
try every cut point.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.state.store import SlotStore
>>> base = PowerCutStorage()
>>> SlotStore(base).save({"x": np.int64(1)})
1
>>> ops = count_operations(base.durable, lambda s: SlotStore(s).save({"x": np.int64(2)}))
>>> [op.kind for op in ops]
['write', 'sync', 'write', 'sync']
>>> cut = PowerCutStorage(base.durable, cut_at=2, cut_offset=5)
>>> try:
...     SlotStore(cut).save({"x": np.int64(2)})
... except PowerCut:
...     pass
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:  # slot 1 holds a torn record
...     warnings.simplefilter("always")
...     int(SlotStore(PowerCutStorage(cut.durable)).load()["x"])  # the old state survived
1
>>> caught[0].category.__name__
'StateRecoveryWarning'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .storage import FileStorage, Storage

__all__ = [
    "PowerCut",
    "PowerCutStorage",
    "Operation",
    "count_operations",
    "FaultyFileStorage",
    "TAIL_OLD",
    "TAIL_GARBAGE",
]

TAIL_OLD = "old"
TAIL_GARBAGE = "garbage"


class PowerCut(Exception):
    """Raised by :class:`PowerCutStorage` at the emulated power cut."""


@dataclass(frozen=True)
class Operation:
    """One storage operation of a recorded run: its kind and, for writes, its size."""

    kind: str
    size: int = 0


class PowerCutStorage(Storage):
    """Storage in memory that cuts the power at operation ``cut_at``.

    Parameters
    ----------
    durable : bytes or None
        Content that survived so far (``None``: nothing stored yet).
    cut_at : int or None
        Index of the operation (write, sync or replace, counted from 0) during which
        power fails; ``None`` never cuts.
    cut_offset : int
        For a write: how many of its bytes reach the medium before the cut. For a
        replace: 0 cuts before the rename, anything else after it.
    tail : {"old", "garbage"}
        What the rest of a torn write leaves: the old bytes, or random bytes.
    drop_unsynced : bool
        Whether writes since the last sync are lost at the cut (a volatile disk cache).
    seed : int
        Seed of the garbage bytes.
    """

    def __init__(
        self,
        durable: bytes | None = None,
        *,
        cut_at: int | None = None,
        cut_offset: int = 0,
        tail: str = TAIL_OLD,
        drop_unsynced: bool = False,
        seed: int = 0,
        name: str = "<emulated flash>",
    ) -> None:
        self.name = name
        self.durable = durable
        self.cut_at = cut_at
        self.cut_offset = cut_offset
        self.tail = tail
        self.drop_unsynced = drop_unsynced
        self._rng = np.random.default_rng(seed)
        self._cache: bytearray | None = None if durable is None else bytearray(durable)
        self._synced: bytes | None = durable
        self.operations: list[Operation] = []
        self.dead = False

    def _tick(self, op: Operation) -> bool:
        if self.dead:
            raise PowerCut("the power is off")
        index = len(self.operations)
        self.operations.append(op)
        return self.cut_at is not None and index == self.cut_at

    def _die(self) -> None:
        self.dead = True
        if self.drop_unsynced:
            self.durable = self._synced
        else:
            self.durable = None if self._cache is None else bytes(self._cache)
        raise PowerCut(f"power cut at operation {self.cut_at}")

    def read(self, limit: int | None = None) -> bytes | None:
        if self.dead:
            raise PowerCut("the power is off")
        if self._cache is None:
            return None
        return bytes(self._cache if limit is None else self._cache[:limit])

    @staticmethod
    def _apply(buf: bytearray, offset: int, data: bytes) -> None:
        end = offset + len(data)
        if len(buf) < end:
            buf.extend(b"\x00" * (end - len(buf)))
        buf[offset:end] = data

    def write(self, offset: int, data: bytes) -> None:
        cut = self._tick(Operation("write", len(data)))
        if self._cache is None:
            self._cache = bytearray()
        if not cut:
            self._apply(self._cache, offset, data)
            self.durable = bytes(self._cache) if not self.drop_unsynced else self.durable
            return
        done = max(0, min(self.cut_offset, len(data)))
        torn = bytearray(data[:done])
        if self.tail == TAIL_GARBAGE:
            torn += self._rng.integers(0, 256, len(data) - done, dtype=np.uint8).tobytes()
        self._apply(self._cache, offset, bytes(torn))
        if self.drop_unsynced:
            # the torn bytes count as reaching the medium, the earlier unsynced ones not
            base = bytearray(self._synced or b"")
            self._apply(base, offset, bytes(torn))
            self._synced = bytes(base)
        self._die()

    def sync(self) -> None:
        if self._tick(Operation("sync")):
            self._die()
        self._synced = None if self._cache is None else bytes(self._cache)
        self.durable = self._synced

    def replace(self, data: bytes) -> None:
        cut = self._tick(Operation("replace", len(data)))
        if cut and self.cut_offset == 0:
            self._die()
        self._cache = bytearray(data)
        self._synced = bytes(data)
        self.durable = self._synced
        if cut:
            self._die()


def count_operations(durable: bytes | None, action: Callable[[PowerCutStorage], object]) -> list[Operation]:
    """Run ``action`` on uncut storage holding ``durable`` and return its operations."""
    storage = PowerCutStorage(durable)
    action(storage)
    return storage.operations


class FaultyFileStorage(FileStorage):
    """A real :class:`~edgeadapt.state.storage.FileStorage` whose system calls fail on demand.

    For the failures a test cannot cause for real (as root, ``chmod`` does not stop a
    write; a read-only mount or a full disk may need privileges): the ``fail`` system
    call (``"open"``, ``"pwrite"``, ``"write"``, ``"fsync"`` or ``"replace"``) raises
    ``OSError(errno)`` from its ``after``-th call on (0: the first), exactly as the
    kernel would, after a partial write of ``partial`` bytes for the write calls.

    Examples
    --------
    >>> import errno, os, tempfile, numpy as np
    >>> from edgeadapt.state.store import SlotStore
    >>> path = os.path.join(tempfile.mkdtemp(), "s.ea")
    >>> store = SlotStore(FaultyFileStorage(path, fail="write", errno_code=errno.ENOSPC))
    >>> store.save({"x": np.int64(1)})
    Traceback (most recent call last):
    ...
    edgeadapt.errors.StatePathError: /tmp/.../s.ea: cannot write: no space left on the device; the last saved state is kept. Free some space ...
    >>> sorted(os.listdir(os.path.dirname(path)))  # no temporary file left behind
    ['s.ea.lock']
    """

    def __init__(self, path, *, fail: str, errno_code: int, after: int = 0, partial: int = 0) -> None:
        super().__init__(path)
        self.fail = fail
        self.errno_code = errno_code
        self.after = after
        self.partial = partial
        self.calls = {"open": 0, "pwrite": 0, "write": 0, "fsync": 0, "replace": 0}

    def _should_fail(self, call: str) -> bool:
        self.calls[call] += 1
        return call == self.fail and self.calls[call] > self.after

    def _raise(self) -> None:
        raise OSError(self.errno_code, os.strerror(self.errno_code))

    def _os_open(self, path, flags, mode=0o644):
        if flags & (os.O_WRONLY | os.O_RDWR) and self._should_fail("open"):
            self._raise()
        return super()._os_open(path, flags, mode)

    def _os_pwrite(self, fd, data, offset):
        if self._should_fail("pwrite"):
            if self.partial:
                os.pwrite(fd, data[: self.partial], offset)
            self._raise()
        return super()._os_pwrite(fd, data, offset)

    def _os_write(self, fd, data):
        if self._should_fail("write"):
            if self.partial:
                os.write(fd, data[: self.partial])
            self._raise()
        return super()._os_write(fd, data)

    def _os_fsync(self, fd):
        if self._should_fail("fsync"):
            self._raise()
        super()._os_fsync(fd)

    def _os_replace(self, src, dst):
        if self._should_fail("replace"):
            self._raise()
        super()._os_replace(src, dst)
