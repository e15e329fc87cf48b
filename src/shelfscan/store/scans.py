"""Write one photo's scan (results + outbox rows) in one transaction; visits and stores."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from shelfscan.store.catalog import save_unknowns
from shelfscan.store.db import transaction
from shelfscan.store.outbox import queue_kpis
from shelfscan.store.planogram import save_match
from shelfscan.store.prices import save_prices
from shelfscan.store.quality import save_quality
from shelfscan.types import CLASS_NAMES, ScanResult


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ensure_visit(
    db: sqlite_utils.Database,
    visit_id: str | None = None,
    store_id: str | None = None,
    rep: str | None = None,
) -> str:
    """Return the id of visit ``visit_id`` (created if new; a fresh id when None)."""
    visit_id = visit_id or f"visit-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    with transaction(db):
        if store_id:
            db.execute(
                "INSERT OR IGNORE INTO stores (id, name, created_at) VALUES (?, ?, ?)",
                [store_id, store_id, _now()],
            )
        row = db.execute("SELECT id FROM visits WHERE id = ?", [visit_id]).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO visits (id, uuid, store_id, rep, started_at) VALUES (?, ?, ?, ?, ?)",
                [visit_id, str(uuid.uuid4()), store_id, rep, _now()],
            )
        else:
            db.execute(
                "UPDATE visits SET store_id = COALESCE(?, store_id), rep = COALESCE(?, rep) "
                "WHERE id = ?",
                [store_id, rep, visit_id],
            )
    return visit_id


def batch_key(paths: Sequence[Path], store_id: str | None, rep: str | None) -> str:
    """The same photos (by resolved path), store and rep: the same batch."""
    text = "\n".join([store_id or "", rep or "", *sorted(str(p.resolve()) for p in paths)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def batch_visit(
    db: sqlite_utils.Database,
    paths: Sequence[Path],
    store_id: str | None = None,
    rep: str | None = None,
) -> tuple[str, bool]:
    """The visit of a scan run without ``--visit``: the unfinished visit of the same batch
    (a scan that was killed and is run again: it resumes instead of splitting the visit),
    else a new one. Returns (visit id, resumed)."""
    key = batch_key(paths, store_id, rep)
    row = db.execute(
        "SELECT id FROM visits WHERE batch_key = ? AND batch_done_at IS NULL"
        " ORDER BY started_at DESC LIMIT 1",
        [key],
    ).fetchone()
    if row is not None:
        return ensure_visit(db, str(row[0]), store_id, rep), True
    visit_id = ensure_visit(db, None, store_id, rep)
    with transaction(db):
        db.execute("UPDATE visits SET batch_key = ? WHERE id = ?", [key, visit_id])
    return visit_id, False


def finish_batch(db: sqlite_utils.Database, visit_id: str) -> None:
    """The batch of ``visit_id`` ran to its end: a later scan of it opens a new visit."""
    with transaction(db):
        db.execute(
            "UPDATE visits SET batch_done_at = ? WHERE id = ? AND batch_key IS NOT NULL",
            [_now(), visit_id],
        )


def visit_store(db: sqlite_utils.Database, visit_id: str) -> str | None:
    """The store id of a visit (None when it has none or the visit is unknown)."""
    row = db.execute("SELECT store_id FROM visits WHERE id = ?", [visit_id]).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def kpi_rows(scan: ScanResult) -> list[tuple[str, str, float]]:
    """(name, scope, value) of every KPI of a scan: scope '' for totals, else 'breakdown:key'."""
    rows = [(name, "", float(v)) for name, v in scan.kpis.values.items()]
    for group, values in scan.kpis.breakdowns.items():
        rows.extend((group, str(key), float(v)) for key, v in values.items())
    return rows


def save_scan(db: sqlite_utils.Database, visit_id: str, scan: ScanResult) -> int:
    """Store a scan and its outbox rows atomically; returns the photo id.

    Re-scanning the same photo (same SHA-256) in the same visit replaces its results
    instead of adding a second copy.
    """
    photo, dets = scan.photo, scan.detections
    with transaction(db):
        visit = db.execute("SELECT uuid FROM visits WHERE id = ?", [visit_id]).fetchone()
        if visit is None:
            raise ValueError(f"unknown visit {visit_id!r}: call ensure_visit first")
        existing = db.execute(
            "SELECT id FROM photos WHERE visit_id = ? AND sha256 = ?", [visit_id, photo.sha256]
        ).fetchone()
        values = [
            str(photo.path.resolve()),  # reports and rescoring find it from any folder
            photo.size_bytes,
            photo.width,
            photo.height,
            photo.taken_at,
            _now(),
            scan.model,
            scan.elapsed_ms,
        ]
        if existing:
            photo_id = int(existing[0])
            for table in ("detections", "gaps", "kpis"):
                db.execute(f"DELETE FROM {table} WHERE photo_id = ?", [photo_id])
            db.execute(
                "UPDATE photos SET path=?, size_bytes=?, width=?, height=?, taken_at=?,"
                " scanned_at=?, model=?, elapsed_ms=? WHERE id=?",
                [*values, photo_id],
            )
        else:
            cur = db.execute(
                "INSERT INTO photos (visit_id, sha256, path, size_bytes, width, height, taken_at,"
                " scanned_at, model, elapsed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [visit_id, photo.sha256, *values],
            )
            photo_id = int(cur.lastrowid or 0)
        rows = dets.column("row", -1)
        sku, brand = dets.column("sku", None), dets.column("brand", None)
        score = dets.column("match_score", None)
        db.conn.executemany(
            "INSERT INTO detections (photo_id, idx, x1, y1, x2, y2, confidence, class_name, row,"
            " sku, brand, match_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    photo_id,
                    i,
                    *map(float, dets.xyxy[i]),
                    float(dets.confidence[i]),
                    CLASS_NAMES[int(dets.class_id[i])]
                    if dets.class_id[i] < len(CLASS_NAMES)
                    else str(int(dets.class_id[i])),
                    int(rows[i]),
                    _opt_str(sku[i]),
                    _opt_str(brand[i]),
                    _opt_float(score[i]),
                )
                for i in range(len(dets))
            ],
        )
        save_unknowns(db, visit_id, photo_id, dets)  # crops of unrecognised facings
        db.conn.executemany(
            "INSERT INTO gaps (photo_id, row, x1, y1, x2, y2, width_facings)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(photo_id, g.row, *g.xyxy, g.width_facings) for g in scan.layout.gaps],
        )
        if scan.planogram is not None:
            save_match(db, visit_id, photo_id, scan.planogram)
        if scan.prices is not None:
            save_prices(db, photo_id, scan.prices)
        duplicate_of = save_quality(db, photo_id, scan)  # a duplicate's KPIs are not counted
        kpis = kpi_rows(scan) if duplicate_of is None else []
        db.conn.executemany(
            "INSERT INTO kpis (visit_id, photo_id, name, scope, value) VALUES (?, ?, ?, ?, ?)",
            [(visit_id, photo_id, name, scope, value) for name, scope, value in kpis],
        )
        queue_kpis(db, visit_id, str(visit[0]), photo.sha256, kpis, replaces=None)
    return photo_id


def _opt_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)
