"""The minimal firmware example of firmware/README.md runs: open the state from (emulated)
flash, classify, enroll, update a bandit, commit; the flash image it leaves is a store that
Python reads, and its bandit state is the one Python's UCB1 reaches on the same rewards."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import numpy as np

from edgeadapt.bandit import UCB1
from edgeadapt.errors import StateRecoveryWarning
from edgeadapt.state import FileStore, encode_blob

ROOT = Path(__file__).resolve().parents[2]
FW = ROOT / "firmware"
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
DIM, ARMS, STEPS = 96, 4, 7


def test_minimal_example_runs_and_python_reads_its_flash(tmp_path):
    exe = tmp_path / "example"
    made = subprocess.run(["gcc", "-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wconversion",
                           "-Wno-sign-conversion", *SANITIZE, "-DEA_EXAMPLE_MAIN", f"-I{FW / 'include'}",
                           str(FW / "examples/minimal.c"), str(FW / "examples/port_stub.c"),
                           *map(str, sorted((FW / "src").glob("*.c"))), "-lm", "-o", str(exe)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    policy = UCB1(n_arms=ARMS, seed=0)
    factory = {f"bandit.{k}": v for k, v in policy.state_dict().items()}
    factory.update({"ncm.counts": np.zeros(0, np.int32), "ncm.protos": np.zeros((0, DIM), np.int8),
                    "ncm.sums": np.zeros((0, DIM), np.int32)})
    (tmp_path / "factory.blob").write_bytes(encode_blob(factory))
    run = subprocess.run([str(exe), str(tmp_path / "factory.blob"), str(STEPS), str(tmp_path / "flash.img")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("error", StateRecoveryWarning)  # both slots good after 2+ commits
        store = FileStore(tmp_path / "flash.img")
        state = store.load()
    assert store.sequence == 1 + STEPS
    for _ in range(STEPS):  # the same rewards as perform() in port_stub.c
        arm = policy.select()
        policy.update(arm, 1.0 if arm == 2 else 0.25)
    bandit = {k[len("bandit."):]: v for k, v in state.items() if k.startswith("bandit.")}
    for name, value in policy.state_dict().items():
        assert np.array_equal(bandit[name], value), name
    # the embeddings cycle through 3 patterns far apart: 3 classes enrolled, the rest updates
    assert state["ncm.counts"].tolist() == [3, 2, 2]
