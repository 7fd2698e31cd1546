"""The sdist holds the whole project (its suite runs from it: scripts/check-dist, run by
.ci/run) and the wheel everything the package needs at run time; both built as pip would."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Tracked files that are not for users and stay out of the sdist, each with its reason.
NOT_IN_SDIST = {
    ".gitignore": "git's own",
    "docs/.gitignore": "git's own",
}


def _tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout (the sdist itself): completeness is checked from the checkout")
    return [f for f in out.stdout.splitlines() if (ROOT / f).is_file()]


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> tuple[Path, Path]:
    _tracked()
    import build  # noqa: F401  (python -m build: the dev extra, which the test command installs)

    out_dir = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "-o", str(out_dir), str(ROOT)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    subprocess.run(["rm", "-rf", str(ROOT / "build")], check=False)
    assert "Package would be ignored" not in done.stdout + done.stderr
    return next(out_dir.glob("*.tar.gz")), next(out_dir.glob("*.whl"))


def test_the_sdist_holds_every_tracked_file(dists):
    sdist, _ = dists
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    missing = sorted(f for f in _tracked() if f not in names and f not in NOT_IN_SDIST)
    assert not missing, f"MANIFEST.in leaves out {missing[:20]} ({len(missing)} files)"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_the_wheel_holds_the_package_its_data_headers_and_py_typed(dists):
    _, wheel = dists
    names = set(zipfile.ZipFile(wheel).namelist())
    package = [f for f in _tracked() if f.startswith("edgeadapt/") and (f.endswith(".py") or "/data/" in f)]
    headers = [f"edgeadapt/include/edgeadapt/{p.name}" for p in (ROOT / "firmware" / "include" / "edgeadapt").glob("*.h")]
    missing = sorted(set(package + headers + ["edgeadapt/py.typed"]) - names)
    assert not missing, f"the wheel lacks {missing}"
    assert not [n for n in names if n.startswith(("tests/", "bench/", "docs/"))], "the wheel holds non-package files"
