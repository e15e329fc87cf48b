"""Labelling unknown facings, and re-scoring stored visits after the catalog changed.

A labelled crop joins the catalog as a reference image of its SKU at once, so the
next scan (or ``pipeline.rescore_visit``) recognises that product.
"""

from __future__ import annotations

import sqlite_utils

from shelfscan.errors import CatalogError
from shelfscan.recognition.catalog import _check_id, add_crop_reference
from shelfscan.recognition.embedder import Embedder
from shelfscan.recognition.records import SkuInfo
from shelfscan.store import catalog as store
from shelfscan.store.db import transaction


def _open_unknown(db: sqlite_utils.Database, unknown_id: int) -> bytes:
    row = db.execute("SELECT status FROM unknown_facings WHERE id = ?", [unknown_id]).fetchone()
    if row is None:
        raise CatalogError(f"no unknown facing with id {unknown_id}")
    if row[0] != store.UNKNOWN_OPEN:
        raise CatalogError(f"unknown facing {unknown_id} was already reviewed ({row[0]})")
    return store.unknown_crop(db, unknown_id)


def assign(db: sqlite_utils.Database, embedder: Embedder, unknown_id: int, sku: str) -> list[str]:
    """Label a facing as an existing SKU; its crop becomes a reference. Returns warnings."""
    crop = _open_unknown(db, unknown_id)
    if sku not in store.sku_ids(db):
        raise CatalogError(f"SKU {sku!r} is not in the catalog (create it with --new-sku)")
    with transaction(db):
        warnings = add_crop_reference(db, embedder, sku, crop, f"review:{unknown_id}")
        store.mark_unknown(db, unknown_id, "assigned", sku)
    return warnings


def create_sku(
    db: sqlite_utils.Database, embedder: Embedder, unknown_id: int, info: SkuInfo
) -> list[str]:
    """Label a facing as a new SKU, created with the crop as its first reference."""
    crop = _open_unknown(db, unknown_id)
    _check_id(info.sku, "review")
    with transaction(db):
        store.insert_sku(db, info)
        warnings = add_crop_reference(db, embedder, info.sku, crop, f"review:{unknown_id}")
        store.mark_unknown(db, unknown_id, "new_sku", info.sku)
    return warnings


def not_product(db: sqlite_utils.Database, unknown_id: int) -> None:
    """Label a facing as not a product (a false detection); nothing joins the catalog."""
    _open_unknown(db, unknown_id)
    with transaction(db):
        store.mark_unknown(db, unknown_id, "not_product", None)
