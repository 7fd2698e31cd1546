"""What Python and the C reader make of any bytes, in one comparable form.

:func:`python_verdict` and :func:`c_verdicts` return, per file and per reading (as a
bare blob, as a store), either ``("error", "<class>")`` or ``("ok", contents)`` with the
contents in ``ea_dump``'s JSON form (dtype, shape, flat values; bytes and strings as
hex), plus the chosen slot, sequence, damaged slots and factory status of a store.
"""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import numpy as np

from edgeadapt.errors import StateError
from edgeadapt.state import decode_blob
from edgeadapt.state._layout import ERRORS
from edgeadapt.state.storage import MemoryStorage
from edgeadapt.state.store import SlotStore

C_ERROR_CLASS = {code: cls for code, _name, _msg, cls in ERRORS if cls}
KINDS = ("blob", "store")


def as_c_json(state) -> dict:
    """What ea_dump prints for a Python-decoded state."""
    out = {}
    for name, value in state.items():
        if isinstance(value, str):
            out[name] = {"dtype": "utf8", "hex": value.encode().hex()}
        elif isinstance(value, bytes):
            out[name] = {"dtype": "bytes", "hex": value.hex()}
        else:
            arr = np.asarray(value)
            flat = arr.reshape(-1)
            if arr.dtype.kind == "f":  # compare floats by their bits: NaN == NaN
                flat = flat.view(np.uint32 if arr.dtype.itemsize == 4 else np.uint64)
            out[name] = {"dtype": arr.dtype.name, "shape": list(arr.shape), "flat": flat.tolist()}
    return out


def _c_state_json(c_state: dict) -> dict:
    """Compare floats by the bits ea_dump prints, as :func:`as_c_json` does."""
    out = {}
    for name, e in c_state.items():
        if "bits" in e:
            e = {"dtype": e["dtype"], "shape": e["shape"], "flat": e["bits"]}
        out[name] = e
    return out


def python_verdict(data: bytes, kind: str):
    try:
        if kind == "blob":
            return ("ok", as_c_json(decode_blob(data)))
        storage = MemoryStorage("<corpus>")
        storage.data = bytearray(data)
        store = SlotStore(storage, readonly=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = store.load()
            info = store.inspect()
        if state is None:  # pragma: no cover - MemoryStorage with data
            return ("error", "empty")
        damaged = sum(1 << s.index for s in info.slots if s.status not in ("ok", "empty"))
        factory = None
        if info.factory_status == "ok":
            factory = as_c_json(store.factory())
        return ("ok", {"sequence": store.sequence, "active_slot": info.active, "damaged_slots": damaged,
                       "state": as_c_json(state), "factory_ok": factory is not None, "factory": factory})
    except StateError as exc:
        return ("error", type(exc).__name__)


def c_verdicts(ea_dump: Path, paths: list[Path], kind: str, chunk: int = 200) -> list:
    """One verdict per path, from one ea_dump run per ``chunk`` files."""
    out = []
    for start in range(0, len(paths), chunk):
        group = paths[start : start + chunk]
        run = subprocess.run([str(ea_dump), kind, *map(str, group)], capture_output=True, text=True, timeout=300)
        assert run.returncode in (0, 2), f"ea_dump crashed (status {run.returncode}):\n{run.stderr[-3000:]}"
        assert "runtime error" not in run.stderr and "Sanitizer" not in run.stderr, run.stderr[-3000:]
        lines = run.stdout.splitlines()
        assert len(lines) == len(group), (len(lines), len(group), run.stderr[-2000:])
        for line in lines:
            if line.startswith("error "):
                out.append(("error", C_ERROR_CLASS.get(int(line.split()[1]), "unexpected C code " + line)))
                continue
            value = json.loads(line)
            if kind == "blob":
                out.append(("ok", _c_state_json(value)))
            else:
                factory = value["factory"]
                out.append(("ok", {"sequence": value["sequence"], "active_slot": value["active_slot"],
                                   "damaged_slots": value["damaged_slots"], "state": _c_state_json(value["state"]),
                                   "factory_ok": value["factory_err"] == 0,
                                   "factory": None if factory is None else _c_state_json(factory)}))
    return out
