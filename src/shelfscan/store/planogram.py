"""Planograms in the store: import, list, assign to stores / store groups, match results."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from shelfscan.errors import PlanogramError, StoreError
from shelfscan.planogram.model import Planogram, PlanogramShelf
from shelfscan.planogram.readers import read_json_data
from shelfscan.planogram.result import PlanogramMatch
from shelfscan.store.db import transaction


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _has_table(db: sqlite_utils.Database, name: str, column: str) -> bool:
    cols = {r[1] for r in db.execute(f'PRAGMA table_info("{name}")')}
    return column in cols


def known_skus(db: sqlite_utils.Database) -> set[str] | None:
    """SKU ids of the catalog (table ``skus``) when it holds any, else None (no check)."""
    if not _has_table(db, "skus", "id"):
        return None
    skus = {str(r[0]) for r in db.execute("SELECT id FROM skus")}
    return skus or None


def catalog_attributes(db: sqlite_utils.Database) -> dict[str, tuple[str, float | None]]:
    """SKU id -> (brand, width_mm) from the catalog, for SKUs the catalog knows."""
    if not (_has_table(db, "skus", "brand") and _has_table(db, "skus", "width_mm")):
        return {}
    return {
        str(sku): (str(brand or ""), None if width is None else float(width))
        for sku, brand, width in db.execute("SELECT id, brand, width_mm FROM skus")
    }


def with_catalog(
    planogram: Planogram, attributes: dict[str, tuple[str, float | None]]
) -> Planogram:
    """Fill positions' missing brand and facing width from the catalog."""
    if not attributes:
        return planogram
    shelves = tuple(
        PlanogramShelf(
            tuple(
                replace(
                    pos,
                    brand=pos.brand or attributes.get(pos.sku, ("", None))[0],
                    width_mm=pos.width_mm or attributes.get(pos.sku, ("", None))[1],
                )
                for pos in shelf.positions
            )
        )
        for shelf in planogram.shelves
    )
    return replace(planogram, shelves=shelves)


def save_planogram(
    db: sqlite_utils.Database, planogram: Planogram, fmt: str = "", replace: bool = False
) -> None:
    """Store one bay; an id already stored is an error unless ``replace``."""
    with transaction(db):
        exists = db.execute("SELECT 1 FROM planograms WHERE id = ?", [planogram.id]).fetchone()
        if exists and not replace:
            raise PlanogramError(
                f"{planogram.source or planogram.id}: planogram {planogram.id!r} is already "
                "imported (use --replace to overwrite it)"
            )
        db.execute("DELETE FROM planogram_positions WHERE planogram_id = ?", [planogram.id])
        db.execute(
            "INSERT INTO planograms (id, name, source, format, shelves, positions, facings, body,"
            " imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " name=excluded.name, source=excluded.source, format=excluded.format,"
            " shelves=excluded.shelves, positions=excluded.positions, facings=excluded.facings,"
            " body=excluded.body, imported_at=excluded.imported_at",
            [
                planogram.id,
                planogram.name,
                planogram.source,
                fmt,
                len(planogram.shelves),
                planogram.n_positions,
                planogram.facings,
                json.dumps(planogram.to_json()),
                _now(),
            ],
        )
        db.conn.executemany(
            "INSERT INTO planogram_positions (planogram_id, shelf, position, sku, facings,"
            " width_mm, brand) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (planogram.id, s + 1, p + 1, pos.sku, pos.facings, pos.width_mm, pos.brand or None)
                for s, p, pos in planogram
            ],
        )


def get_planogram(db: sqlite_utils.Database, planogram_id: str) -> Planogram:
    row = db.execute("SELECT body, source FROM planograms WHERE id = ?", [planogram_id]).fetchone()
    if row is None:
        ids = [r[0] for r in db.execute("SELECT id FROM planograms ORDER BY id")]
        hint = f" (stored: {', '.join(ids)})" if ids else " (none imported yet)"
        raise StoreError(f"no planogram {planogram_id!r} in the database{hint}")
    bay = read_json_data(json.loads(row[0]), str(row[1] or planogram_id), planogram_id)[0]
    return with_catalog(
        Planogram(planogram_id, bay.shelves, bay.name, bay.source), catalog_attributes(db)
    )


def list_planograms(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Stored planograms with the stores and groups they are assigned to."""
    rows = list(
        db.query(
            "SELECT id, name, format, shelves, positions, facings, source, imported_at"
            " FROM planograms ORDER BY id"
        )
    )
    for row in rows:
        assigned = db.execute(
            "SELECT store_id, group_id FROM planogram_assignments WHERE planogram_id = ?"
            " ORDER BY id",
            [row["id"]],
        ).fetchall()
        row["stores"] = [s for s, _ in assigned if s]
        row["groups"] = [g for _, g in assigned if g]
    return rows


def add_stores_to_group(db: sqlite_utils.Database, group_id: str, stores: list[str]) -> None:
    with transaction(db):
        for store in stores:
            db.execute(
                "INSERT OR IGNORE INTO stores (id, name, created_at) VALUES (?, ?, ?)",
                [store, store, _now()],
            )
            db.execute(
                "INSERT OR IGNORE INTO store_groups (group_id, store_id) VALUES (?, ?)",
                [group_id, store],
            )


def assign_planogram(
    db: sqlite_utils.Database,
    planogram_id: str,
    store_id: str | None = None,
    group_id: str | None = None,
) -> None:
    """Assign a stored planogram to one store or to a store group (idempotent)."""
    if (store_id is None) == (group_id is None):
        raise PlanogramError("assign a planogram to exactly one of a store or a store group")
    get_planogram(db, planogram_id)
    with transaction(db):
        if store_id:
            db.execute(
                "INSERT OR IGNORE INTO stores (id, name, created_at) VALUES (?, ?, ?)",
                [store_id, store_id, _now()],
            )
        db.execute(
            "DELETE FROM planogram_assignments WHERE planogram_id = ? AND store_id IS ?"
            " AND group_id IS ?",
            [planogram_id, store_id, group_id],
        )
        db.execute(
            "INSERT INTO planogram_assignments (planogram_id, store_id, group_id, assigned_at)"
            " VALUES (?, ?, ?, ?)",
            [planogram_id, store_id, group_id, _now()],
        )


def planograms_for_store(db: sqlite_utils.Database, store_id: str | None) -> list[Planogram]:
    """The store's own planograms; else those of its groups; else none."""
    if not store_id:
        return []
    ids = [
        r[0]
        for r in db.execute(
            "SELECT planogram_id FROM planogram_assignments WHERE store_id = ? ORDER BY id",
            [store_id],
        )
    ]
    if not ids:
        ids = [
            r[0]
            for r in db.execute(
                "SELECT a.planogram_id FROM planogram_assignments a JOIN store_groups g"
                " ON a.group_id = g.group_id WHERE g.store_id = ? ORDER BY a.id",
                [store_id],
            )
        ]
    return [get_planogram(db, i) for i in dict.fromkeys(ids)]


def planograms_for_visit(db: sqlite_utils.Database, visit_id: str) -> list[Planogram]:
    """The planograms of the visit's store (see ``planograms_for_store``)."""
    row = db.execute("SELECT store_id FROM visits WHERE id = ?", [visit_id]).fetchone()
    return planograms_for_store(db, row[0] if row else None)


def save_match(
    db: sqlite_utils.Database, visit_id: str, photo_id: int, match: PlanogramMatch
) -> None:
    """Write one photo's match; call inside the photo's transaction (plain SQL only)."""
    db.execute("DELETE FROM planogram_matches WHERE photo_id = ?", [photo_id])
    db.execute("DELETE FROM planogram_results WHERE photo_id = ?", [photo_id])
    db.execute(
        "INSERT INTO planogram_matches (photo_id, visit_id, planogram_id, matcher, cost,"
        " elapsed_ms, result) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            photo_id,
            visit_id,
            match.planogram_id,
            match.matcher,
            match.cost,
            match.elapsed_ms,
            json.dumps(match.to_json()),
        ],
    )
    db.conn.executemany(
        "INSERT INTO planogram_results (photo_id, visit_id, planogram_id, shelf, position, sku,"
        " expected, observed, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                photo_id,
                visit_id,
                match.planogram_id,
                p.shelf + 1,
                p.position + 1,
                p.sku,
                p.expected,
                p.observed,
                p.status,
            )
            for p in match.positions
        ],
    )


def photo_match(db: sqlite_utils.Database, photo_id: int) -> PlanogramMatch | None:
    row = db.execute(
        "SELECT result FROM planogram_matches WHERE photo_id = ?", [photo_id]
    ).fetchone()
    return None if row is None else PlanogramMatch.from_json(json.loads(row[0]))


def save_bay_match(
    db: sqlite_utils.Database,
    bay_id: int,
    visit_id: str,
    match: PlanogramMatch,
    facings: dict[str, Any],
    breakdowns: dict[str, dict[str, float]],
) -> None:
    """Write a merged bay's match (call inside the bay's transaction): the match, the
    bay's facings it indexes (``facings``: photo ids, boxes, rows, SKUs, bay-to-photo
    transforms) and the bay's planogram KPI breakdowns."""
    db.execute(
        "INSERT OR REPLACE INTO bay_matches (bay_id, visit_id, planogram_id, matcher, result,"
        " facings, breakdowns) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            bay_id,
            visit_id,
            match.planogram_id,
            match.matcher,
            json.dumps(match.to_json()),
            json.dumps(facings),
            json.dumps(breakdowns),
        ],
    )


def bay_matches(
    db: sqlite_utils.Database, visit_id: str
) -> dict[int, tuple[PlanogramMatch, dict[str, Any], dict[str, dict[str, float]]]]:
    """bay id -> (match, facings, breakdowns) of the visit's latest bays (see
    ``save_bay_match``); bays stored before bays were matched have none."""
    rows = db.execute(
        "SELECT bay_id, result, facings, breakdowns FROM bay_matches WHERE visit_id = ?"
        " AND bay_id IN (SELECT MAX(bay_id) FROM bay_photos GROUP BY photo_id) ORDER BY bay_id",
        [visit_id],
    ).fetchall()
    return {
        int(r[0]): (PlanogramMatch.from_json(json.loads(r[1])), json.loads(r[2]), json.loads(r[3]))
        for r in rows
    }
