"""Review decisions on the stored visit: a "not a product" facing leaves the counted
facings, and any decision can be undone."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from shelfscan.errors import CatalogError
from shelfscan.store.catalog import UNKNOWN_OPEN
from shelfscan.store.db import transaction

NOT_PRODUCT = "not_product"  # detections.class_name of a box a reviewer rejected


def _unknown(db: sqlite_utils.Database, unknown_id: int) -> dict[str, Any]:
    row = next(
        db.query(
            "SELECT id, photo_id, det_idx, status, label_sku FROM unknown_facings WHERE id = ?",
            [unknown_id],
        ),
        None,
    )
    if row is None:
        raise CatalogError(f"no unknown facing with id {unknown_id}")
    return row


def reject_detection(db: sqlite_utils.Database, unknown_id: int) -> None:
    """Inside a transaction: the facing's stored box is no product any more (it leaves
    the facings every report, export and the shared scorecard count)."""
    u = _unknown(db, unknown_id)
    db.execute(
        "UPDATE detections SET class_name = ?, sku = NULL, brand = NULL, match_score = NULL"
        " WHERE photo_id = ? AND idx = ?",
        [NOT_PRODUCT, u["photo_id"], u["det_idx"]],
    )


def undo_review(db: sqlite_utils.Database, unknown_id: int) -> str:
    """Inside a transaction: reopen a reviewed facing and take back what its decision
    changed (the reference image it added, the SKU it created when nothing else uses it,
    the rejected box). Returns the status undone; ``CatalogError`` if it was open."""
    u = _unknown(db, unknown_id)
    status = str(u["status"])
    if status == UNKNOWN_OPEN:
        raise CatalogError(f"unknown facing {unknown_id} has not been reviewed")
    db.execute("DELETE FROM sku_images WHERE source = ?", [f"review:{unknown_id}"])
    sku = u["label_sku"]
    if status == "new_sku" and sku is not None:
        others = db.execute("SELECT COUNT(*) FROM sku_images WHERE sku_id = ?", [sku]).fetchone()
        if int(others[0]) == 0:
            db.execute("DELETE FROM skus WHERE id = ?", [sku])
    if status == NOT_PRODUCT:
        db.execute(
            "UPDATE detections SET class_name = 'product', sku = 'unknown'"
            " WHERE photo_id = ? AND idx = ? AND class_name = ?",
            [u["photo_id"], u["det_idx"], NOT_PRODUCT],
        )
    db.execute(
        "UPDATE unknown_facings SET status = ?, label_sku = NULL, reviewed_at = NULL WHERE id = ?",
        [UNKNOWN_OPEN, unknown_id],
    )
    return status


def replace_layout(
    db: sqlite_utils.Database,
    photo_id: int,
    rows: list[int],
    gaps: list[tuple[int, tuple[float, float, float, float], float]],
) -> None:
    """A re-scored photo's row per box and its gaps, in one transaction."""
    with transaction(db):
        _replace_layout(db, photo_id, rows, gaps)


def _replace_layout(
    db: sqlite_utils.Database,
    photo_id: int,
    rows: list[int],
    gaps: list[tuple[int, tuple[float, float, float, float], float]],
) -> None:
    db.conn.executemany(
        "UPDATE detections SET row = ? WHERE photo_id = ? AND idx = ?",
        [(r, photo_id, i) for i, r in enumerate(rows)],
    )
    db.execute("DELETE FROM gaps WHERE photo_id = ?", [photo_id])
    db.conn.executemany(
        "INSERT INTO gaps (photo_id, row, x1, y1, x2, y2, width_facings)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(photo_id, row, *box, width) for row, box, width in gaps],
    )
