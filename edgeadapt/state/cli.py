"""``edgeadapt state inspect FILE`` and ``edgeadapt state reset FILE``.

``inspect`` reads a store (under a shared lock, so never a save half done) or a bare
blob, and prints names and strings with control characters escaped, so that a crafted
file cannot write terminal escape codes to the screen. ``reset`` takes the exclusive
lock and saves the factory state as a new sequence number. Both fail with one line
naming the file (see ``edgeadapt.cli``) and change nothing on failure.

With ``--json`` they write one record of :data:`INSPECT` (``edgeadapt.state.inspect/1``)
or :data:`RESET` (``edgeadapt.state.reset/1``) instead of the text; ``edgeadapt schema
state.inspect`` prints its JSON Schema.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..cli_common import Output, Schema, add_output_options
from ..errors import NoValidStateError
from .blob import BLOB_MAGIC, BlobInfo, read_blob_info
from .lock import DEFAULT_LOCK_TIMEOUT
from .storage import FileStorage
from .store import DEFAULT_MAX_BLOB_BYTES, FileStore, StoreInfo


_UINT = {"type": "integer", "minimum": 0}
_BLOB = {
    "type": "object",
    "description": "a state blob whose CRC holds",
    "properties": {
        "major": _UINT, "minor": _UINT, "size": _UINT, "crc": _UINT,
        "entries": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"}, "dtype": {"type": "string"},
                    "shape": {"type": "array", "items": _UINT}, "offset": _UINT, "nbytes": _UINT,
                },
                "required": ["name", "dtype", "shape", "offset", "nbytes"],
            },
        },
    },
    "required": ["major", "minor", "size", "crc", "entries"],
}
_NULLABLE_BLOB = {"anyOf": [_BLOB, {"type": "null"}]}
_NULLABLE_UINT = {"anyOf": [_UINT, {"type": "null"}]}

#: ``state inspect --json``: what a store or a bare blob holds.
INSPECT = Schema(
    "state.inspect", 1,
    {
        "path": {"type": "string"},
        "kind": {"enum": ["store", "blob"], "description": "a two-slot store, or a bare blob"},
        "blob": {**_NULLABLE_BLOB, "description": "kind 'blob': the blob; a store: null"},
        "major": _NULLABLE_UINT, "minor": _NULLABLE_UINT,
        "file_size": _NULLABLE_UINT, "slot_capacity": _NULLABLE_UINT,
        "factory": {**_NULLABLE_BLOB, "description": "the factory state, null if damaged (see factory_status)"},
        "factory_status": {"type": ["string", "null"]},
        "slots": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": _UINT, "offset": _UINT, "status": {"type": "string"},
                    "sequence": _NULLABLE_UINT, "active": {"type": "boolean"}, "blob": _NULLABLE_BLOB,
                },
                "required": ["index", "offset", "status", "sequence", "active", "blob"],
            },
        },
        "active": {**_NULLABLE_UINT, "description": "index of the slot read (the newest good one); null: none"},
    },
    required=["path", "kind", "blob", "slots", "active"],
    description="what a state store (header, factory state, slots) or a bare state blob holds",
)
#: ``state reset --json``: the factory state was saved as a new sequence number.
RESET = Schema("state.reset", 1, {"path": {"type": "string"}, "sequence": _UINT}, required=["path", "sequence"],
               description="a store went back to its factory state, saved as a new sequence number")


def _blob_json(info: BlobInfo | None) -> dict[str, Any] | None:
    if info is None:
        return None
    return {
        "major": info.major, "minor": info.minor, "size": info.size, "crc": info.crc,
        "entries": [{"name": e.name, "dtype": e.dtype, "shape": list(e.shape), "offset": e.offset,
                     "nbytes": e.nbytes} for e in info.entries],
    }


def inspect_record(path: str, info: StoreInfo | BlobInfo) -> dict[str, Any]:
    """The :data:`INSPECT` record of a store's or a bare blob's information.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "s.ea")
    >>> _ = FileStore(path).save({"w": np.zeros(3, np.float32)})
    >>> rec = inspect_record(path, FileStore(path, readonly=True).inspect())
    >>> rec["kind"], rec["active"], [e["name"] for e in rec["slots"][rec["active"]]["blob"]["entries"]]
    ('store', 0, ['w'])
    """
    if isinstance(info, BlobInfo):
        return INSPECT.record(path=path, kind="blob", blob=_blob_json(info), slots=[], active=None)
    return INSPECT.record(
        path=path, kind="store", blob=None, major=info.major, minor=info.minor, file_size=info.file_size,
        slot_capacity=info.slot_capacity, factory=_blob_json(info.factory), factory_status=info.factory_status,
        slots=[{"index": s.index, "offset": s.offset, "status": s.status, "sequence": s.sequence,
                "active": s.index == info.active, "blob": _blob_json(s.blob)} for s in info.slots],
        active=info.active,
    )


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
    out = Output.from_args(args)
    storage = FileStorage(args.path)
    head = storage.read(len(BLOB_MAGIC))
    if head == BLOB_MAGIC:  # a bare blob (golden files, exported states)
        data = storage.read(DEFAULT_MAX_BLOB_BYTES + 1) or b""
        blob = read_blob_info(data, args.path)
        out.emit(inspect_record(args.path, blob),
                 text="\n".join([escape(args.path), "bare state blob:"] + _format_blob(blob, "  ")))
        return 0
    with FileStore(args.path, readonly=True, lock_timeout=args.lock_timeout) as store:
        info = store.inspect()
    out.emit(inspect_record(args.path, info), text=format_store(info))
    if info.active is None:
        raise NoValidStateError(
            f"{args.path}: no slot holds a good state (see above); 'edgeadapt state reset {args.path}' "
            "goes back to the factory state"
        )
    return 0


def _reset(args: argparse.Namespace) -> int:
    with FileStore(args.path, lock_timeout=args.lock_timeout) as store:
        seq = store.reset()
    Output.from_args(args).emit(RESET.record(path=args.path, sequence=seq),
                                text=f"{escape(args.path)}: factory state restored as sequence {seq}")
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
        add_output_options(p)
        p.set_defaults(func=func)
