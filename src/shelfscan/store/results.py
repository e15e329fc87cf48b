"""Read one photo's stored results back into pipeline types: the one mapper from the
``detections``, ``gaps`` and ``kpis`` rows to ``Detections``, ``Gap`` and KPI tables."""

from __future__ import annotations

import numpy as np
import sqlite_utils

from shelfscan.types import CLASS_NAMES, Detections, Gap

_CLASS_IDS = {name: i for i, name in enumerate(CLASS_NAMES)}


def _class_id(name: str) -> int:
    """A stored class name back to its id (a numeric name is an id beyond ``CLASS_NAMES``)."""
    if name in _CLASS_IDS:
        return _CLASS_IDS[name]
    return int(name) if str(name).isdigit() else -1


def photo_detections(db: sqlite_utils.Database, photo_id: int) -> Detections:
    """The stored boxes of a photo, in stored order, with column ``row`` and, when any
    box was recognised, ``sku`` / ``brand`` ("" where none)."""
    rows = db.execute(
        "SELECT x1, y1, x2, y2, confidence, class_name, row, sku, brand FROM detections"
        " WHERE photo_id = ? ORDER BY idx",
        [photo_id],
    ).fetchall()
    dets = Detections.from_boxes(
        np.array([r[:4] for r in rows], np.float32).reshape(-1, 4),
        np.array([r[4] for r in rows], np.float32),
        np.array([_class_id(r[5]) for r in rows], np.int64),
        row=np.array([-1 if r[6] is None else r[6] for r in rows], np.int64),
    )
    if any(r[7] is not None for r in rows):
        dets = dets.with_data(
            sku=np.array([r[7] or "" for r in rows], dtype=object),
            brand=np.array([r[8] or "" for r in rows], dtype=object),
        )
    return dets


def photo_gaps(db: sqlite_utils.Database, photo_id: int) -> tuple[Gap, ...]:
    """The stored gaps of a photo, by row then left edge."""
    return tuple(
        Gap(int(g["row"]), (g["x1"], g["y1"], g["x2"], g["y2"]), float(g["width_facings"]))
        for g in db.query("SELECT * FROM gaps WHERE photo_id = ? ORDER BY row, x1", [photo_id])
    )


def photo_kpis(
    db: sqlite_utils.Database, photo_id: int
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """The stored KPIs of a photo: (totals, breakdowns by name then scope)."""
    values: dict[str, float] = {}
    breakdowns: dict[str, dict[str, float]] = {}
    for r in db.query("SELECT name, scope, value FROM kpis WHERE photo_id = ?", [photo_id]):
        if r["scope"]:
            breakdowns.setdefault(r["name"], {})[r["scope"]] = float(r["value"])
        else:
            values[r["name"]] = float(r["value"])
    return values, breakdowns
