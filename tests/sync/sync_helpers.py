"""Builders for the sync tests and the sync benchmark."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlite_utils

from shelfscan.store import ensure_visit
from shelfscan.store.db import transaction
from shelfscan.store.outbox import upsert_outbox
from shelfscan.sync.config import SyncSettings


def fill_outbox(
    db: sqlite_utils.Database, n: int, visits: int = 4, value: float = 1.0, bad: int = -1
) -> list[str]:
    """``n`` KPI outbox rows over ``visits`` visits through the real ``upsert_outbox``;
    record ``bad`` gets a non-number value, which the CRM refuses."""
    ids = [ensure_visit(db, f"V{v}", f"S{v}", "alice") for v in range(visits)]
    keys = []
    with transaction(db):
        for i in range(n):
            visit = ids[i % visits]
            key = f"{visit}:{i:016x}:facings:row:{i}"
            payload: dict[str, Any] = {
                "visit_id": visit,
                "kpi": "facings",
                "scope": f"row:{i}",
                "value": "oops" if i == bad else value + i,
                "photo_sha256": f"{i:064x}",
            }
            upsert_outbox(db, key, "kpi", visit, payload)
            keys.append(key)
    return keys


def hook_settings(url: str, **kw: Any) -> SyncSettings:
    """Fast settings for a local webhook: short timeout and backoff."""
    base = SyncSettings(
        adapter="webhook",
        url=f"{url}/hook",
        timeout_s=0.3,
        max_retries=3,
        backoff_s=0.01,
        backoff_max_s=0.05,
        batch_size=100,
    )
    return replace(base, **kw)


def statuses(db: sqlite_utils.Database) -> dict[str, int]:
    return {
        str(s): int(n) for s, n in db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    }
