"""The C reader built for a 32-bit target (``gcc -m32``: 32-bit ``size_t`` and pointers),
with ASan and UBSan, agrees with Python on the whole corpus, as the 64-bit build does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "state"))
from cbuild import SANITIZE, build_ea_dump  # noqa: E402
from differential import KINDS, c_verdicts, python_verdict  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
from fixup import fixed  # noqa: E402

CORPUS = (
    sorted((ROOT / "tests" / "golden").glob("*.blob")) + sorted((ROOT / "tests" / "golden").glob("*.ea"))
    + sorted((ROOT / "tests" / "state" / "corpus").iterdir())
    + sorted(p for p in (ROOT / "tests" / "fuzz" / "corpus").rglob("*") if p.is_file())
)


def _m32_works(tmp_path) -> bool:
    src = tmp_path / "t.c"
    src.write_text("int main(void) { return sizeof(void *) == 4 ? 0 : 1; }\n")
    made = subprocess.run(["gcc", "-m32", str(src), "-o", str(tmp_path / "t")], capture_output=True)
    return made.returncode == 0 and subprocess.run([str(tmp_path / "t")]).returncode == 0


def test_32_bit_build_agrees_with_python(tmp_path, capsys):
    if not _m32_works(tmp_path):
        if os.environ.get("CI"):
            pytest.fail("gcc -m32 does not work: install gcc-multilib (scripts/setup-system)")
        pytest.skip("gcc -m32 does not work here: install gcc-multilib (scripts/setup-system)")
    tool = build_ea_dump(tmp_path / "m32", cc="gcc -m32", sanitize=SANITIZE)
    corpus = list(CORPUS)
    for p in CORPUS:  # and with their CRCs fixed, to reach the checks behind them
        out = tmp_path / f"fixed-{p.parent.name}-{p.name}"
        out.write_bytes(fixed(p.read_bytes()))
        corpus.append(out)
    bad = []
    for kind in KINDS:
        for path, c in zip(corpus, c_verdicts(tool, corpus, kind)):
            if c != python_verdict(path.read_bytes(), kind):
                bad.append(f"{kind} {path.name}")
    with capsys.disabled():
        print(f"\n-m32 C reader: {len(corpus)} corpus files x {len(KINDS)} readings, {len(bad)} disagreements")
    assert not bad, bad[:20]
