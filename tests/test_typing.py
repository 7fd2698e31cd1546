"""`mypy edgeadapt` is clean: the package ships py.typed, so its annotations are what users'
type checkers see. The configuration is the [mypy] section of setup.cfg."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ERROR = re.compile(r"^(?P<file>[^:\s]+\.py):\d+: error: ", re.M)


def test_mypy_is_clean():
    try:
        import mypy  # noqa: F401
    except ModuleNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("mypy is missing: scripts/test installs the dev extra")
        pytest.skip("needs the dev extra: pip install -e '.[dev]'")
    out = subprocess.run([sys.executable, "-m", "mypy", "edgeadapt"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    if out.returncode == 0:
        return
    errors: dict[str, int] = {}
    for m in ERROR.finditer(out.stdout):
        errors[m.group("file")] = errors.get(m.group("file"), 0) + 1
    listing = ", ".join(f"{f} ({n})" for f, n in sorted(errors.items()))
    assert errors, f"mypy failed without errors in files:\n{out.stdout[-3000:]}{out.stderr[-2000:]}"
    pytest.fail(f"mypy errors in {listing}:\n{out.stdout[-6000:]}")
