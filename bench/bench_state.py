"""Benchmark of the state blob and the stores, with peers measured in the same run.

Reports blob overhead in bytes, encode/decode throughput against ``numpy.savez`` and
``pickle`` (peers for speed only: edgeadapt never persists with pickle), and the latency
of a durable commit against a bare ``write`` + ``fsync`` of the same bytes.

Usage::

    python bench/bench_state.py                 # print the tables
    python bench/bench_state.py --update-docs   # also rewrite the block in docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from edgeadapt.state import FileStore, decode_blob, encode_blob  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN state -->", "<!-- END state -->"
COMMAND = "python bench/bench_state.py --update-docs"
MIN_SECONDS = 0.3  # minimum measuring time per cell
COMMITS = 200


def typical_states(rng: np.random.Generator) -> dict[str, dict]:
    """States shaped like the components' (sizes in the component docs)."""
    k, d, emb = 10, 10, 96
    return {
        "moments d=96": {"count": np.float64(1e4), "mean": rng.random(emb), "m2": rng.random(emb)},
        "LinUCB K=10 d=10": {
            "A_inv": rng.random((k, d, d)),
            "b": rng.random((k, d)),
            "counts": np.arange(k, dtype=np.int64),
            "rng_state": rng.integers(0, 2**63, 4, dtype=np.uint64),
            "__component__": "LinUCB",
        },
        "enrollment 64x96 f32": {
            "vectors": rng.random((64, emb), dtype=np.float32),
            "labels": rng.integers(0, 4, 64).astype(np.int32),
            "names": "alice\nbob\nhey nova\nstop",
        },
        "1M float32": {"x": rng.random(1_000_000, dtype=np.float32)},
    }


def raw_bytes(state: dict) -> int:
    total = 0
    for v in state.values():
        total += len(v.encode()) if isinstance(v, str) else np.asarray(v).nbytes
    return total


def savez_bytes(state: dict) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{k.replace(".", "_"): np.asarray(v) for k, v in state.items()})
    return buf.getvalue()


def savez_load(data: bytes) -> dict:
    with np.load(io.BytesIO(data)) as z:
        return {k: z[k] for k in z.files}


def rate(fn, nbytes: int) -> float:
    """MB/s of ``fn`` over repeated calls lasting at least MIN_SECONDS."""
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            return nbytes * calls / elapsed / 1e6


def overhead_table(states: dict) -> list[str]:
    rows = ["| state | array bytes | edgeadapt blob | blob overhead | `np.savez` | `pickle` |", "|---|---:|---:|---:|---:|---:|"]
    for name, state in states.items():
        raw = raw_bytes(state)
        blob = len(encode_blob(state))
        rows.append(
            f"| {name} | {raw} | {blob} | {blob - raw} | {len(savez_bytes(state))} | "
            f"{len(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))} |"
        )
    return rows


def throughput_table(states: dict) -> list[str]:
    rows = [
        "| state | encode MB/s: edgeadapt | `np.savez` | `pickle` | decode MB/s: edgeadapt | `np.load` | `pickle` |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, state in states.items():
        n = raw_bytes(state)
        blob, npz = encode_blob(state), savez_bytes(state)
        pk = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        cells = [
            rate(lambda: encode_blob(state), n),
            rate(lambda: savez_bytes(state), n),
            rate(lambda: pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), n),
            rate(lambda: decode_blob(blob), n),
            rate(lambda: savez_load(npz), n),
            rate(lambda: pickle.loads(pk), n),
        ]
        rows.append(f"| {name} | " + " | ".join(f"{c:,.0f}" for c in cells) + " |")
    return rows


def commit_table(states: dict, directory: Path) -> list[str]:
    rows = [
        "| state | blob bytes | `FileStore.save` median ms | bare `write`+`fsync` median ms | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in ("moments d=96", "enrollment 64x96 f32"):
        state = states[name]
        blob = encode_blob(state)
        store = FileStore(directory / f"{len(blob)}.ea")
        store.save(state)
        bare_path = directory / f"{len(blob)}.bare"
        fd = os.open(bare_path, os.O_RDWR | os.O_CREAT, 0o644)
        store_ms, bare_ms = [], []
        try:
            for _ in range(COMMITS):  # interleaved, so both see the same disk weather
                t0 = time.perf_counter()
                store.save(state)
                t1 = time.perf_counter()
                os.pwrite(fd, blob, 0)
                os.fsync(fd)
                t2 = time.perf_counter()
                store_ms.append((t1 - t0) * 1e3)
                bare_ms.append((t2 - t1) * 1e3)
        finally:
            os.close(fd)
            store.close()
        s, b = statistics.median(store_ms), statistics.median(bare_ms)
        rows.append(f"| {name} | {len(blob)} | {s:.3f} | {b:.3f} | {s / b:.2f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update-docs", action="store_true", help=f"rewrite the state block of {DOCS.name}")
    args = parser.parse_args()
    states = typical_states(np.random.default_rng(0))
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        commit = commit_table(states, Path(tmp))
    lines = [
        "## State blob and persistence",
        "",
        f"Reproduce: `{COMMAND}` (numpy {np.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}). Store files live in a temporary directory inside the checkout.",
        "",
        "**Size.** Blob overhead is the 28-byte header and CRC plus 16 bytes, the dims, the name and "
        "alignment padding per entry (every array 8-byte aligned for in-place C reads). A store file "
        "adds a 64-byte header, the factory copy and a 32-byte commit record per slot.",
        "",
        *overhead_table(states),
        "",
        "**Encode/decode throughput** (MB/s of array bytes, same process, same run; higher is better):",
        "",
        *throughput_table(states),
        "",
        f"**Durable commit latency**: median of {COMMITS} interleaved commits. A `FileStore.save` "
        "writes the payload, fsyncs, writes the commit record and fsyncs again: two fsyncs "
        "against the bare write's one, which is the price of never overwriting the last good state.",
        "",
        *commit,
    ]
    text = "\n".join(lines)
    print(text)
    if args.update_docs:
        doc = DOCS.read_text()
        start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
        DOCS.write_text(doc[:start] + "\n" + text + "\n" + doc[end:])
        print(f"\nupdated {DOCS}")


if __name__ == "__main__":
    main()
