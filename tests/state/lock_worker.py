"""A writer in its own process, for tests/state/test_lock.py.

``python lock_worker.py PATH NAME HOLD TIMEOUT [grow] [write]``: open the store (locked at
open; ``write``: at the first write), add NAME to the
comma-separated ``names`` entry, print ``locked`` once the lock is held, hold it HOLD
seconds, save (with a large array when ``grow``: the save rebuilds and renames the file),
print ``saved``. A StateLockedError prints its message and exits 1.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from edgeadapt.errors import StateConflictError, StateLockedError
from edgeadapt.state import FileStore


def main(path: str, name: str, hold: float, timeout: float, grow: bool, lock: str) -> int:
    try:
        with FileStore(path, lock_timeout=timeout, lock=lock) as store:
            state = store.load() or {"names": ""}
            print("locked", flush=True)
            time.sleep(hold)
            names = [n for n in str(state["names"]).split(",") if n] + [name]
            new = {"names": ",".join(names)}
            if grow:
                new["big"] = np.zeros(5000)
            store.save(new)
            print("saved", flush=True)
    except (StateLockedError, StateConflictError) as exc:
        print(exc, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0], args[1], float(args[2]), float(args[3]), "grow" in args[4:], "write" if "write" in args[4:] else "open"))
