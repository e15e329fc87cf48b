"""Store photo-quality results, duplicate flags (perceptual hash) and bays."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from shelfscan.imaging.phash import DUPLICATE_BITS, find_duplicate, from_hex, to_hex
from shelfscan.store.phash_bands import near_hashes, store_bands
from shelfscan.types import ScanResult


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def save_quality(
    db: sqlite_utils.Database, photo_id: int, scan: ScanResult, max_bits: int = DUPLICATE_BITS
) -> int | None:
    """Write the photo's quality row; returns the id of the earlier photo it duplicates.

    Called by ``save_scan`` inside its transaction (plain SQL only). A photo with no gate
    result gets no row. Any earlier photo, in this visit or another, whose perceptual hash
    is within ``max_bits`` bits makes this one a duplicate.
    """
    report = scan.quality
    if report is None:
        return None
    duplicate: tuple[int, int] | None = None
    if report.phash is not None:
        known = near_hashes(db, report.phash, photo_id, max_bits)  # indexed bands
        if known is None:  # a tolerance beyond the bands: compare with every stored hash
            known = [
                (int(pid), from_hex(str(h)))
                for pid, h in db.execute(
                    "SELECT photo_id, phash FROM photo_quality WHERE photo_id != ? AND phash IS"
                    " NOT NULL AND duplicate_of IS NULL ORDER BY photo_id",
                    [photo_id],
                ).fetchall()
            ]
        duplicate = find_duplicate(report.phash, known, max_bits)
    store_bands(db, photo_id, report.phash)
    scores = {c.name: c.score for c in report.checks}
    db.execute(
        "INSERT OR REPLACE INTO photo_quality (photo_id, passed, sharpness, brightness, tilt_deg,"
        " keystone_deg, distance, hints, report, phash, duplicate_of, duplicate_bits, source)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            photo_id,
            int(report.passed),
            scores.get("sharpness"),
            scores.get("underexposed"),
            scores.get("tilt"),
            scores.get("perspective"),
            scores.get("distance"),
            "; ".join(report.hints),
            json.dumps(report.to_dict()),
            None if report.phash is None else to_hex(report.phash),
            None if duplicate is None else duplicate[0],
            None if duplicate is None else duplicate[1],
            scan.source,
        ],
    )
    return None if duplicate is None else duplicate[0]


def photo_quality(db: sqlite_utils.Database, photo_id: int) -> dict[str, Any] | None:
    """The stored quality row of a photo (``report`` decoded), or None."""
    row = next(db.query("SELECT * FROM photo_quality WHERE photo_id = ?", [photo_id]), None)
    if row is not None:
        row["report"] = json.loads(row["report"])
    return row


def save_bay(
    db: sqlite_utils.Database,
    visit_id: str,
    photo_ids: list[int],
    bay: Any,
    match: Any = None,
) -> int:
    """Store a merged bay (``layout.bay.BayResult``), its members and its KPIs; returns its id.

    ``match``: the bay's planogram match as ``(PlanogramMatch, facings, breakdowns)``
    (``store.planogram.save_bay_match``), stored in the same transaction."""
    from shelfscan.store.db import transaction
    from shelfscan.store.planogram import save_bay_match

    with transaction(db):
        cur = db.execute(
            "INSERT INTO bays (visit_id, method, photos, facings, double_counted, warnings,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                visit_id,
                bay.method,
                len(photo_ids),
                bay.facings,
                bay.double_counted,
                "; ".join(bay.warnings),
                _now(),
            ],
        )
        bay_id = int(cur.lastrowid or 0)
        db.conn.executemany(
            "INSERT INTO bay_photos (bay_id, photo_id, position, offset_x, overlap, kept_facings)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (bay_id, pid, i, bay.offsets_x[i], bay.overlaps[i], bay.kept_per_photo[i])
                for i, pid in enumerate(photo_ids)
            ],
        )
        db.conn.executemany(
            "INSERT INTO bay_kpis (bay_id, name, value) VALUES (?, ?, ?)",
            [(bay_id, name, float(v)) for name, v in bay.kpis.values.items()],
        )
        if match is not None:
            save_bay_match(db, bay_id, visit_id, *match)
    return bay_id


def quality_notes(db: sqlite_utils.Database, photo_id: int) -> list[str]:
    """Plain-language warnings stored for a photo: failed checks and duplicate flags."""
    row = photo_quality(db, photo_id)
    if row is None:
        return []
    notes = [
        f"{c['name']} ({c['score']:.2f}): {c['hint']}"
        for c in row["report"]["checks"]
        if not c["passed"] and c["hint"]
    ]
    if row["duplicate_of"] is not None:
        notes.append(
            f"near-identical to photo {row['duplicate_of']} ({row['duplicate_bits']} bits"
            " apart): flagged as a duplicate, its KPIs are not counted"
        )
    return notes


def photo_bays(db: sqlite_utils.Database, visit_id: str) -> dict[int, int]:
    """photo id -> id of the (latest) merged bay it belongs to, for one visit."""
    rows = db.execute(
        "SELECT bp.photo_id, MAX(bp.bay_id) FROM bay_photos bp JOIN bays b ON b.id = bp.bay_id"
        " WHERE b.visit_id = ? GROUP BY bp.photo_id",
        [visit_id],
    ).fetchall()
    return {int(r[0]): int(r[1]) for r in rows}


def bay_kpis(db: sqlite_utils.Database, visit_id: str) -> dict[int, dict[str, float]]:
    """bay id -> its KPI totals (facings counted once across overlaps), for one visit."""
    out: dict[int, dict[str, float]] = {}
    for r in db.execute(
        "SELECT k.bay_id, k.name, k.value FROM bay_kpis k JOIN bays b ON b.id = k.bay_id"
        " WHERE b.visit_id = ? AND k.bay_id IN (SELECT MAX(bay_id) FROM bay_photos GROUP BY photo_id)",
        [visit_id],
    ).fetchall():
        out.setdefault(int(r[0]), {})[str(r[1])] = float(r[2])
    return out
