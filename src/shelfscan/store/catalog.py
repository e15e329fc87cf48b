"""Catalog storage: SKUs, reference images and embeddings, unknown facings, must-have lists.

Write functions that take ``db`` and say "inside a transaction" run plain SQL and
expect the caller's ``transaction(db)``; the others open their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from shelfscan.errors import CatalogError
from shelfscan.recognition.records import RefImage, SkuInfo, SkuTable
from shelfscan.store.db import transaction
from shelfscan.store.outbox import queue_kpis
from shelfscan.types import Detections, FloatArray

UNKNOWN_OPEN = "open"
REVIEW_STATUSES = ("assigned", "new_sku", "not_product")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def to_blob(vector: FloatArray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes, dim: int) -> FloatArray:
    return np.frombuffer(blob, dtype="<f4").reshape(dim).astype(np.float32)


def catalog_version(db: sqlite_utils.Database) -> int:
    """A number that changes whenever a SKU, reference image or its verification cues
    change (m0011 and m0014 triggers)."""
    row = db.execute("SELECT version FROM catalog_state WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def db_file(db: sqlite_utils.Database) -> Path | None:
    """The database's file, None for an in-memory or temporary store."""
    row = db.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row and row[2] else None


def has_skus(db: sqlite_utils.Database) -> bool:
    return bool(db.execute("SELECT EXISTS (SELECT 1 FROM skus)").fetchone()[0])


def reference_vectors(
    db: sqlite_utils.Database, model: str, dim: int
) -> tuple[list[str], FloatArray]:
    """The SKU id of each reference embedded by ``model`` and its (M, dim) vectors,
    grouped by SKU (one query; no JPEG read)."""
    rows = db.execute(
        "SELECT sku_id, embedding FROM sku_images WHERE model = ? AND dim = ? ORDER BY sku_id, id",
        [model, dim],
    ).fetchall()
    blob = b"".join(r[1] for r in rows)
    vectors = np.frombuffer(blob, dtype="<f4").reshape(-1, dim).astype(np.float32)
    return [r[0] for r in rows], vectors


def stale_references(db: sqlite_utils.Database, model: str, dim: int) -> list[int]:
    """Ids of the reference images embedded by another model (or dimension)."""
    rows = db.execute(
        "SELECT id FROM sku_images WHERE model != ? OR dim != ? ORDER BY id", [model, dim]
    ).fetchall()
    return [int(r[0]) for r in rows]


def sku_ids(db: sqlite_utils.Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT id FROM skus").fetchall()}


def sku_infos(db: sqlite_utils.Database) -> dict[str, SkuInfo]:
    rows = db.execute("SELECT id, ean, name, brand, category, width_mm FROM skus").fetchall()
    return {r[0]: SkuInfo(r[0], r[1] or "", r[2] or "", r[3] or "", r[4] or "", r[5]) for r in rows}


def sku_table(db: sqlite_utils.Database) -> SkuTable:
    """Every SKU's attributes as columns (what ``sku_infos`` holds, read in a third of its
    time at 20,000 SKUs)."""
    rows = db.execute("SELECT id, ean, name, brand, category, width_mm FROM skus").fetchall()
    if not rows:
        return SkuTable([], [], [], [], [], [])
    ids, eans, names, brands, categories, widths = zip(*rows, strict=True)

    def text(col: tuple[Any, ...]) -> list[str]:
        return [v or "" for v in col]

    return SkuTable(ids, text(eans), text(names), text(brands), text(categories), widths)


class SkuInfoLookup(Mapping[str, SkuInfo]):
    """SKU attributes read on demand (and kept): a scan looks up the few SKUs it saw
    instead of reading all 20,000 rows of a large catalog up front."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db
        self._seen: dict[str, SkuInfo | None] = {}

    def __getitem__(self, sku: str) -> SkuInfo:
        if sku not in self._seen:
            row = self._db.execute(
                "SELECT id, ean, name, brand, category, width_mm FROM skus WHERE id = ?", [sku]
            ).fetchone()
            self._seen[sku] = (
                None
                if row is None
                else SkuInfo(row[0], row[1] or "", row[2] or "", row[3] or "", row[4] or "", row[5])
            )
        info = self._seen[sku]
        if info is None:
            raise KeyError(sku)
        return info

    def __iter__(self) -> Iterator[str]:
        return iter(r[0] for r in self._db.execute("SELECT id FROM skus ORDER BY id").fetchall())

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM skus").fetchone()[0])


def insert_sku(db: sqlite_utils.Database, info: SkuInfo) -> None:
    """Inside a transaction: a new SKU row (``CatalogError`` if the id exists)."""
    if db.execute("SELECT 1 FROM skus WHERE id = ?", [info.sku]).fetchone():
        raise CatalogError(f"SKU {info.sku!r} is already in the catalog")
    db.execute(
        "INSERT INTO skus (id, ean, name, brand, category, width_mm, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            info.sku,
            info.ean or None,
            info.name or None,
            info.brand or None,
            info.category or None,
            info.width_mm,
            _now(),
        ],
    )


def insert_references(
    db: sqlite_utils.Database, sku: str, refs: Sequence[RefImage], model: str
) -> int:
    """Inside a transaction: reference images of ``sku``; an identical file (same SHA-256)
    already stored for the SKU is skipped. Returns the number inserted."""
    added = 0
    for ref in refs:
        cur = db.execute(
            "INSERT OR IGNORE INTO sku_images (sku_id, source, sha256, width, height, image_jpeg,"
            " embedding, dim, model, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                sku,
                ref.source,
                ref.sha256,
                ref.width,
                ref.height,
                ref.jpeg,
                to_blob(ref.embedding),
                len(ref.embedding),
                model,
                _now(),
            ],
        )
        added += cur.rowcount
    return added


def list_skus(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every SKU with its number of reference images, by id."""
    sql = """SELECT s.id AS sku, s.ean, s.name, s.brand, s.category, s.width_mm,
                    COUNT(i.id) AS images
             FROM skus s LEFT JOIN sku_images i ON i.sku_id = s.id
             GROUP BY s.id ORDER BY s.id"""
    return list(db.query(sql))


def remove_skus(db: sqlite_utils.Database, skus: Sequence[str]) -> int:
    """Delete SKUs with their images (all or nothing; ``CatalogError`` naming unknown ids)."""
    missing = sorted(set(skus) - sku_ids(db))
    if missing:
        raise CatalogError(f"not in the catalog: {', '.join(missing)}")
    with transaction(db):
        for sku in skus:
            db.execute("DELETE FROM skus WHERE id = ?", [sku])
    return len(set(skus))


def references(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every reference image: id, sku, model, dim, embedding (bytes), sha256, source."""
    return list(
        db.query(
            "SELECT id, sku_id AS sku, model, dim, embedding, sha256, source"
            " FROM sku_images ORDER BY sku_id, id"
        )
    )


def reference_jpegs(db: sqlite_utils.Database, ids: Iterable[int]) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for i in ids:
        row = db.execute("SELECT image_jpeg FROM sku_images WHERE id = ?", [i]).fetchone()
        if row:
            out[i] = bytes(row[0])
    return out


def sku_reference_jpegs(db: sqlite_utils.Database | sqlite3.Connection, sku: str) -> list[bytes]:
    """The stored JPEGs of one SKU's reference images, oldest first."""
    rows = db.execute(
        "SELECT image_jpeg FROM sku_images WHERE sku_id = ? ORDER BY id", [sku]
    ).fetchall()
    return [bytes(r[0]) for r in rows if r[0]]


def open_reference_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection to the store at ``path`` for ``sku_reference_jpegs``,
    usable from any thread (callers serialise its use)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)


def update_embeddings(
    db: sqlite_utils.Database, vectors: dict[int, FloatArray], model: str
) -> None:
    """Replace the embeddings of reference images (after the embedder changed)."""
    with transaction(db):
        db.conn.executemany(
            "UPDATE sku_images SET embedding = ?, dim = ?, model = ? WHERE id = ?",
            [(to_blob(v), len(v), model, i) for i, v in vectors.items()],
        )


# -- unknown facings ------------------------------------------------------------------


def save_unknowns(db: sqlite_utils.Database, visit_id: str, photo_id: int, dets: Detections) -> int:
    """Inside ``save_scan``'s transaction: replace the photo's open unknown facings with the
    detections that carry a ``crop_jpeg``. Already reviewed ones are kept."""
    db.execute(
        "DELETE FROM unknown_facings WHERE photo_id = ? AND status = ?", [photo_id, UNKNOWN_OPEN]
    )
    crops = dets.column("crop_jpeg", None)
    nearest = dets.column("nearest_sku", None)
    scores = dets.column("match_score", None)
    rows = [
        (
            visit_id,
            photo_id,
            i,
            *map(float, dets.xyxy[i]),
            bytes(crops[i]),
            None if nearest[i] in (None, "") else str(nearest[i]),
            None if scores[i] is None else float(scores[i]),
            UNKNOWN_OPEN,
            _now(),
        )
        for i in range(len(dets))
        if crops[i] is not None
    ]
    db.conn.executemany(
        "INSERT OR IGNORE INTO unknown_facings (visit_id, photo_id, det_idx, x1, y1, x2, y2,"
        " crop_jpeg, nearest_sku, score, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def list_unknowns(
    db: sqlite_utils.Database, status: str | None = UNKNOWN_OPEN, visit_id: str | None = None
) -> list[dict[str, Any]]:
    """Unknown facings (without crop bytes), oldest first."""
    where, args = [], []
    if status:
        where.append("u.status = ?")
        args.append(status)
    if visit_id:
        where.append("u.visit_id = ?")
        args.append(visit_id)
    sql = (
        "SELECT u.id, u.visit_id, u.photo_id, p.path, u.det_idx, u.x1, u.y1, u.x2, u.y2,"
        " u.nearest_sku, u.score, u.status, u.label_sku FROM unknown_facings u"
        " JOIN photos p ON p.id = u.photo_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY u.id"
    )
    return list(db.query(sql, args))


def unknown_crop(db: sqlite_utils.Database, unknown_id: int) -> bytes:
    row = db.execute("SELECT crop_jpeg FROM unknown_facings WHERE id = ?", [unknown_id]).fetchone()
    if row is None:
        raise CatalogError(f"no unknown facing with id {unknown_id}")
    return bytes(row[0])


def mark_unknown(
    db: sqlite_utils.Database, unknown_id: int, status: str, label: str | None
) -> None:
    """Inside a transaction: record a review decision."""
    if status not in REVIEW_STATUSES:
        raise ValueError(f"status must be one of {REVIEW_STATUSES}, got {status!r}")
    cur = db.execute(
        "UPDATE unknown_facings SET status = ?, label_sku = ?, reviewed_at = ? WHERE id = ?",
        [status, label, _now(), unknown_id],
    )
    if cur.rowcount == 0:
        raise CatalogError(f"no unknown facing with id {unknown_id}")


# -- must-have lists --------------------------------------------------------------------


def set_must_have(db: sqlite_utils.Database, store_id: str, skus: Sequence[str]) -> None:
    """Replace the must-have list of ``store_id`` ("*" = every store)."""
    missing = sorted(set(skus) - sku_ids(db))
    if missing:
        raise CatalogError(
            f"must-have list for {store_id!r}: not in the catalog: {', '.join(missing)}"
        )
    with transaction(db):
        db.execute("DELETE FROM must_have WHERE store_id = ?", [store_id])
        db.conn.executemany(
            "INSERT INTO must_have (store_id, sku_id) VALUES (?, ?)",
            [(store_id, s) for s in sorted(set(skus))],
        )


def must_have(db: sqlite_utils.Database, store_id: str | None) -> set[str]:
    """The must-have SKUs of a store: its own list plus the list for every store ("*")."""
    rows = db.execute(
        "SELECT sku_id FROM must_have WHERE store_id = '*' OR store_id = ?", [store_id or "*"]
    ).fetchall()
    return {r[0] for r in rows}


# -- re-scoring a stored visit ----------------------------------------------------------


def visit_photos(db: sqlite_utils.Database, visit_id: str) -> list[dict[str, Any]]:
    """The photos of a visit (``CatalogError`` when the visit is unknown)."""
    if db.execute("SELECT 1 FROM visits WHERE id = ?", [visit_id]).fetchone() is None:
        raise CatalogError(f"no visit {visit_id!r} in the database")
    return list(
        db.query(
            "SELECT id, path, sha256, width, height FROM photos WHERE visit_id = ? ORDER BY id",
            [visit_id],
        )
    )


def save_rescore(
    db: sqlite_utils.Database,
    visit_id: str,
    photo_id: int,
    dets: Detections,
    kpis: Sequence[tuple[str, str, float]],
    kpi_names: Collection[str],
) -> None:
    """One transaction: new SKU columns on the photo's detections, its unknown facings,
    and its KPIs named in ``kpi_names`` replaced by ``kpis`` (with their outbox rows).
    Other KPIs of the photo (shelf, planogram) are left as they are."""
    sku, brand, score = (dets.column(k, None) for k in ("sku", "brand", "match_score"))
    with transaction(db):
        db.conn.executemany(
            "UPDATE detections SET sku = ?, brand = ?, match_score = ? WHERE photo_id = ? AND idx = ?",
            [
                (
                    None if sku[i] is None else str(sku[i]),
                    None if brand[i] is None else str(brand[i]),
                    None if score[i] is None else float(score[i]),
                    photo_id,
                    i,
                )
                for i in range(len(dets))
            ],
        )
        save_unknowns(db, visit_id, photo_id, dets)
        names = sorted(kpi_names)
        db.execute(
            f"DELETE FROM kpis WHERE photo_id = ? AND name IN ({', '.join('?' * len(names))})",
            [photo_id, *names],
        )
        db.conn.executemany(
            "INSERT INTO kpis (visit_id, photo_id, name, scope, value) VALUES (?, ?, ?, ?, ?)",
            [(visit_id, photo_id, n, s, v) for n, s, v in kpis],
        )
        visit_uuid, sha = db.execute(
            "SELECT v.uuid, p.sha256 FROM photos p JOIN visits v ON v.id = p.visit_id"
            " WHERE p.id = ?",
            [photo_id],
        ).fetchone()
        queue_kpis(db, visit_id, visit_uuid, sha, kpis, replaces=kpi_names)


def unknown_status(db: sqlite_utils.Database, unknown_id: int) -> str | None:
    """The review status of an unknown facing; None when there is no such facing."""
    row = db.execute("SELECT status FROM unknown_facings WHERE id = ?", [unknown_id]).fetchone()
    return None if row is None else str(row[0])
