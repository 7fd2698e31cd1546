"""Worker process for the SIGKILL test: a persisted Moments learner fed a stream.

Usage: python persist_worker.py STATE_FILE POLICY START
Prints ``durable N`` after update N has returned (so it is durable under EveryUpdate),
then continues until killed or until it has done ``--count`` updates.
"""

from __future__ import annotations

import sys

import numpy as np

from edgeadapt.learn import Moments
from edgeadapt.state import Coalesced, EveryUpdate, persist

DIM = 4


def sample(i: int) -> np.ndarray:
    """The i-th sample of the stream (1-based), the same in every process."""
    return np.random.default_rng(i).standard_normal(DIM)


def main() -> None:
    path, policy_name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    policy = EveryUpdate() if policy_name == "every" else Coalesced(max_updates=10**9, max_seconds=1e9)
    model = persist(Moments(DIM), path, policy)
    start = int(round(model.count))
    print(f"start {start}", flush=True)
    for i in range(start + 1, start + count + 1):
        model.update(sample(i))
        print(f"durable {i}", flush=True)
    # no close(): a Coalesced policy must still write at interpreter exit


if __name__ == "__main__":
    main()
