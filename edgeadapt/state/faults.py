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

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .storage import Storage

__all__ = ["PowerCut", "PowerCutStorage", "Operation", "count_operations", "TAIL_OLD", "TAIL_GARBAGE"]

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
