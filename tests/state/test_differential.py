"""Python and C agree on every corpus file: accept or refuse (with the same error class),
and when they accept, the same contents, chosen slot, sequence and damaged slots.

The corpus is the golden files, the crafted regression files (tests/state/corpus/, built
by tests/state/crafted.py) and the fuzz corpora kept in tests/fuzz/corpus/ (minimized
from the campaigns of docs/reliability.md). The C reader runs under ASan and UBSan.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cbuild import build_ea_dump
from differential import KINDS, c_verdicts, python_verdict

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
from fixup import fixed  # noqa: E402
SOURCES = {
    "golden": sorted((ROOT / "tests" / "golden").glob("*.blob")) + sorted((ROOT / "tests" / "golden").glob("*.ea")),
    "crafted": sorted((ROOT / "tests" / "state" / "corpus").iterdir()),
    "fuzz": sorted(p for p in (ROOT / "tests" / "fuzz" / "corpus").rglob("*") if p.is_file()),
}


@pytest.fixture(scope="module")
def ea_dump(tmp_path_factory):
    """The C reader's ea_dump, built with ASan and UBSan."""
    return build_ea_dump(tmp_path_factory.mktemp("ea-asan"))


@pytest.mark.parametrize("source", sorted(SOURCES) + ["fuzz-crc-fixed"])
@pytest.mark.parametrize("kind", KINDS)
def test_python_and_c_agree_on_the_corpus(ea_dump, source, kind, capsys, tmp_path):
    """``fuzz-crc-fixed``: the fuzz corpus with every CRC made to match, as the harnesses
    do, so that the comparison reaches the checks behind the checksums."""
    if source == "fuzz-crc-fixed":
        paths = []
        for p in SOURCES["fuzz"] + SOURCES["crafted"]:
            out = tmp_path / f"{p.parent.name}-{p.name}"
            out.write_bytes(fixed(p.read_bytes()))
            paths.append(out)
    else:
        paths = SOURCES[source]
    assert paths, f"no {source} corpus files"
    c = c_verdicts(ea_dump, paths, kind)
    disagree = []
    accepted = 0
    for path, c_v in zip(paths, c):
        py = python_verdict(path.read_bytes(), kind)
        accepted += py[0] == "ok"
        if py != c_v:
            disagree.append(f"{path.name}: python {str(py)[:300]} / C {str(c_v)[:300]}")
    with capsys.disabled():
        print(f"\ndifferential {source}/{kind}: {len(paths)} files, {accepted} accepted, {len(disagree)} disagreements")
    assert not disagree, "\n".join(disagree[:20])
