"""Build the C library's ``ea_dump`` for the tests (with ASan and UBSan by default)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANITIZE = "-fsanitize=address,undefined -fno-sanitize-recover=all"
def build_ea_dump(build: Path, *, cc: str = "cc", sanitize: str = SANITIZE, firmware: Path = ROOT / "firmware") -> Path:
    """Compile the C library in ``firmware`` into ``build`` and return the path of its ``ea_dump``."""
    cflags = "-std=c99 -O1 -g -Wall -Wextra -Werror -pedantic -Wconversion -Wno-sign-conversion"
    out = subprocess.run(
        ["make", "-C", str(firmware), f"BUILD={build}", f"CC={cc}", f"CFLAGS={cflags}", f"SANITIZE={sanitize}"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, f"the C library does not build:\n{out.stdout}\n{out.stderr}"
    return build / "ea_dump"
