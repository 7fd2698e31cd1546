"""Power-loss fault injection: cut at every operation and every byte of every save.

Like littlefs's power-loss runner: for each of several successive saves (including the
creation of the store and a save that grows the slots, which rebuilds the file), the
emulated storage cuts the power at every write, sync and rename, and inside every write at
every byte offset, leaving either the old bytes or garbage after the tear, with and without
losing the writes not yet synced. After each cut the store is reopened: it must hold either
the state before the save or the state it was saving (never garbage, never nothing), and it
must accept the next save.
"""

from __future__ import annotations

import warnings

import numpy as np

from edgeadapt.errors import StateRecoveryWarning
from edgeadapt.state.faults import TAIL_GARBAGE, TAIL_OLD, PowerCut, PowerCutStorage, count_operations
from edgeadapt.state.store import SlotStore


def states():
    """Successive states of a growing component (the fourth outgrows the first slots)."""
    rng = np.random.default_rng(7)
    out = [{"n": np.int64(0), "w": np.zeros(8, np.float32), "name": "factory"}]
    for i in range(1, 4):
        out.append({"n": np.int64(i), "w": rng.standard_normal(8).astype(np.float32), "name": f"s{i}"})
    out.append({"n": np.int64(4), "w": rng.standard_normal(1100).astype(np.float32), "name": "big"})
    out.append({"n": np.int64(5), "w": rng.standard_normal(1100).astype(np.float32), "name": "big2"})
    return out


def same(a, b):
    return a is not None and set(a) == set(b) and all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in b)


def durable_after(sequence):
    """Storage image after saving ``sequence`` of states with no cut."""
    storage = PowerCutStorage()
    store = SlotStore(storage)
    store.create(sequence[0])
    for state in sequence[1:]:
        store.save(state)
    return storage.durable


def action(state, first):
    def run(storage):
        store = SlotStore(storage)
        if first:
            store.create(state)
        else:
            store.save(state)

    return run


def reopen(image):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StateRecoveryWarning)
        return SlotStore(PowerCutStorage(image)).load()


def test_every_cut_point_of_successive_saves_loses_nothing(capsys):
    seq = states()
    tried = losses = 0
    per_save = []
    for i, state in enumerate(seq):
        before = durable_after(seq[:i]) if i else None
        ops = count_operations(before, action(state, first=i == 0))
        points = 0
        for op_index, op in enumerate(ops):
            offsets = range(op.size + 1) if op.kind == "write" else ([0, 1] if op.kind == "replace" else [0])
            for offset in offsets:
                for tail in (TAIL_OLD, TAIL_GARBAGE):
                    for drop in (False, True):
                        cut = PowerCutStorage(before, cut_at=op_index, cut_offset=offset, tail=tail, drop_unsynced=drop, seed=points)
                        try:
                            action(state, first=i == 0)(cut)
                        except PowerCut:
                            pass
                        else:  # pragma: no cover - the cut must happen
                            raise AssertionError(f"no cut at operation {op_index}")
                        got = reopen(cut.durable)
                        ok = same(got, state) or (same(got, seq[i - 1]) if i else got is None)
                        if ok and i:
                            # the store stays usable after the cut
                            follow = {"n": np.int64(99), "w": np.ones(3, np.float32), "name": "after"}
                            with warnings.catch_warnings():
                                warnings.simplefilter("ignore", StateRecoveryWarning)
                                store = SlotStore(PowerCutStorage(cut.durable))
                                store.load()
                                store.save(follow)
                            ok = same(SlotStore(PowerCutStorage(store.storage.durable)).load(), follow)
                        losses += not ok
                        points += 1
        per_save.append((len(ops), points))
        tried += points
    with capsys.disabled():  # shown in every run, not only with -s
        print(f"\npower-loss: {tried} cut points over {len(seq)} saves {per_save}, {losses} losses")
    assert losses == 0
    assert len(seq) >= 3 and tried > 1000


def test_cut_with_no_store_yet_leaves_nothing_or_the_state():
    state = states()[0]
    for offset in (0, 1):
        cut = PowerCutStorage(None, cut_at=0, cut_offset=offset)
        try:
            SlotStore(cut).create(state)
        except PowerCut:
            pass
        got = reopen(cut.durable) if cut.durable is not None else None
        assert (got is None and offset == 0) or same(got, state)
