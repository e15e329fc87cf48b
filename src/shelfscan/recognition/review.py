"""Labelling unknown facings, and re-scoring stored visits after the catalog changed.

A labelled crop joins the catalog as a reference image of its SKU at once, so the
next scan (or ``rescore_visit``) recognises that product.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlite_utils

from shelfscan.errors import CatalogError, ShelfscanError
from shelfscan.imaging import load_image
from shelfscan.kpi import shelf_kpis
from shelfscan.kpi.share import SHARE_KPIS, share_kpis
from shelfscan.layout import build_layout
from shelfscan.recognition.catalog import _check_id, add_crop_reference, crop_reference
from shelfscan.recognition.embedder import Embedder
from shelfscan.recognition.recognizer import CatalogRecognizer
from shelfscan.recognition.records import SkuInfo
from shelfscan.store import catalog as store
from shelfscan.store import review as reviewed
from shelfscan.store.db import transaction
from shelfscan.store.scans import kpi_rows
from shelfscan.types import KpiReport, ScanResult


def merge_kpis(reports: Sequence[KpiReport]) -> KpiReport:
    """One report holding every given report's values and breakdowns."""
    values: dict[str, float] = {}
    breakdowns: dict[str, dict[str, float]] = {}
    for r in reports:
        values.update(r.values)
        for key, table in r.breakdowns.items():
            breakdowns.setdefault(key, {}).update(table)
    return KpiReport(values, breakdowns)


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
    """Label a facing as not a product (a false detection): nothing joins the catalog and
    its box stops counting as a facing (``rescore`` then recomputes the photo's KPIs)."""
    _open_unknown(db, unknown_id)
    with transaction(db):
        store.mark_unknown(db, unknown_id, "not_product", None)
        reviewed.reject_detection(db, unknown_id)


def undo(db: sqlite_utils.Database, unknown_id: int) -> str:
    """Take back a review decision; the facing is open again. Returns the status undone."""
    with transaction(db):
        return reviewed.undo_review(db, unknown_id)


@dataclass(frozen=True)
class Candidate:
    """A catalog SKU a crop resembles, best first."""

    sku: str
    score: float
    name: str = ""
    brand: str = ""


def review_candidates(
    recognizer: CatalogRecognizer, crops: Sequence[bytes], k: int = 3
) -> list[list[Candidate]]:
    """The ``k`` most similar catalog SKUs of each crop (JPEG bytes)."""
    if not crops:
        return []
    images = [crop_reference(c, "review")[0] for c in crops]
    scores, labels = recognizer.index.search(recognizer.embedder(images), k=k)
    out = []
    for row_s, row_l in zip(scores, labels, strict=True):
        found = []
        for score, sku in zip(row_s, row_l, strict=True):
            if sku and np.isfinite(score):
                info = recognizer.info.get(str(sku))
                found.append(
                    Candidate(
                        str(sku),
                        float(score),
                        info.name if info else "",
                        info.brand if info else "",
                    )
                )
        out.append(found)
    return out


@dataclass(frozen=True)
class RescoreOutcome:
    """One photo of a re-scored visit."""

    photo_id: int
    path: str
    recognized: int = 0
    unknown: int = 0
    error: str | None = None


def rescore_visit(
    db: sqlite_utils.Database,
    visit_id: str,
    recognizer: CatalogRecognizer,
    must_have: Collection[str] = (),
    min_gap_facings: float = 0.8,
) -> list[RescoreOutcome]:
    """Re-run recognition on a stored visit from its photo files and stored boxes.

    Each photo is updated in its own transaction (SKU columns, rows, gaps, unknown
    facings, shelf and share KPIs and their outbox rows); boxes reviewed as "not a
    product" no longer count. A photo whose file is gone or changed is reported and the
    rest go on. Planogram KPIs are left as they are.
    """
    outcomes = []
    for photo in store.visit_photos(db, visit_id):
        path = Path(photo["path"])
        try:
            image, info = load_image(path)
            if info.sha256 != photo["sha256"]:
                raise CatalogError(f"{path}: file changed since it was scanned (SHA-256 differs)")
            dets = store.photo_detections(db, photo["id"])
            dets, layout = build_layout(dets, (info.width, info.height), min_gap_facings)
            dets = recognizer(image, dets, layout)
            report = share_kpis(dets, layout, must_have)
            shelf = shelf_kpis(dets, layout)
        except ShelfscanError as exc:
            outcomes.append(RescoreOutcome(photo["id"], str(path), error=str(exc)))
            continue
        rows = kpi_rows(ScanResult(info, dets, layout, merge_kpis([shelf, report])))
        names = (*SHARE_KPIS, *shelf.values, *shelf.breakdowns)
        store.save_rescore(db, visit_id, photo["id"], dets, rows, names)
        with transaction(db):  # rows and gaps follow the boxes still counted
            reviewed.replace_layout(
                db,
                photo["id"],
                [int(r) for r in dets.column("row", -1)],
                [(g.row, g.xyxy, g.width_facings) for g in layout.gaps],
            )
        outcomes.append(
            RescoreOutcome(
                photo["id"],
                str(path),
                int(report.values.get("recognized_facings", 0)),
                int(report.values.get("unknown_facings", 0)),
            )
        )
    return outcomes
