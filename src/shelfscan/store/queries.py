"""Read what the store holds: visits, photos, KPIs."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from shelfscan.errors import StoreError


def list_visits(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Visits, newest first, with photo and facing counts."""
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
        GROUP BY v.id ORDER BY v.started_at DESC, v.id
    """
    return list(db.query(sql))


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
