from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

SHARED_DATA = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "shelfscan.db"


@pytest.fixture
def shared_real() -> Path:
    """The shared real-photo folder; tests using it skip cleanly where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared real photos not found at {SHARED_DATA}")
    return SHARED_DATA
