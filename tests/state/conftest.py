"""Fixtures of the state tests: the C reader's ``ea_dump`` built with ASan and UBSan."""

from __future__ import annotations

from pathlib import Path

import pytest

from cbuild import build_ea_dump


@pytest.fixture(scope="session")
def ea_dump(tmp_path_factory) -> Path:
    return build_ea_dump(tmp_path_factory.mktemp("ea-asan"))
