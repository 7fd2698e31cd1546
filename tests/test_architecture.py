"""The package table of docs/architecture.md, enforced: import-linter contracts and CLI leaves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept():
    """`lint-imports` over the contracts in setup.cfg (layers, core, front ends, learners)."""
    exe = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(exe), str(ROOT / "setup.cfg")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def _is_cli(module: str) -> bool:
    parts = module.split(".")
    return parts[-1] in ("cli", "__main__") or parts[:2] == ["edgeadapt", "cli"]


def test_command_line_modules_are_leaves():
    """Nothing but another command-line module imports a `cli` module: the API holds the logic."""
    graph = grimp.build_graph("edgeadapt")
    offenders = [
        f"{importer} -> {cli}"
        for cli in graph.modules
        if _is_cli(cli)
        for importer in graph.find_modules_that_directly_import(cli)
        if not _is_cli(importer)
    ]
    assert not offenders, offenders
