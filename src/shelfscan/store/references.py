"""Reference-image storage beyond ``store.catalog``: verification cues (table
``sku_image_cues``) and where a stored facing came from (to make it a reference)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from shelfscan.store.catalog import from_blob, to_blob
from shelfscan.store.db import transaction
from shelfscan.types import FloatArray


def insert_cues(
    db: sqlite_utils.Database,
    sku: str,
    cues: Sequence[tuple[str, FloatArray, FloatArray]],
    model: str,
) -> None:
    """Inside a transaction: (sha256, upper vector, colour signature) of ``sku``'s
    reference images, replacing older cues of the same images."""
    for sha256, upper, colour in cues:
        db.execute(
            "INSERT OR REPLACE INTO sku_image_cues"
            " (image_id, model, upper, upper_dim, colour, colour_dim)"
            " SELECT id, ?, ?, ?, ?, ? FROM sku_images WHERE sku_id = ? AND sha256 = ?",
            [model, to_blob(upper), len(upper), to_blob(colour), len(colour), sku, sha256],
        )


def update_cues(
    db: sqlite_utils.Database, cues: dict[int, tuple[FloatArray, FloatArray]], model: str
) -> None:
    """Store cues by reference image id, in their own transaction."""
    with transaction(db):
        db.conn.executemany(
            "INSERT OR REPLACE INTO sku_image_cues"
            " (image_id, model, upper, upper_dim, colour, colour_dim) VALUES (?, ?, ?, ?, ?, ?)",
            [(i, model, to_blob(u), len(u), to_blob(c), len(c)) for i, (u, c) in cues.items()],
        )


def load_cues(db: sqlite_utils.Database, model: str) -> dict[int, tuple[FloatArray, FloatArray]]:
    """Reference image id -> (upper vector, colour signature), cues of ``model`` only."""
    rows = db.execute(
        "SELECT image_id, upper, upper_dim, colour, colour_dim FROM sku_image_cues WHERE model = ?",
        [model],
    ).fetchall()
    return {r[0]: (from_blob(r[1], r[2]), from_blob(r[3], r[4])) for r in rows}


@dataclass(frozen=True)
class FacingSource:
    """A stored product facing: its photo file (as scanned) and box in pixels."""

    detection_id: int
    path: str
    sha256: str
    box: tuple[float, float, float, float]
    sku: str | None


def facing_source(db: sqlite_utils.Database, detection_id: int) -> FacingSource | None:
    """The photo and box of stored detection ``detection_id`` (None if there is none)."""
    row = db.execute(
        "SELECT d.id, p.path, p.sha256, d.x1, d.y1, d.x2, d.y2, d.sku FROM detections d"
        " JOIN photos p ON p.id = d.photo_id WHERE d.id = ? AND d.class_name = 'product'",
        [detection_id],
    ).fetchone()
    if row is None:
        return None
    return FacingSource(row[0], row[1], row[2], (row[3], row[4], row[5], row[6]), row[7])
