"""The Python blocks of the Markdown docs run, in order, as a reader would paste them.

A block's last line may be a comment holding the ``repr`` of what the block prints last;
when it is, the printed line must match.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Pages whose every ```python block is executed; a page joins once its blocks are runnable.
EXECUTED = ["architecture.md", "learners.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def blocks(page: str) -> list[str]:
    return BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", EXECUTED)
def test_python_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{page.replace('.', '_')}"}
    found = blocks(page)
    assert found, f"{page} has no python block"
    for i, code in enumerate(found):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{page} block {i + 1}", "exec"), namespace)
        last = code.rstrip().splitlines()[-1]
        if last.startswith("# ") and out.getvalue():
            assert out.getvalue().rstrip().splitlines()[-1] == last[2:], f"{page} block {i + 1}"
