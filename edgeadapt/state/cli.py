"""``edgeadapt state inspect FILE`` and ``edgeadapt state reset FILE``."""

from __future__ import annotations

import argparse
import math

from .blob import BlobInfo
from .store import FileStore, StoreInfo


def _format_blob(info: BlobInfo, indent: str) -> list[str]:
    lines = [f"{indent}format {info.major}.{info.minor}, {info.size} bytes, crc {info.crc:#010x}, {len(info.entries)} entries"]
    for e in info.entries:
        shape = "scalar" if not e.shape else "x".join(str(d) for d in e.shape)
        lines.append(f"{indent}  {e.name:<32} {e.dtype:<8} {shape:<14} {e.nbytes} bytes")
    return lines


def format_store(info: StoreInfo) -> str:
    """Render what ``inspect`` prints.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "s.ea")
    >>> _ = FileStore(path).save({"w": np.zeros(3, np.float32)})
    >>> print(format_store(FileStore(path).inspect()).splitlines()[1])
    store format 1.0, 612 bytes, slot capacity 4096
    """
    lines = [f"{info.name}", f"store format {info.major}.{info.minor}, {info.file_size} bytes, slot capacity {info.slot_capacity}"]
    lines.append("factory state:")
    lines += _format_blob(info.factory, "  ")
    for slot in info.slots:
        mark = " (active)" if slot.index == info.active else ""
        seq = "" if slot.sequence is None else f", sequence {slot.sequence}"
        lines.append(f"slot {slot.index} at offset {slot.offset}: {slot.status}{seq}{mark}")
        if slot.blob is not None:
            lines += _format_blob(slot.blob, "  ")
    if info.active is None:
        lines.append("no good slot: run 'edgeadapt state reset' to go back to the factory state")
    return "\n".join(lines)


def _inspect(args: argparse.Namespace) -> int:
    info = FileStore(args.path).inspect()
    print(format_store(info))
    return 0 if info.active is not None else 1


def _reset(args: argparse.Namespace) -> int:
    store = FileStore(args.path)
    seq = store.reset()
    print(f"{args.path}: factory state restored as sequence {seq}")
    return 0


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``state`` command group."""
    parser = groups.add_parser("state", help="inspect or reset a state file")
    sub = parser.add_subparsers(dest="command", metavar="ACTION", required=True)
    p = sub.add_parser("inspect", help="print header, slots, sequence numbers, arrays and CRC status")
    p.add_argument("path", help="state file")
    p.set_defaults(func=_inspect)
    p = sub.add_parser("reset", help="go back to the factory state (durably, as a new sequence number)")
    p.add_argument("path", help="state file")
    p.set_defaults(func=_reset)
