"""`edgeadapt --help` stays light: building the parser imports no numpy (the figure itself is a
benchmark, bench/bench_cli.py, in docs/benchmarks.md), and the lazy packages export exactly
what they declare to type checkers."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAZY_PACKAGES = ["edgeadapt.state", "edgeadapt.apps.wakeword", "edgeadapt.apps.maintenance"]
#: Heavy modules the parser must not import (each costs 100+ ms of CPU on a Pi).
HEAVY = ["numpy", "scipy", "faiss", "ai_edge_litert", "soundfile", "sounddevice", "tqdm", "matplotlib"]
BLOCK = "import sys\nfor m in {heavy!r}: sys.modules[m] = None\n"


@pytest.mark.parametrize("argv", [["--help"], ["state", "--help"], ["wakeword", "--help"], ["maintenance", "--help"],
                                  ["schema"]])
def test_the_parser_imports_no_heavy_module(argv):
    code = BLOCK.format(heavy=HEAVY) + f"from edgeadapt.cli import main\nsys.exit(main({argv!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "usage: edgeadapt" in out.stdout or argv == ["schema"]


def _type_checking_names(package: str) -> set[str]:
    init = Path(importlib.import_module(package).__file__)
    tree = ast.parse(init.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    names |= {a.asname or a.name for a in stmt.names}
    return names


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_exports_match_the_type_checking_imports_and_resolve(package):
    module = importlib.import_module(package)
    table = module.__dict__["_lazy_names"]
    assert set(table) == _type_checking_names(package), "the lazy table and the TYPE_CHECKING imports differ"
    assert set(module.__all__) == set(table)
    code = f"import {package} as p\nfor n in p.__all__: getattr(p, n)\nprint(len(p.__all__))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0 and int(out.stdout) == len(table), out.stderr[-2000:]


def test_a_name_that_is_also_a_submodule_stays_the_function():
    code = ("import edgeadapt.state.persist, edgeadapt.state as s, types\n"
            "from edgeadapt.state import persist\n"
            "assert callable(persist) and not isinstance(persist, types.ModuleType)\n"
            "assert s.persist is persist\n"
            "from edgeadapt.apps.maintenance import synth\nassert isinstance(synth, types.ModuleType)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
