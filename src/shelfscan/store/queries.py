"""Read what the store holds: visits, photos, KPIs."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from shelfscan.errors import StoreError
from shelfscan.store.db import transaction


def list_visits(
    db: sqlite_utils.Database,
    store_id: str | None = None,
    rep: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """Visits, newest first, with photo and facing counts; optionally only one store's,
    one rep's, or those started on or after ``since`` / on or before ``until``
    (ISO dates, ``YYYY-MM-DD``; ``until`` includes the whole day)."""
    where, args = [], []
    if store_id is not None:
        where.append("v.store_id = ?")
        args.append(store_id)
    if rep is not None:
        where.append("v.rep = ?")
        args.append(rep)
    if since is not None:
        where.append("substr(v.started_at, 1, 10) >= ?")
        args.append(since)
    if until is not None:
        where.append("substr(v.started_at, 1, 10) <= ?")
        args.append(until)
    # Photos merged into a bay count through the bay's KPIs, so overlaps are counted once.
    total = """(SELECT COALESCE(SUM(k.value), 0) FROM kpis k
                 WHERE k.visit_id = v.id AND k.name = '{name}' AND k.scope = ''
                   AND k.photo_id NOT IN (SELECT photo_id FROM bay_photos))
              + (SELECT COALESCE(SUM(bk.value), 0) FROM bay_kpis bk JOIN bays b ON b.id = bk.bay_id
                 WHERE b.visit_id = v.id AND bk.name = '{name}')"""
    sql = f"""
        SELECT v.id, v.store_id, v.rep, v.started_at,
               COUNT(DISTINCT p.id) AS photos,
               {total.format(name="facings")} AS facings,
               {total.format(name="gaps")} AS gaps
        FROM visits v LEFT JOIN photos p ON p.visit_id = v.id
        {"WHERE " + " AND ".join(where) if where else ""}
        GROUP BY v.id ORDER BY v.started_at DESC, v.id
    """
    return list(db.query(sql, args))


# tables holding a visit's rows directly (photo-level rows go with their photos)
VISIT_TABLES = (
    "kpis",
    "outbox",
    "unknown_facings",
    "planogram_matches",
    "planogram_results",
    "bay_matches",
    "bays",
)


def delete_visit(db: sqlite_utils.Database, visit_id: str) -> int:
    """Delete a visit with its photos, results, KPIs and not-yet-synced outbox rows, in
    one transaction; returns the number of photos deleted. ``StoreError`` if unknown.
    Records already delivered to a CRM stay there."""
    if db.execute("SELECT 1 FROM visits WHERE id = ?", [visit_id]).fetchone() is None:
        raise StoreError(f"no visit {visit_id!r} in the database")
    with transaction(db):
        photos = db.execute("SELECT COUNT(*) FROM photos WHERE visit_id = ?", [visit_id])
        count = int(photos.fetchone()[0])
        for table in VISIT_TABLES:
            db.execute(f"DELETE FROM {table} WHERE visit_id = ?", [visit_id])
        db.execute("DELETE FROM photos WHERE visit_id = ?", [visit_id])
        db.execute("DELETE FROM visits WHERE id = ?", [visit_id])
    return count


def delete_if_empty(db: sqlite_utils.Database, visit_id: str) -> bool:
    """Delete a visit that holds no photo (a scan where every photo failed); True if it
    was deleted."""
    row = db.execute("SELECT 1 FROM photos WHERE visit_id = ? LIMIT 1", [visit_id]).fetchone()
    if row is not None:
        return False
    with transaction(db):
        db.execute("DELETE FROM outbox WHERE visit_id = ?", [visit_id])
        db.execute("DELETE FROM visits WHERE id = ?", [visit_id])
    return True


def visit_detail(db: sqlite_utils.Database, visit_id: str) -> dict[str, Any]:
    """One visit with its photos and each photo's KPI totals; ``StoreError`` if unknown."""
    visit = next(db.query("SELECT * FROM visits WHERE id = ?", [visit_id]), None)
    if visit is None:
        raise StoreError(f"no visit {visit_id!r} in the database")
    photos = list(db.query("SELECT * FROM photos WHERE visit_id = ? ORDER BY id", [visit_id]))
    for photo in photos:
        photo["kpis"] = {
            r["name"]: r["value"]
            for r in db.query(
                "SELECT name, value FROM kpis WHERE photo_id = ? AND scope = ''", [photo["id"]]
            )
        }
    visit["photos"] = photos
    return visit
