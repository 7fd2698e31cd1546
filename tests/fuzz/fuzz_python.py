"""atheris harness of the Python decoder and store (``docs/reliability.md``).

Any bytes, as given and with their CRCs fixed (``fixup.py``), go to ``decode_blob`` and
to a store over them: load, inspect, factory, then a save and a reset. Only edgeadapt's
own ``StateError`` may come out; a save must read back, must not grow the storage past
what the size cap allows, and a failed reset must change nothing.

    python tests/fuzz/fuzz_python.py -atheris_runs=100000 CORPUS_DIR tests/golden tests/state/corpus
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from pathlib import Path

try:
    import atheris
except ImportError:  # pytest imports this module to look for doctests; fuzzing needs atheris
    atheris = None

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports() if atheris is not None else contextlib.nullcontext():
    import numpy as np

    from edgeadapt.errors import StateError
    from edgeadapt.state import decode_blob, encode_blob
    from edgeadapt.state.cli import format_store
    from edgeadapt.state.storage import MemoryStorage
    from edgeadapt.state.store import SlotStore, _capacity_for

    from fixup import fixed

# The store's size cap in the harness: small, so that the growth bound below is tight.
MAX_BLOB = 1 << 16
PROBE = {"fuzz": np.arange(3, dtype=np.int32), "tag": "probe"}


def one(data: bytes) -> None:
    try:
        state = decode_blob(data)
    except StateError:
        state = None
    if state is not None:
        if encode_blob(state) != data and len(data) < 1 << 20:
            # a blob that decodes re-encodes to the same bytes unless it had padding or a
            # larger header (minor extensions) that the encoder does not write
            decode_blob(encode_blob(state))
    storage = MemoryStorage("<fuzz>")
    storage.data = bytearray(data)
    store = SlotStore(storage, max_blob_bytes=MAX_BLOB)
    try:
        loaded = store.load()
    except StateError:
        try:
            store.inspect()
        except StateError:
            pass
        before = bytes(storage.data)
        try:
            store.reset()
        except StateError:
            if bytes(storage.data) != before:
                raise AssertionError("a failed reset changed the bytes")
        return
    try:
        text = format_store(store.inspect())
    except StateError:
        raise AssertionError("load succeeded but inspect failed")
    if not all(line.isprintable() for line in text.splitlines()):
        raise AssertionError("inspect would print a control character")
    if loaded is not None:
        limit = max(len(data), 0) + 2 * _capacity_for(MAX_BLOB) + 4096
        seq = store.save(PROBE)
        got = SlotStore(storage).load()
        if set(got) != set(PROBE) or not np.array_equal(got["fuzz"], PROBE["fuzz"]) or seq < 1:
            raise AssertionError("a save did not read back")
        if len(storage.data) > limit:
            raise AssertionError(f"a save grew a {len(data)}-byte store to {len(storage.data)} bytes")
        try:
            store.reset()
        except StateError:
            pass


def TestOneInput(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one(data)
        fix = fixed(data)
        if fix != data:
            one(fix)


if __name__ == "__main__":
    if atheris is None:
        sys.exit("fuzz_python.py needs atheris: pip install atheris")
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
