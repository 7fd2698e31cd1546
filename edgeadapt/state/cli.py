"""``edgeadapt state inspect FILE`` and ``edgeadapt state reset FILE``.

``inspect`` reads a store (under a shared lock, so never a save half done) or a bare
blob, and prints names and strings with control characters escaped, so that a crafted
file cannot write terminal escape codes to the screen. ``reset`` takes the exclusive
lock and saves the factory state as a new sequence number. Both fail with one line
naming the file (see ``edgeadapt.cli``) and change nothing on failure.
"""

from __future__ import annotations

import argparse

from ..errors import NoValidStateError
from .blob import BLOB_MAGIC, BlobInfo, read_blob_info
from .lock import DEFAULT_LOCK_TIMEOUT
from .storage import FileStorage
from .store import DEFAULT_MAX_BLOB_BYTES, FileStore, StoreInfo


def escape(text: str) -> str:
    """``text`` with every non-printable character (controls, bidi overrides, ...) escaped.

    Examples
    --------
    >>> escape("ok name"), escape("\\x1b[2Jx\\n"), escape("a\\u202eb")
    ('ok name', '\\\\x1b[2Jx\\\\n', 'a\\\\u202eb')
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _format_blob(info: BlobInfo, indent: str) -> list[str]:
    lines = [f"{indent}format {info.major}.{info.minor}, {info.size} bytes, crc {info.crc:#010x}, {len(info.entries)} entries"]
    for e in info.entries:
        shape = "scalar" if not e.shape else "x".join(str(d) for d in e.shape)
        lines.append(f"{indent}  {escape(e.name):<32} {e.dtype:<8} {shape:<14} {e.nbytes} bytes")
    return lines


def format_store(info: StoreInfo) -> str:
    """Render what ``inspect`` prints.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "s.ea")
    >>> _ = FileStore(path).save({"w": np.zeros(3, np.float32)})
    >>> print(format_store(FileStore(path, readonly=True).inspect()).splitlines()[1])
    store format 1.0, 612 bytes, slot capacity 4096
    """
    lines = [escape(info.name), f"store format {info.major}.{info.minor}, {info.file_size} bytes, slot capacity {info.slot_capacity}"]
    if info.factory is None:
        lines.append(f"factory state: {escape(info.factory_status)}")
    else:
        lines.append("factory state:")
        lines += _format_blob(info.factory, "  ")
    for slot in info.slots:
        mark = " (active)" if slot.index == info.active else ""
        seq = "" if slot.sequence is None else f", sequence {slot.sequence}"
        lines.append(f"slot {slot.index} at offset {slot.offset}: {escape(slot.status)}{seq}{mark}")
        if slot.blob is not None:
            lines += _format_blob(slot.blob, "  ")
    if info.active is None:
        lines.append("no good slot: run 'edgeadapt state reset' to go back to the factory state")
    return "\n".join(lines)


def _inspect(args: argparse.Namespace) -> int:
    storage = FileStorage(args.path)
    head = storage.read(len(BLOB_MAGIC))
    if head == BLOB_MAGIC:  # a bare blob (golden files, exported states)
        data = storage.read(DEFAULT_MAX_BLOB_BYTES + 1) or b""
        info = read_blob_info(data, args.path)
        print("\n".join([escape(args.path), "bare state blob:"] + _format_blob(info, "  ")))
        return 0
    with FileStore(args.path, readonly=True, lock_timeout=args.lock_timeout) as store:
        info = store.inspect()
    print(format_store(info))
    if info.active is None:
        raise NoValidStateError(
            f"{args.path}: no slot holds a good state (see above); 'edgeadapt state reset {args.path}' "
            "goes back to the factory state"
        )
    return 0


def _reset(args: argparse.Namespace) -> int:
    with FileStore(args.path, lock_timeout=args.lock_timeout) as store:
        seq = store.reset()
    print(f"{escape(args.path)}: factory state restored as sequence {seq}")
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--lock-timeout must be a number of seconds, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"--lock-timeout must be finite and >= 0, got {text!r}")
    return value


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``state`` command group."""
    parser = groups.add_parser("state", help="inspect or reset a state file")
    sub = parser.add_subparsers(dest="command", metavar="ACTION", required=True)
    for name, func, text in (
        ("inspect", _inspect, "print header, slots, sequence numbers, arrays and CRC status (of a store or a bare blob)"),
        ("reset", _reset, "go back to the factory state (durably, as a new sequence number)"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("path", help="state file")
        p.add_argument(
            "--lock-timeout", type=_seconds, default=DEFAULT_LOCK_TIMEOUT, metavar="SECONDS",
            help=f"wait this long for another command holding the file (default {DEFAULT_LOCK_TIMEOUT:g}; 0: fail at once)",
        )
        p.set_defaults(func=func)
