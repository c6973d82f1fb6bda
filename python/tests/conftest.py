"""Shared fixtures: the loganon binary (the reference the package must
match byte for byte) and the repository's folders."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def find_binary():
    """LOGANON_BIN, else a cargo build of this checkout, else PATH."""
    if os.environ.get("LOGANON_BIN"):
        return os.environ["LOGANON_BIN"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for kind in ("release", "debug"):
        p = target / kind / "loganon"
        if p.is_file():
            return str(p)
    return shutil.which("loganon")


@pytest.fixture(scope="session")
def binary():
    b = find_binary()
    if b is None:
        pytest.fail("no loganon binary: build it (cargo build) or set LOGANON_BIN")
    return b


@pytest.fixture(scope="session")
def root():
    return ROOT
