"""Flat tables of stored visits for analysts and BI tools: facings, gaps, planogram
positions, KPIs and photos, one row per record, stable column order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

from shelfscan.errors import StoreError

# table -> (columns, SQL with one ``{where}`` placeholder on the photo alias ``p``)
TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "photos": (
        ("visit_id", "photo_id", "path", "sha256", "width", "height", "taken_at", "scanned_at"),
        "SELECT p.visit_id, p.id AS photo_id, p.path, p.sha256, p.width, p.height, p.taken_at,"
        " p.scanned_at FROM photos p WHERE {where} ORDER BY p.id",
    ),
    "facings": (
        (
            "visit_id",
            "photo_id",
            "idx",
            "x1",
            "y1",
            "x2",
            "y2",
            "confidence",
            "class_name",
            "row",
            "sku",
            "brand",
            "match_score",
        ),
        "SELECT p.visit_id, d.photo_id, d.idx, d.x1, d.y1, d.x2, d.y2, d.confidence,"
        " d.class_name, d.row, d.sku, d.brand, d.match_score"
        " FROM detections d JOIN photos p ON p.id = d.photo_id WHERE {where}"
        " ORDER BY d.photo_id, d.idx",
    ),
    "gaps": (
        ("visit_id", "photo_id", "row", "x1", "y1", "x2", "y2", "width_facings"),
        "SELECT p.visit_id, g.photo_id, g.row, g.x1, g.y1, g.x2, g.y2, g.width_facings"
        " FROM gaps g JOIN photos p ON p.id = g.photo_id WHERE {where}"
        " ORDER BY g.photo_id, g.row, g.x1",
    ),
    "positions": (
        (
            "visit_id",
            "photo_id",
            "planogram_id",
            "shelf",
            "position",
            "sku",
            "expected",
            "observed",
            "status",
        ),
        "SELECT p.visit_id, r.photo_id, r.planogram_id, r.shelf, r.position, r.sku,"
        " r.expected, r.observed, r.status"
        " FROM planogram_results r JOIN photos p ON p.id = r.photo_id WHERE {where}"
        " ORDER BY r.photo_id, r.shelf, r.position",
    ),
    "kpis": (
        ("visit_id", "photo_id", "name", "scope", "value"),
        "SELECT p.visit_id, k.photo_id, k.name, k.scope, k.value"
        " FROM kpis k JOIN photos p ON p.id = k.photo_id WHERE {where}"
        " ORDER BY k.photo_id, k.name, k.scope",
    ),
}


def export_visits(db: sqlite_utils.Database, visit_ids: Sequence[str]) -> list[str]:
    """The visits to export, checked: ``StoreError`` naming an unknown one; all visits
    (oldest first) when ``visit_ids`` is empty."""
    if not visit_ids:
        return [str(r[0]) for r in db.execute("SELECT id FROM visits ORDER BY started_at, id")]
    for v in visit_ids:
        if db.execute("SELECT 1 FROM visits WHERE id = ?", [v]).fetchone() is None:
            raise StoreError(f"no visit {v!r} in the database")
    return list(visit_ids)


def export_rows(
    db: sqlite_utils.Database, table: str, visit_ids: Sequence[str]
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """(columns, rows) of one export table for the given visits."""
    if table not in TABLES:
        raise ValueError(f"unknown export table {table!r} (valid: {', '.join(TABLES)})")
    columns, sql = TABLES[table]
    if not visit_ids:
        return columns, []
    where = f"p.visit_id IN ({', '.join('?' * len(visit_ids))})"
    return columns, [tuple(r) for r in db.execute(sql.format(where=where), list(visit_ids))]
