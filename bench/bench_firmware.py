"""Firmware benchmarks: code size per core and module, stack use, instructions per call.

Reproduces the "Firmware" section of docs/benchmarks.md::

    python bench/bench_firmware.py            # prints the Markdown tables

Needs arm-none-eabi-gcc with newlib and valgrind (scripts/setup-system); the emlearn
comparison needs the `emlearn` package (pip), and is left out without it.

- ``.text`` per core and module: each source compiled with ``-Os -ffunction-sections``
  for Cortex-M0+, M3 and M4F (``make cross``), measured with ``arm-none-eabi-size``.
- Own code of a real program: firmware/examples/minimal.c (store load + commit, int8
  NCM, UCB1) plus running moments, linked for the M3 with ``--gc-sections``; the sizes of
  the library's functions that survive in the ELF (``nm -S``), apart from the C library
  and the compiler's soft-float helpers it pulls in.
- Stack: ``-fcallgraph-info=su`` frames summed along the deepest call path from each entry
  point (port callbacks, reached through function pointers, are the caller's, as are the
  C library's memcpy/memset).
- Instructions per call: the host build (gcc -O2) under callgrind, counting only the
  ``bench_*`` wrappers of firmware/bench/ea_bench.c (and emlearn_knn.c), over 1000 calls.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FW = ROOT / "firmware"
CORES = {"M0+": "m0plus", "M3": "m3", "M4F": "m4f"}
MODULES = ("ea_state", "ea_write", "ea_get", "ea_stats", "ea_ncm", "ea_bandit", "ea_guard")
CALLS = 1000  # firmware/bench/ea_bench.c
ARM_CC = "arm-none-eabi-gcc"
M3_FLAGS = ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]
ENTRY_POINTS = (
    "ea_store_load", "ea_store_commit", "ea_store_format", "ea_writer_finish", "ea_writer_array_p", "ea_q8ncm_predict",
    "ea_q8ncm_enroll", "ea_q8ncm_load", "ea_q8ncm_save", "ea_ucb1_select", "ea_bandit_load", "ea_bandit_save",
    "ea_moments_update", "ea_moments_load", "ea_ncm_predict", "ea_egreedy_select", "ea_bts_select", "ea_bts_update",
    "ea_dguard_process", "ea_dguard_load", "ea_dguard_save", "ea_aguard_update", "ea_aguard_load", "ea_aguard_save",
    "app_step",
)

PROBE = """
#include "edgeadapt/ea_learn.h"
typedef struct app app;
int app_step(app *a);
int probe(app *a, ea_moments *m, const double *x, const ea_blob *b, ea_writer *w);
int probe(app *a, ea_moments *m, const double *x, const ea_blob *b, ea_writer *w) {
    int err = ea_moments_load(m, b, "m.");
    if (!err) err = ea_moments_update(m, x, 1.0);
    if (!err) err = ea_moments_save(m, w, "m.");
    return err ? err : app_step(a);
}
"""


def sh(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        sys.exit(f"bench_firmware: {' '.join(map(str, cmd))} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def section_sizes(obj: Path) -> tuple[int, int]:
    text = rodata = 0
    for line in sh(["arm-none-eabi-size", "-A", str(obj)]).splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            if parts[0].startswith(".text"):
                text += int(parts[1])
            elif parts[0].startswith(".rodata"):
                rodata += int(parts[1])
    return text, rodata


def size_table(build: Path) -> str:
    rows = ["| module | " + " | ".join(f"{c} .text" for c in CORES) + " | .rodata (M3) |", "|---|" + "---:|" * (len(CORES) + 1)]
    totals = defaultdict(int)
    for mod in MODULES:
        cells = []
        for core, d in CORES.items():
            text, _ = section_sizes(build / d / f"{mod}.o")
            totals[core] += text
            cells.append(str(text))
        rows.append(f"| {mod} | " + " | ".join(cells) + f" | {section_sizes(build / 'm3' / f'{mod}.o')[1]} |")
    rows.append("| **all** | " + " | ".join(f"**{totals[c]}**" for c in CORES) + " | |")
    return "\n".join(rows)


def linked_program(tmp: Path) -> tuple[int, int, int, list[tuple[str, int]]]:
    """Own .text, libc and soft-float bytes of minimal.c + moments, linked for the M3."""
    probe = tmp / "probe.c"
    probe.write_text(PROBE)
    objs = []
    srcs = [*(FW / "src" / f"{m}.c" for m in MODULES), FW / "examples" / "minimal.c", FW / "examples" / "port_stub.c", probe]
    for src in srcs:
        obj = tmp / f"link-{src.stem}.o"
        sh([ARM_CC, "-std=c99", "-Os", *M3_FLAGS, "-ffunction-sections", "-fdata-sections", f"-I{FW / 'include'}",
            "-c", str(src), "-o", str(obj)])
        objs.append(obj)
    elf = tmp / "probe.elf"
    sh([ARM_CC, *M3_FLAGS, "-Os", "--specs=nano.specs", "--specs=nosys.specs", "-nostartfiles", "-Wl,--gc-sections",
        "-Wl,--entry=probe", "-Wl,--undefined=probe", *map(str, objs), "-lm", "-o", str(elf)])
    ours: set[str] = set()
    for obj in objs[: len(MODULES)]:
        for line in sh(["arm-none-eabi-nm", "--defined-only", str(obj)]).splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tT":
                ours.add(parts[2])
    app = set()
    for obj in objs[len(MODULES):]:
        for line in sh(["arm-none-eabi-nm", "--defined-only", str(obj)]).splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tT":
                app.add(parts[2])
    own = libc = softfloat = 0
    funcs = []
    for line in sh(["arm-none-eabi-nm", "-S", "--size-sort", str(elf)]).splitlines():
        parts = line.split()
        if len(parts) != 4 or parts[2] not in "tTwW":
            continue
        size, name = int(parts[1], 16), parts[3]
        if name in ours:
            own += size
            funcs.append((name, size))
        elif name in app:
            continue
        elif name.startswith("__aeabi_") or re.match(r"__(add|sub|mul|div|cmp|eq|ne|lt|le|gt|ge|unord|fix|float|extend|trunc|clz|udiv|ashl|lshr)", name):
            softfloat += size
        else:
            libc += size
    return own, libc, softfloat, sorted(funcs, key=lambda f: -f[1])


def stack_use(tmp: Path) -> dict[str, int]:
    nodes: dict[str, int] = {}
    edges: dict[str, set[str]] = defaultdict(set)
    srcs = [*(FW / "src" / f"{m}.c" for m in MODULES), FW / "examples" / "minimal.c"]
    for src in srcs:
        obj = tmp / f"su-{src.stem}.o"
        sh([ARM_CC, "-std=c99", "-Os", *M3_FLAGS, "-ffunction-sections", "-fcallgraph-info=su", f"-I{FW / 'include'}",
            "-c", str(src), "-o", str(obj)], cwd=tmp)
        ci = obj.with_suffix(".ci")
        for line in ci.read_text().splitlines():
            m = re.match(r'node: \{ title: "([^"]+)" label: "([^"]*)"', line)
            if m:
                frame = re.search(r"(\d+) bytes", m.group(2))
                name = m.group(1).rsplit(":", 1)[-1]
                if frame:
                    nodes[name] = int(frame.group(1))
                else:
                    nodes.setdefault(name, 0)
            m = re.match(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', line)
            if m:
                edges[m.group(1).rsplit(":", 1)[-1]].add(m.group(2).rsplit(":", 1)[-1])

    def deepest(fn: str, seen: frozenset = frozenset()) -> int:
        if fn in seen:
            raise SystemExit(f"bench_firmware: recursion through {fn}")
        return nodes.get(fn, 0) + max((deepest(c, seen | {fn}) for c in edges.get(fn, ())), default=0)

    return {fn: deepest(fn) for fn in ENTRY_POINTS if fn in nodes}


def callgrind(exe: Path, args: list[str], wrapper: str, tmp: Path) -> float:
    out = tmp / f"cg-{wrapper}-{'-'.join(args) or 'x'}.out"
    sh(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
        f"--toggle-collect={wrapper}", str(exe), *args])
    for line in out.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1]) / CALLS
    raise SystemExit(f"bench_firmware: no totals in {out}")


def instructions(tmp: Path) -> list[tuple[str, float]]:
    exe = tmp / "ea_bench"
    sh(["gcc", "-std=c99", "-O2", f"-I{FW / 'include'}", str(FW / "bench" / "ea_bench.c"),
        *(str(FW / "src" / f"{m}.c") for m in MODULES), "-lm", "-o", str(exe)])
    rows = [
        ("int8 NCM, 32 x 96, squared L2 (ea_q8ncm_predict)", callgrind(exe, ["ncm-l2"], "bench_q8", tmp)),
        ("int8 NCM, 32 x 96, cosine (ea_q8ncm_predict)", callgrind(exe, ["ncm-cos"], "bench_q8", tmp)),
        ("float64 NCM, 32 x 96, squared L2 (ea_ncm_predict)", callgrind(exe, ["ncm-float"], "bench_ncm", tmp)),
        ("UCB1 select + update, 8 arms", callgrind(exe, ["ucb1"], "bench_ucb1", tmp)),
    ]
    try:
        import emlearn  # noqa: PLC0415 - optional peer
    except ImportError:
        print("bench_firmware: emlearn is not installed; its kNN row is left out", file=sys.stderr)
        return rows
    knn = tmp / "emlearn_knn"
    sh(["gcc", "-O2", f"-I{emlearn.includedir}", str(FW / "bench" / "emlearn_knn.c"), "-lm", "-o", str(knn)])
    version = getattr(emlearn, "__version__", "?")
    rows.append((f"emlearn {version} kNN, k=1, 32 x 96 int16 (eml_neighbors_predict)", callgrind(knn, [], "bench_knn", tmp)))
    return rows


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    for tool in (ARM_CC, "arm-none-eabi-size", "arm-none-eabi-nm", "valgrind", "gcc", "make"):
        if shutil.which(tool) is None:
            sys.exit(f"bench_firmware: {tool} is missing; run scripts/setup-system")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sh(["make", "-C", str(FW), f"BUILD={tmp / 'cross'}",
            *(f"{tmp / 'cross'}/{c}/ea_state.o" for c in CORES.values())])
        print("#### `.text` bytes per core and module (arm-none-eabi-gcc -Os)\n")
        print(size_table(tmp / "cross"))
        own, libc, soft, funcs = linked_program(tmp)
        print("\n#### A linked program on the Cortex-M3 (-Os, --gc-sections)\n")
        print("firmware/examples/minimal.c (store load + commit, int8 NCM classify/enroll/update, UCB1 select/update/"
              "load/save) plus Moments load/update/save:\n")
        print("| part | bytes |\n|---|---:|")
        print(f"| library code (blob read/write, commit, NCM int8, UCB1, moments) | **{own}** |")
        print(f"| soft-float helpers from libgcc (UCB1's doubles; none on the int8 path) | {soft} |")
        print(f"| C library (memcpy, memset, memcmp, strlen, log, sqrt, ...) | {libc} |")
        print("\nLargest library functions: " + ", ".join(f"`{n}` {s}" for n, s in funcs[:8]))
        print("\n#### Stack (Cortex-M3, -Os): deepest path from each entry point, bytes\n")
        su = stack_use(tmp)
        print("| entry point | stack |\n|---|---:|")
        for fn, b in sorted(su.items(), key=lambda kv: -kv[1]):
            print(f"| `{fn}` | {b} |")
        print("\n#### Instructions per call (host gcc -O2, callgrind, 1000 calls)\n")
        print("| operation | instructions/call |\n|---|---:|")
        for name, ir in instructions(tmp):
            print(f"| {name} | {ir:,.0f} |")


if __name__ == "__main__":
    main()
