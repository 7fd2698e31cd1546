"""The documentation: every ```python block of README.md and docs/*.md runs, and the Sphinx
site (docs/conf.py) builds with warnings as errors, API reference included.

Blocks of a page run in order, in one namespace and a temporary directory, as a reader would
paste them. A block's last line may be a comment holding what the block prints last; when it
is, the printed line must match. Names a page's blocks leave to the reader (the microphone's
chunks, a sensor feed, the user's recordings) are given real values by :data:`PAGE_SETUP`
(the shipped sample audio, a simulated machine). A block that cannot run here (hardware, a
long run) carries the marker ``<!-- docs-test: skip: REASON -->`` on the line before its
fence and is reported as skipped with that reason: nothing is skipped silently.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = ["README.md"] + sorted(f"docs/{p.name}" for p in DOCS.glob("*.md"))
BLOCK = re.compile(r"^(?:<!-- docs-test: skip: (?P<skip>[^>]*?) -->\n)?```python\n(?P<code>.*?)^```", re.M | re.S)


def blocks(page: str) -> list[tuple[str, str | None]]:
    """(code, skip reason or None) of every ```python block of ``page``."""
    text = (ROOT / page).read_text(encoding="utf-8")
    return [(m.group("code"), m.group("skip")) for m in BLOCK.finditer(text)]


# -- what a page leaves to the reader, made real ------------------------------------------

def _wakeword_setup(tmp: Path) -> dict[str, Any]:
    """The user's three recordings and a microphone: the shipped enrollment clips and test stream."""
    from edgeadapt.sources.wav import read_wav

    data = ROOT / "edgeadapt" / "data" / "wakeword"
    for i in (1, 2, 3):
        shutil.copy(data / f"enroll_{i}.wav", tmp / f"a{i}.wav")
    pcm, _ = read_wav(data / "test_stream.wav")
    hop = 1280  # 80 ms, what a microphone callback delivers
    return {"microphone_chunks": [pcm[i:i + hop] for i in range(0, pcm.size, hop)]}


def _maintenance_setup(tmp: Path) -> dict[str, Any]:
    """A pump's accelerometer: a simulated healthy machine at the page's rate, 11 minutes of it
    (past the page's 600 s learning period), in 10-second chunks."""
    from edgeadapt.apps.maintenance import synth

    machine = synth.MachineSpec.random(seed=1)
    rate = 10000.0
    seconds, chunk = 660.0, 10.0

    def sensor_chunks():
        for k in range(int(seconds / chunk)):
            yield synth.vibration(machine, seconds=chunk, sample_rate=rate, seed=100 + k)

    alerts: list = []
    return {"sensor_chunks": sensor_chunks, "notify": lambda t, score: alerts.append((t, score))}


PAGE_SETUP: dict[str, Callable[[Path], dict[str, Any]]] = {
    "docs/wakeword.md": _wakeword_setup,
    "docs/maintenance.md": _maintenance_setup,
}


def _cases() -> list[Any]:
    out = []
    for page in PAGES:
        found = blocks(page)
        if found:
            out.append(pytest.param(page, id=page))
    return out


def test_every_page_is_in_the_site():
    """Every docs/*.md is in a toctree of docs/index.md (Sphinx warns otherwise, too)."""
    index = (DOCS / "index.md").read_text()
    for p in DOCS.glob("*.md"):
        if p.name != "index.md":
            assert re.search(rf"^{re.escape(p.stem)}$", index, re.M), f"docs/index.md does not list {p.name}"


@pytest.mark.parametrize("page", _cases())
def test_python_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{re.sub(r'[^a-z0-9]', '_', page.lower())}"}
    if page in PAGE_SETUP:
        namespace.update(PAGE_SETUP[page](tmp_path))
    skipped = []
    for i, (code, skip) in enumerate(blocks(page)):
        if skip:
            skipped.append(f"block {i + 1}: {skip}")
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{page} block {i + 1}", "exec"), namespace)
        last = code.rstrip().splitlines()[-1]
        if last.startswith("# ") and out.getvalue():
            assert out.getvalue().rstrip().splitlines()[-1] == last[2:], f"{page} block {i + 1}"
    if skipped:
        pytest.skip(f"{page}: marked blocks not run: {'; '.join(skipped)}")


def test_the_skip_marker_is_recognized():
    text = "<!-- docs-test: skip: needs a microphone -->\n```python\nrecord()\n```\n```python\nx = 1\n```\n"
    found = [(m.group("code"), m.group("skip")) for m in BLOCK.finditer(text)]
    assert found == [("record()\n", "needs a microphone"), ("x = 1\n", None)]


def test_the_site_builds_without_warnings(tmp_path):
    """Sphinx with myst-parser and numpydoc, -W: a broken link, a bad docstring or a page out
    of the toctree fails the suite."""
    try:
        import sphinx  # noqa: F401
    except ModuleNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("sphinx is missing: scripts/test installs the docs extra")
        pytest.skip("needs the docs extra: pip install -e '.[docs]'")
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
    out = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-W", "--keep-going", "-b", "html", "-d",
                          str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
                         capture_output=True, text=True, timeout=900, env=env, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-5000:]
    api = (tmp_path / "html" / "api" / "state.html").read_text()
    assert "FileStore" in api and "Parameters" in api  # the API reference is generated from docstrings


def test_every_public_module_is_in_the_api_reference():
    import pkgutil

    import edgeadapt

    listed = set(re.findall(r"^\.\. automodule:: (\S+)", "\n".join(p.read_text() for p in (DOCS / "api").glob("*.rst")),
                            re.M))
    public = {m.name for m in pkgutil.walk_packages(edgeadapt.__path__, "edgeadapt.")
              if not any(part.startswith("_") for part in m.name.split(".")) and m.name.split(".")[-1] != "cli"}
    missing = sorted(public - listed - {"edgeadapt.apps"})
    assert not missing, f"add to docs/api/*.rst: {missing}"
