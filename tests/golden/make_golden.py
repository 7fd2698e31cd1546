"""Write the golden state blobs and their JSON descriptions.

Run once when the format changes (it never should within a major version):
``python tests/golden/make_golden.py``. The test suite reads the files back and also
checks that encoding the JSON description gives the same bytes.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from edgeadapt.state import encode_blob  # noqa: E402
from edgeadapt.state.store import SlotStore  # noqa: E402
from edgeadapt.state.storage import MemoryStorage  # noqa: E402


def describe(state: dict) -> dict:
    """JSON description of a state: dtype, shape and values of every entry."""
    out = {}
    for name, value in state.items():
        if isinstance(value, str):
            out[name] = {"dtype": "utf8", "value": value}
        elif isinstance(value, bytes):
            out[name] = {"dtype": "bytes", "base64": base64.b64encode(value).decode()}
        else:
            arr = np.asarray(value)
            out[name] = {"dtype": arr.dtype.name, "shape": list(arr.shape), "value": arr.tolist()}
    return out


def from_description(desc: dict) -> dict:
    """Inverse of :func:`describe`."""
    state = {}
    for name, d in desc.items():
        if d["dtype"] == "utf8":
            state[name] = d["value"]
        elif d["dtype"] == "bytes":
            state[name] = base64.b64decode(d["base64"])
        else:
            arr = np.array(d["value"], dtype=d["dtype"]).reshape(d["shape"])
            state[name] = arr[()] if arr.ndim == 0 else arr
    return state


def golden_states() -> dict[str, dict]:
    scalars = {
        "f32": np.float32(1.5),
        "f64": np.float64(-2.25),
        "i8": np.int8(-7),
        "i16": np.int16(-300),
        "i32": np.int32(-70000),
        "i64": np.int64(-(2**40)),
        "u8": np.uint8(200),
        "u16": np.uint16(60000),
        "u32": np.uint32(4000000000),
        "u64": np.uint64(2**63 + 5),
        "flag": np.bool_(True),
    }
    arrays = {
        "weights": np.arange(12, dtype=np.float32).reshape(3, 4) / 8,
        "cube": np.arange(24, dtype=np.int16).reshape(2, 3, 4) - 12,
        "counts": np.array([0, 1, 2**32 + 1], dtype=np.uint64),
        "empty": np.zeros((0, 96), dtype=np.float32),
        "mask": np.array([True, False, True]),
        "codes": np.array([-128, 0, 127], dtype=np.int8),
        "raw": b"\x00\x01\xfe\xff",
        "label": "h\u00e9 nova \u2713",
        "model.prototypes": np.linspace(-1, 1, 6).reshape(2, 3),
    }
    return {"scalars": scalars, "arrays": arrays, "empty": {}}


def main() -> None:
    for name, state in golden_states().items():
        (HERE / f"{name}.blob").write_bytes(encode_blob(state))
        (HERE / f"{name}.json").write_text(json.dumps(describe(state), indent=1, sort_keys=True) + "\n")
    # a store with a factory state, an older slot and a newer slot
    storage = MemoryStorage("golden store")
    store = SlotStore(storage)
    store.create({"n": np.int64(0), "mean": np.zeros(3)})
    store.save({"n": np.int64(1), "mean": np.array([1.0, 2.0, 3.0])})
    store.save({"n": np.int64(2), "mean": np.array([1.5, 2.5, 3.5])})
    (HERE / "store.ea").write_bytes(storage.read())
    (HERE / "store.json").write_text(
        json.dumps(
            {
                "sequence": store.sequence,
                "active_slot": store.inspect().active,
                "state": describe(store.load()),
                "factory": describe(store.factory()),
            },
            indent=1,
            sort_keys=True,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
