from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from crm_server import CrmServer

from shelfscan.store import open_db


@pytest.fixture
def crm() -> Iterator[CrmServer]:
    with CrmServer(seed=7) as server:
        yield server


@pytest.fixture
def store(db_path: Path) -> sqlite_utils.Database:
    return open_db(db_path)
