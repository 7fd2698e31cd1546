"""The C library cross-compiles warning-free for Cortex-M0+, M3 and M4F (arm-none-eabi-gcc,
-Os) and aarch64 Linux (clang + lld with Debian's arm64 cross libc), and its C tests pass on an emulated Cortex-M3 (QEMU mps2-an385,
semihosting: main's return value is QEMU's exit status) and under qemu-aarch64.

The toolchains and QEMU come from scripts/setup-system; without them the cross tests skip
locally and fail in CI. The host run of the unit tests (with ASan/UBSan) always runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SANITIZE = "-fsanitize=address,undefined -fno-sanitize-recover=all"
TOOLS = ("arm-none-eabi-gcc", "clang", "ld.lld", "qemu-system-arm", "qemu-aarch64")
# Debian's arm64 cross libc (libc6-dev-arm64-cross), linked by clang for aarch64
AARCH64_SYSROOT = Path("/usr/aarch64-linux-gnu/lib/crt1.o")
# Seconds a C test may take under emulation (each takes about one second).
QEMU_TIMEOUT = 120
QEMU_M3 = ["qemu-system-arm", "-M", "mps2-an385", "-nographic", "-monitor", "none", "-serial", "none",
           "-semihosting-config", "enable=on,target=native", "-kernel"]


def test_unit_tests_on_the_host(tmp_path):
    out = subprocess.run(["make", "-C", str(ROOT / "firmware"), f"BUILD={tmp_path}", f"SANITIZE={SANITIZE}",
                          f"{tmp_path}/test_units"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    run = subprocess.run([str(tmp_path / "test_units")], capture_output=True, text=True)
    assert run.returncode == 0 and "0 failures" in run.stdout, run.stdout + run.stderr


@pytest.fixture(scope="module")
def cross(tmp_path_factory):
    missing = [t for t in TOOLS if shutil.which(t) is None] + ([] if AARCH64_SYSROOT.exists() else ["libc6-dev-arm64-cross"])
    if missing:
        message = f"not installed: {', '.join(missing)} (scripts/setup-system installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    build = tmp_path_factory.mktemp("fw-cross")
    out = subprocess.run(["make", "-C", str(ROOT / "firmware"), f"BUILD={build}", "cross"], capture_output=True, text=True)
    assert out.returncode == 0, f"cross build fails or warns:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return build


@pytest.mark.parametrize("test", ["units", "powerloss"])
def test_c_tests_on_emulated_cortex_m3(cross, test):
    run = subprocess.run(QEMU_M3 + [str(cross / "m3" / f"test_{test}.elf")], capture_output=True, text=True,
                         timeout=QEMU_TIMEOUT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 failures" in run.stdout or "0 losses" in run.stdout


@pytest.mark.parametrize("test", ["units", "powerloss"])
def test_c_tests_under_qemu_aarch64(cross, test):
    run = subprocess.run(["qemu-aarch64", str(cross / "aarch64" / f"test_{test}")], capture_output=True, text=True,
                         timeout=QEMU_TIMEOUT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 failures" in run.stdout or "0 losses" in run.stdout


def test_m3_exit_status_reaches_the_test(cross, tmp_path):
    """A failing main must fail the QEMU run (the semihosting exit code is not lost)."""
    src = tmp_path / "fail.c"
    src.write_text("int main(void) { return 3; }\n")
    elf = tmp_path / "fail.elf"
    fw = ROOT / "firmware"
    made = subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m3", "-mthumb", "-Os", "--specs=nano.specs",
                           "--specs=rdimon.specs", "-nostartfiles", "-T", str(fw / "ports/mps2/mps2.ld"),
                           str(fw / "ports/mps2/startup.c"), str(src), "-o", str(elf)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert subprocess.run(QEMU_M3 + [str(elf)], capture_output=True, timeout=QEMU_TIMEOUT).returncode == 3
