"""Start-up cost of the ``edgeadapt`` command: CPU time of ``edgeadapt --help`` and friends.

Each command runs ``RUNS`` times in a fresh interpreter (``python -m edgeadapt ...``, the
console script's code path); the CPU time (user + system) of each child is read from
``resource.getrusage(RUSAGE_CHILDREN)``, and the median is reported next to the bare
interpreter's (``python -c pass``, the floor no command can go under) and ``import numpy``.
``--before DIR`` also measures another checkout (e.g. the commit before the lazy imports)
with the same interpreter and packages: both trees then run with ``python -S`` and
``PYTHONPATH=TREE:site-packages`` (so the editable install's import hook cannot pick the
tree), next to the installed command as users run it.

Usage::

    .venv/bin/python bench/bench_cli.py                      # the installed command
    .venv/bin/python bench/bench_cli.py --update-docs --before /tmp/before   # rewrite the block
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN surface -->", "<!-- END surface -->"
#: Runs per command: start-up times on a shared machine scatter by tens of percent; the
#: median of 15 is stable to a few ms.
RUNS = 15
#: The issue's target for ``edgeadapt --help``.
TARGET_MS = 100.0
GOLDEN_BLOB = ROOT / "tests" / "golden" / "arrays.blob"
#: The shipped sample: three enrollment clips (about 1 s each) listened to as the files.
SAMPLE = ROOT / "edgeadapt" / "data" / "wakeword"
#: Files in the batch case: enough that the per-file cost is not lost in the start-up's scatter.
BATCH_FILES = 10
ONE_FILE = "wakeword listen one 1 s file (--no-learn)"
BATCH = f"wakeword listen {BATCH_FILES} files of 1 s in one process (--no-learn)"


def cases(python: list[str], state: Path) -> dict[str, list[str]]:
    clips = [str(c) for c in sorted(SAMPLE.glob("enroll_*.wav"))]
    listen = [*python, "-m", "edgeadapt", "wakeword", "listen"]
    opts = ["--state", str(state), "--no-learn"]
    return {
        "python -c pass (interpreter alone)": [*python, "-c", "pass"],
        "python -c 'import numpy'": [*python, "-c", "import numpy"],
        "edgeadapt --help": [*python, "-m", "edgeadapt", "--help"],
        "edgeadapt wakeword --help": [*python, "-m", "edgeadapt", "wakeword", "--help"],
        "edgeadapt state inspect arrays.blob": [*python, "-m", "edgeadapt", "state", "inspect", str(GOLDEN_BLOB)],
        ONE_FILE: [*listen, clips[0], *opts],
        BATCH: [*listen, *(clips[i % len(clips)] for i in range(BATCH_FILES)), *opts],
    }


def enroll(python: list[str], env: dict[str, str], cwd: Path, state: Path) -> None:
    """Enroll the sample's keyword into ``state`` with the tree's own code (state formats differ)."""
    clips = [str(c) for c in sorted(SAMPLE.glob("enroll_*.wav"))]
    subprocess.run([*python, "-m", "edgeadapt", "wakeword", "enroll", "nova", *clips, "--state", str(state)],
                   env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)


def _site_packages() -> str:
    import sysconfig

    return sysconfig.get_paths()["purelib"]


def cpu_ms(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """CPU time (user + system) of one run of ``argv``, in ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 1000.0 * ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def _python(tree: Path | None) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if tree is None:
        return [sys.executable], env
    env["PYTHONPATH"] = os.pathsep.join([str(tree), _site_packages()])
    return [sys.executable, "-S"], env


def measure(tree: Path | None, runs: int) -> dict[str, float | None]:
    """Median CPU ms of each case; ``None`` where the tree's command refuses it (e.g. many files)."""
    import tempfile

    python, env = _python(tree)
    cwd = ROOT if tree is None else tree  # `-m` puts the working directory first on sys.path
    check = subprocess.run([*python, "-c", "import edgeadapt; print(edgeadapt.__file__)"], env=env, cwd=cwd,
                           capture_output=True, text=True, check=True).stdout.strip()
    print(f"measuring {check}", file=sys.stderr)
    out: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "s.ea"
        enroll(python, env, cwd, state)
        for name, argv in cases(python, state).items():
            ok = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if ok.returncode != 0:  # the command does not accept this (warms the file cache otherwise)
                out[name] = None
                continue
            out[name] = statistics.median(cpu_ms(argv, env, cwd) for _ in range(runs))
    return out


def numpy_loaded(tree: Path | None) -> bool:
    python, env = _python(tree)
    code = "import sys, edgeadapt.cli as c; c.build_parser(); print('numpy' in sys.modules)"
    return subprocess.run([*python, "-c", code], env=env, cwd=ROOT if tree is None else tree,
                          capture_output=True, text=True).stdout.strip() == "True"


def _ms(value: float | None) -> str:
    return "refused" if value is None else f"{value:.0f}"


def table(now: dict[str, float | None],
          pair: tuple[dict[str, float | None], dict[str, float | None]] | None) -> list[str]:
    if pair is None:
        lines = ["| command | CPU ms |", "|---|---:|"]
        return lines + [f"| `{name}` | {_ms(ms)} |" for name, ms in now.items()]
    before, after = pair
    lines = ["| command | before (`-S`) | now (`-S`) | now, installed |", "|---|---:|---:|---:|"]
    return lines + [f"| `{name}` | {_ms(before[name])} | {_ms(after[name])} | {_ms(ms)} |" for name, ms in now.items()]


def per_file(result: dict[str, float | None]) -> float | None:
    """CPU ms each further file adds to a batch ``listen`` (the start-up paid once)."""
    one, batch = result[ONE_FILE], result[BATCH]
    return None if one is None or batch is None else (batch - one) / (BATCH_FILES - 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="also measure this checkout, as the 'before' column")
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("--update-docs", action="store_true", help=f"rewrite the surface block of {DOC.name}")
    args = ap.parse_args()
    now = measure(None, args.runs)
    pair = (measure(args.before, args.runs), measure(ROOT, args.runs)) if args.before else None
    lines = table(now, pair)
    print("\n".join(lines))
    if args.update_docs:
        help_ms = now["edgeadapt --help"] or 0.0
        floor = now["python -c pass (interpreter alone)"] or 0.0
        extra = per_file(now)
        one = now[ONE_FILE] or 0.0
        text = "\n".join([
            BEGIN,
            "## The command line's start-up",
            "",
            f"Median CPU time (user + system, ms) of {args.runs} runs of each command in a fresh interpreter, on this "
            "2-core machine shared with other jobs (so a few ms of scatter); the interpreter alone is the floor.",
            "`before` is the tree before the lazy imports (commit c0fcae1) and `now` this one, both run with "
            "`python -S` on the same packages; `now, installed` is the command as users run it (site and the "
            "editable install's hooks included).",
            "",
            *lines,
            "",
            f"`edgeadapt --help`: {help_ms:.0f} ms of CPU, {help_ms - floor:.0f} ms above the bare interpreter "
            f"(target: under {TARGET_MS:.0f} ms); numpy imported by the parser: "
            f"{'yes' if numpy_loaded(None) else 'no'}. "
            f"`listen`: one 1 s file costs {one:.0f} ms of CPU in its own process; in a batch each further file "
            f"adds {_ms(extra)} ms, so start-up (model loading included) is paid once rather than per file "
            "(the before tree's `listen` took one file, so its batch is 'refused'). "
            "Where the time goes: `.venv/bin/python -X importtime -m edgeadapt --help 2>&1 | sort -t'|' -k2 -n | tail`.",
            "",
            "Reproduce: `git worktree add /tmp/before c0fcae1 && .venv/bin/python bench/bench_cli.py --before /tmp/before "
            "--update-docs`.",
            END,
        ])
        doc = DOC.read_text()
        if BEGIN in doc:
            doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: text, doc, flags=re.S)
        else:
            doc = doc.rstrip() + "\n\n" + text + "\n"
        DOC.write_text(doc)
        print(f"rewrote the surface block of {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
