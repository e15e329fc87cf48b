"""Speed at scale: a catalog version for the index cache, indexes for the hot queries,
perceptual-hash bands for the duplicate-photo check.

- ``catalog_state.version`` goes up on every change to ``skus`` or ``sku_images``
  (triggers), so a cached search index keyed on it is invalid as soon as the catalog changes.
- Indexes for every query of ``show``, ``report``, ``visits`` and sync (a 220-photo visit
  in a 2,200-photo store read each photo's KPIs by a full scan of ``kpis``).
- ``phash_bands``: each stored hash cut into ``PHASH_BANDS`` bit bands, indexed. Two hashes
  at most ``PHASH_BANDS - 1`` bits apart share at least one band (pigeonhole), so the
  duplicate check looks up candidates by band instead of reading every stored hash.
"""

from __future__ import annotations

import sqlite_utils

from shelfscan.store.phash_bands import band_rows

_BUMP = "UPDATE catalog_state SET version = version + 1 WHERE id = 1"

STATEMENTS = [
    "CREATE TABLE catalog_state (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
    "INSERT INTO catalog_state (id, version) VALUES (1, 0)",
    *(
        f"CREATE TRIGGER catalog_bump_{table}_{event.lower()} AFTER {event} ON {table}"
        f" BEGIN {_BUMP}; END"
        for table in ("skus", "sku_images")
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    "CREATE INDEX kpis_photo ON kpis(photo_id, scope, name)",
    "CREATE INDEX kpis_visit_name ON kpis(visit_id, name, scope)",
    "CREATE INDEX visits_started ON visits(started_at, id)",
    "CREATE INDEX bay_photos_photo ON bay_photos(photo_id, bay_id)",
    "CREATE INDEX sync_history_outcome ON sync_history(outcome)",
    "CREATE INDEX sku_images_model ON sku_images(model, dim)",
    "CREATE TABLE phash_bands ("
    " photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,"
    " band INTEGER NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (photo_id, band))",
    "CREATE INDEX phash_bands_value ON phash_bands(band, value)",
]


def migrate(db: sqlite_utils.Database) -> None:
    for statement in STATEMENTS:
        db.execute(statement)
    hashes = db.execute(
        "SELECT photo_id, phash FROM photo_quality WHERE phash IS NOT NULL"
    ).fetchall()
    db.conn.executemany(
        "INSERT INTO phash_bands (photo_id, band, value) VALUES (?, ?, ?)",
        [row for pid, text in hashes for row in band_rows(int(pid), int(str(text), 16))],
    )
