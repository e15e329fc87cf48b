"""Verification cues count as catalog changes: triggers on ``sku_image_cues`` bump
``catalog_state.version`` (m0011) like those on ``skus`` and ``sku_images``, so the cues
cached beside the store (``recognition.index_cache``) are invalid after any change to them,
including one made outside shelfscan's own writes.
"""

from __future__ import annotations

import sqlite_utils

_BUMP = "UPDATE catalog_state SET version = version + 1 WHERE id = 1"

STATEMENTS = [
    f"CREATE TRIGGER catalog_bump_sku_image_cues_{event.lower()} AFTER {event}"
    f" ON sku_image_cues BEGIN {_BUMP}; END"
    for event in ("INSERT", "UPDATE", "DELETE")
]


def migrate(db: sqlite_utils.Database) -> None:
    for statement in STATEMENTS:
        db.execute(statement)
