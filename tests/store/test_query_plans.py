"""Every query that ``show``, ``report``, ``visits``, sync and the duplicate check run
searches by an index: EXPLAIN QUERY PLAN of the statements they really execute."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from shelfscan.report.visit import load_visit_report
from shelfscan.store import ensure_visit, list_visits, open_db, save_scan, visit_detail
from shelfscan.store.phash_bands import PHASH_BANDS, bands, near_hashes, store_bands
from shelfscan.sync.outbox import dead_letters, pending_preview, status_summary
from store.test_store import make_scan

# tables a query may read whole: the visit list shows every visit; the report reads the
# catalog's attributes once (a cost of the catalog's size, not of the store's history)
MAY_SCAN = {"visits", "v", "skus"}


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    db = open_db(tmp_path / "plans.db")
    for v in range(3):
        visit = ensure_visit(db, f"V{v}", "S1", "alice")
        for p in range(4):
            save_scan(db, visit, make_scan(sha=f"{v}{p}".ljust(64, "0")))
    return db


def _statements(db: sqlite_utils.Database, run: Callable[[], Any]) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        run()
    finally:
        db.conn.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize(
    "name",
    ["visits", "show", "report", "sync status", "sync preview", "dead letters", "duplicates"],
)
def test_queries_use_indexes(db: sqlite_utils.Database, name: str) -> None:
    runs: dict[str, Callable[[], Any]] = {
        "visits": lambda: list_visits(db),
        "show": lambda: visit_detail(db, "V1"),
        "report": lambda: load_visit_report(db, "V1"),
        "sync status": lambda: status_summary(db),
        "sync preview": lambda: pending_preview(db, 10),
        "dead letters": lambda: dead_letters(db),
        "duplicates": lambda: near_hashes(db, 0x0123456789ABCDEF, 1, 6),
    }
    statements = _statements(db, runs[name])
    assert statements, f"{name}: no query traced"
    for sql in statements:
        plan = [r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]
        scans = [
            line
            for line in plan
            if (m := re.match(r"SCAN (\w+)", line))
            and m.group(1) not in MAY_SCAN
            and "COVERING INDEX" not in line  # a count over an index reads no table rows
        ]
        assert not scans, f"{name}: full scan in {sql!r}: {plan}"


def test_bands_find_every_hash_within_the_tolerance(db: sqlite_utils.Database) -> None:
    base = 0x0F0F_1234_ABCD_9876
    photo_ids = [r[0] for r in db.execute("SELECT id FROM photos ORDER BY id").fetchall()]
    db.execute(
        "INSERT INTO photo_quality (photo_id, passed, report, phash) VALUES (?, 1, '{}', ?)",
        [photo_ids[0], "0"],
    )
    flipped = {}
    for k, pid in enumerate(photo_ids[1:8], start=0):  # 0..6 bits flipped, spread out
        value = base
        for bit in range(k):
            value ^= 1 << (bit * 9 + 4)
        flipped[pid] = value
        db.execute(
            "INSERT INTO photo_quality (photo_id, passed, report, phash) VALUES (?, 1, '{}', ?)",
            [pid, f"{value:016x}"],
        )
        store_bands(db, pid, value)
    found = dict(near_hashes(db, base, photo_ids[0], PHASH_BANDS - 1) or [])
    assert found == flipped  # all within 6 bits, none missed
    assert near_hashes(db, base, photo_ids[0], PHASH_BANDS) is None  # beyond: caller scans
    assert len(bands(base)) == PHASH_BANDS
    assert sum((v.bit_length() > 0) for v in bands(0)) == 0
