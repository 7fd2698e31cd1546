"""A short run of both fuzzers in the test suite (the long campaigns: docs/reliability.md).

libFuzzer (clang, ASan + UBSan) on the C reader and atheris on the Python decoder and
store, each for ``FUZZ_SECONDS``, seeded with the golden files, the crafted regression
corpus and the kept fuzz corpus. Any crash, sanitizer report, timeout or foreign Python
exception fails the test (the fuzzer writes the input to the tmp directory named in the
message: add it to tests/fuzz/corpus/ as a regression file).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Seconds per fuzzer in the suite: long enough to replay the seeds and mutate them a few
# hundred thousand times, short enough for a shared two-core machine.
FUZZ_SECONDS = 20
SEEDS = [ROOT / "tests" / "golden", ROOT / "tests" / "state" / "corpus", ROOT / "tests" / "fuzz" / "corpus"]
CI = bool(os.environ.get("CI"))


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def _run(cmd, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    args = [*cmd, f"-max_total_time={FUZZ_SECONDS}", "-max_len=16384", "-timeout=10", "-rss_limit_mb=2048",
            "-print_final_stats=1", f"-artifact_prefix={tmp_path}/", str(corpus), *[str(s) for s in SEEDS if s.exists()]]
    out = subprocess.run(args, capture_output=True, text=True, timeout=FUZZ_SECONDS * 6 + 60)
    log = out.stderr
    crashes = sorted(p.name for p in tmp_path.iterdir() if re.match(r"(crash|leak|timeout|oom)-", p.name))
    assert out.returncode == 0 and not crashes, f"fuzzer found {crashes} in {tmp_path}:\n{log[-4000:]}"
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
    return int(runs.group(1)) if runs else 0, len(list(corpus.iterdir()))


@pytest.mark.skipif(not CI and (shutil.which("clang") is None), reason="needs clang and libclang-rt (scripts/setup-system)")
def test_libfuzzer_on_the_c_reader(tmp_path, capsys):
    build = tmp_path / "build"
    make = subprocess.run(["make", "-C", str(ROOT / "firmware"), "fuzz", f"BUILD={build}"], capture_output=True, text=True)
    assert make.returncode == 0, make.stdout + make.stderr
    runs, corpus = _run([str(build / "fuzz_state"), f"-dict={ROOT / 'firmware' / 'fuzz' / 'state.dict'}"], tmp_path)
    with capsys.disabled():
        print(f"\nlibFuzzer C reader: {runs} executions in {FUZZ_SECONDS} s, {corpus} new corpus files, no crash")
    assert runs > 1000


@pytest.mark.skipif(not CI and not _has_atheris(), reason="needs atheris (pip install atheris)")
def test_atheris_on_the_python_decoder_and_store(tmp_path, capsys):
    runs, corpus = _run([sys.executable, str(ROOT / "tests" / "fuzz" / "fuzz_python.py")], tmp_path)
    with capsys.disabled():
        print(f"\natheris Python decoder/store: {runs} executions in {FUZZ_SECONDS} s, {corpus} new corpus files, no crash")
    assert runs > 1000
