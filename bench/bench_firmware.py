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
- ``.text`` per configuration: the library objects linked for the M3 with ``--gc-sections``
  and the configuration's entry points kept (``-Wl,--undefined=``), summing the sizes of the
  library's own functions that survive (``nm -S``).
- Instructions per call: firmware/bench/ea_bench.c's ``bench_step`` (and emlearn_knn.c's
  ``bench_knn``), everything they call included, (1) on the host (gcc -O2) under callgrind
  over 1000 calls, and (2) on an emulated Cortex-M3 (-Os, soft float): QEMU mps2-an385 with
  ``-singlestep -d exec,nochain`` logs every executed instruction (one per translation
  block), and the instructions between entering the function and returning to its call
  site are counted, over QEMU_CALLS calls. These are instructions, not cycles: a Cortex-M3
  takes about 1 to 3 cycles for most (loads 2, taken branches 2 to 4, 32-bit divisions 2
  to 12).
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
# calls per operation under QEMU: every instruction is logged, so few calls (the counts per
# call are the same for each call of the deterministic workloads, up to data-dependent branches)
QEMU_CALLS = 8
BENCH_MODES = (
    ("ncm-l2", "int8 NCM predict, 32 x 96, squared L2 (ea_q8ncm_predict)"),
    ("ncm-cos", "int8 NCM predict, 32 x 96, cosine (ea_q8ncm_predict)"),
    ("ncm-float", "float64 NCM predict, 32 x 96, squared L2 (ea_ncm_predict)"),
    ("q8-update", "int8 NCM update, 96 dims (ea_q8ncm_update)"),
    ("moments", "Moments update, 16 dims (ea_moments_update)"),
    ("ucb1", "UCB1 select + update, 8 arms"),
    ("egreedy", "epsilon-greedy select + update, 8 arms"),
    ("bts", "bootstrap Thompson select + update, 8 arms, 16 replicates"),
    ("dguard", "detection guard, one frame (ea_dguard_process)"),
    ("aguard", "alert guard, one step (ea_aguard_update)"),
)
# Per-configuration code size: the library functions a firmware calls (entry points kept,
# everything else dropped by --gc-sections).
READ = ("ea_store_open", "ea_blob_open", "ea_blob_get")
PERSIST = READ + ("ea_store_load", "ea_store_commit", "ea_writer_init", "ea_writer_array_p", "ea_writer_finish")
TARGET_SET = PERSIST + (
    "ea_moments_init", "ea_moments_update", "ea_moments_load", "ea_moments_save",
    "ea_q8ncm_init", "ea_q8ncm_predict", "ea_q8ncm_enroll", "ea_q8ncm_update", "ea_q8ncm_load", "ea_q8ncm_save",
    "ea_ucb1_init", "ea_ucb1_select", "ea_bandit_update", "ea_bandit_load", "ea_bandit_save",
    "ea_dguard_init", "ea_dguard_process", "ea_dguard_load", "ea_dguard_save",
    "ea_aguard_init", "ea_aguard_update", "ea_aguard_load", "ea_aguard_save",
)
CONFIGS = (
    ("read a store in place (ea_store_open, ea_blob_open, ea_blob_get)", READ),
    ("+ write and two-slot commit (ea_store_load, ea_store_commit, writer)", PERSIST),
    ("+ int8 NCM (predict, enroll, update, load, save)", PERSIST + TARGET_SET[len(PERSIST) + 4:len(PERSIST) + 10]),
    ("+ moments + UCB1 + detection and alert guards: the issue's target set", TARGET_SET),
    ("+ every other learner (covariance, ridge, float NCM, epsilon-greedy, bootstrap Thompson)", TARGET_SET + (
        "ea_cov_update", "ea_cov_merge", "ea_cov_load", "ea_cov_save", "ea_ridge_update", "ea_ridge_load",
        "ea_ridge_save", "ea_ncm_update", "ea_ncm_predict", "ea_ncm_load", "ea_ncm_save", "ea_moments_merge",
        "ea_egreedy_init", "ea_egreedy_select", "ea_bts_init", "ea_bts_select", "ea_bts_update", "ea_bts_load",
        "ea_bts_save", "ea_bts_add_arm", "ea_bandit_add_arm", "ea_bandit_retire_arm")),
)
ARM_CC = "arm-none-eabi-gcc"
M3_FLAGS = ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]
ENTRY_POINTS = (
    "ea_store_open", "ea_blob_open", "ea_blob_get", "ea_store_load", "ea_store_commit", "ea_store_format",
    "ea_writer_finish", "ea_writer_array_p", "ea_q8ncm_predict", "ea_q8ncm_update",
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


def library_objects(tmp: Path) -> list[Path]:
    objs = []
    for mod in MODULES:
        obj = tmp / f"cfg-{mod}.o"
        if not obj.exists():
            sh([ARM_CC, "-std=c99", "-Os", *M3_FLAGS, "-ffunction-sections", "-fdata-sections", f"-I{FW / 'include'}",
                "-c", str(FW / "src" / f"{mod}.c"), "-o", str(obj)])
        objs.append(obj)
    return objs


def own_text(elf: Path, objs: list[Path]) -> int:
    ours: set[str] = set()
    for obj in objs:
        for line in sh(["arm-none-eabi-nm", "--defined-only", str(obj)]).splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tT":
                ours.add(parts[2])
    total = 0
    for line in sh(["arm-none-eabi-nm", "-S", str(elf)]).splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tT" and parts[3] in ours:
            total += int(parts[1], 16)
    return total


def config_sizes(tmp: Path) -> list[tuple[str, int, int]]:
    """(configuration, own .text, functions kept) on the M3, -Os, --gc-sections."""
    objs = library_objects(tmp)
    rows = []
    for i, (name, entries) in enumerate(CONFIGS):
        elf = tmp / f"cfg-{i}.elf"
        sh([ARM_CC, *M3_FLAGS, "-Os", "--specs=nano.specs", "--specs=nosys.specs", "-nostartfiles", "-Wl,--gc-sections",
            f"-Wl,--entry={entries[0]}", *(f"-Wl,--undefined={e}" for e in entries), *map(str, objs), "-lm",
            "-o", str(elf)])
        rows.append((name, own_text(elf, objs), len(set(entries))))
    return rows


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


QEMU_M3 = ["qemu-system-arm", "-M", "mps2-an385", "-nographic", "-monitor", "none", "-serial", "none",
           "-semihosting-config", "enable=on,target=native", "-singlestep", "-d", "exec,nochain", "-D", "/dev/stdout",
           "-kernel"]
TRACE_PC = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")


def qemu_count(elf: Path, function: str) -> float:
    """Instructions per call of ``function`` (and its callees) on the emulated Cortex-M3."""
    entry = None
    for line in sh(["arm-none-eabi-nm", str(elf)]).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == function:
            entry = int(parts[0], 16) & ~1
    returns = set()
    for line in sh(["arm-none-eabi-objdump", "-d", str(elf)]).splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+([0-9a-f]{4}) ([0-9a-f]{4})\s+bl\s+[0-9a-f]+ <" + re.escape(function) + ">", line)
        if m:
            returns.add(int(m.group(1), 16) + 4)  # a 32-bit BL: execution resumes 4 bytes on
    if entry is None or not returns:
        raise SystemExit(f"bench_firmware: {function} or its call site not found in {elf}")
    proc = subprocess.Popen([*QEMU_M3, str(elf)], stdout=subprocess.PIPE, text=True)
    inside, count, calls = False, 0, 0
    assert proc.stdout is not None
    for line in proc.stdout:
        m = TRACE_PC.match(line)
        if not m:
            continue
        pc = int(m.group(1), 16)
        if pc == entry and not inside:
            inside, calls = True, calls + 1
        elif inside and pc in returns:
            inside = False
        if inside:
            count += 1
    if proc.wait() != 0 or calls != QEMU_CALLS:
        raise SystemExit(f"bench_firmware: {elf} exited with {proc.returncode} after {calls} calls of {function}")
    return count / calls


def m3_elf(tmp: Path, src: Path, name: str, extra: list[str]) -> Path:
    elf = tmp / f"m3-{name}.elf"
    sh([ARM_CC, *M3_FLAGS, "-Os", "-std=c99", "-ffunction-sections", "-fdata-sections", "--specs=nano.specs",
        "--specs=rdimon.specs", "-nostartfiles", "-T", str(FW / "ports" / "mps2" / "mps2.ld"), f"-I{FW / 'include'}",
        f"-DEA_BENCH_CALLS={QEMU_CALLS}", *extra, str(FW / "ports" / "mps2" / "startup.c"), str(src),
        *(str(FW / "src" / f"{m}.c") for m in MODULES), "-Wl,--gc-sections", "-lm", "-o", str(elf)])
    return elf


def instructions(tmp: Path, with_qemu: bool) -> list[tuple[str, float, float | None]]:
    exe = tmp / "ea_bench"
    bench = FW / "bench" / "ea_bench.c"
    sh(["gcc", "-std=c99", "-O2", f"-I{FW / 'include'}", str(bench), *(str(FW / "src" / f"{m}.c") for m in MODULES),
        "-lm", "-o", str(exe)])
    rows = []
    for mode, name in BENCH_MODES:
        m3 = qemu_count(m3_elf(tmp, bench, mode, [f'-DEA_BENCH_MODE="{mode}"']), "bench_step") if with_qemu else None
        rows.append((name, callgrind(exe, [mode], "bench_step", tmp), m3))
    try:
        import emlearn  # noqa: PLC0415 - the `bench` extra
    except ImportError:
        print("bench_firmware: emlearn is not installed (pip install -e '.[bench]'); its kNN row is left out",
              file=sys.stderr)
        return rows
    knn = tmp / "emlearn_knn"
    src = FW / "bench" / "emlearn_knn.c"
    sh(["gcc", "-O2", f"-I{emlearn.includedir}", str(src), "-lm", "-o", str(knn)])
    version = getattr(emlearn, "__version__", "?")
    m3 = qemu_count(m3_elf(tmp, src, "knn", [f"-I{emlearn.includedir}"]), "bench_knn") if with_qemu else None
    rows.append((f"emlearn {version} kNN predict, k=1, 32 x 96 int16 (eml_neighbors_predict)",
                 callgrind(knn, [], "bench_knn", tmp), m3))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-qemu", action="store_true", help="skip the instruction counts on the emulated Cortex-M3")
    args = parser.parse_args()
    tools = [ARM_CC, "arm-none-eabi-size", "arm-none-eabi-nm", "arm-none-eabi-objdump", "valgrind", "gcc", "make"]
    for tool in tools + ([] if args.no_qemu else ["qemu-system-arm"]):
        if shutil.which(tool) is None:
            sys.exit(f"bench_firmware: {tool} is missing; run scripts/setup-system")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sh(["make", "-C", str(FW), f"BUILD={tmp / 'cross'}",
            *(f"{tmp / 'cross'}/{c}/ea_state.o" for c in CORES.values())])
        print("#### `.text` bytes per core and module (arm-none-eabi-gcc -Os, each object alone)\n")
        print(size_table(tmp / "cross"))
        print("\n#### `.text` bytes per configuration (Cortex-M3, -Os, --gc-sections: only what is called)\n")
        print("| configuration | entry points | library .text |\n|---|---:|---:|")
        for name, text, n in config_sizes(tmp):
            print(f"| {name} | {n} | **{text}** |")
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
            note = " (the example's own frame holds its store, writer and learner handles)" if fn == "app_step" else ""
            print(f"| `{fn}`{note} | {b} |")
        print(f"\n#### Instructions per call (host: gcc -O2, callgrind, {CALLS} calls; Cortex-M3: -Os, soft float,"
              f" QEMU mps2-an385, {QEMU_CALLS} calls)\n")
        print("| operation | x86-64 host | Cortex-M3 |\n|---|---:|---:|")
        for name, ir, m3 in instructions(tmp, not args.no_qemu):
            print(f"| {name} | {ir:,.0f} | {'-' if m3 is None else f'{m3:,.0f}'} |")


if __name__ == "__main__":
    main()
