"""Catalog storage: schema, blobs, unknown crops saved with the scan, must-have lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfscan.errors import CatalogError
from shelfscan.recognition.records import RefImage, SkuInfo
from shelfscan.store import catalog as store
from shelfscan.store import ensure_visit, open_db, save_scan, transaction
from shelfscan.store.results import photo_detections
from shelfscan.types import (
    CLASS_PRICE_TAG,
    CLASS_PRODUCT,
    Detections,
    KpiReport,
    PhotoInfo,
    ScanResult,
    ShelfLayout,
)


def scan(crops: list[bytes | None], sha: str = "ab" * 32) -> ScanResult:
    n = len(crops)
    boxes = [[10 * i, 0, 10 * i + 10, 20] for i in range(n)]
    classes = [
        CLASS_PRODUCT if c is not None or i % 2 else CLASS_PRICE_TAG for i, c in enumerate(crops)
    ]
    dets = Detections.from_boxes(boxes, np.ones(n), classes).with_data(
        sku=np.array(["unknown" if c else "S1" for c in crops], object),
        brand=np.array(["unknown" if c else "B" for c in crops], object),
        match_score=np.array([0.5] * n, object),
        nearest_sku=np.array(["S1"] * n, object),
        crop_jpeg=np.array(crops, object),
    )
    photo = PhotoInfo(Path("p.jpg"), sha, 100, 640, 480, "2026-01-01T00:00:00")
    layout = ShelfLayout((), (), (640, 480))
    return ScanResult(photo, dets, layout, KpiReport({"facings": float(n)}))


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = open_db(tmp_path / "s.db")
    ensure_visit(database, "V1", "S1")
    return database


def test_tables_exist(db) -> None:  # type: ignore[no-untyped-def]
    tables = set(db.table_names())
    assert {"skus", "sku_images", "unknown_facings", "must_have"} <= tables


def test_embedding_blob_round_trip() -> None:
    v = np.random.default_rng(0).random(7).astype(np.float32)
    assert np.array_equal(store.from_blob(store.to_blob(v), 7), v)


def test_unknown_crops_saved_with_the_scan(db) -> None:  # type: ignore[no-untyped-def]
    photo_id = save_scan(db, "V1", scan([b"jpeg-1", None, b"jpeg-3"]))
    rows = store.list_unknowns(db)
    assert [(r["photo_id"], r["det_idx"], r["nearest_sku"]) for r in rows] == [
        (photo_id, 0, "S1"),
        (photo_id, 2, "S1"),
    ]
    assert store.unknown_crop(db, rows[1]["id"]) == b"jpeg-3"
    # a reviewed unknown survives a re-scan of the photo; open ones are replaced
    with transaction(db):
        store.insert_sku(db, SkuInfo("S2"))
        store.mark_unknown(db, rows[0]["id"], "assigned", "S2")
    save_scan(db, "V1", scan([b"new-1", b"new-2", None]))
    assert [(r["det_idx"], r["status"]) for r in store.list_unknowns(db, status=None)] == [
        (0, "assigned"),
        (1, "open"),
    ]


def test_failed_scan_leaves_no_unknowns(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown visit"):
        save_scan(db, "NO-SUCH-VISIT", scan([b"jpeg"]))
    assert store.list_unknowns(db, status=None) == []


def test_references_and_must_have(db) -> None:  # type: ignore[no-untyped-def]
    ref = RefImage("a.png", "f" * 64, 10, 20, b"jpg", np.ones(4, np.float32) / 2)
    with transaction(db):
        store.insert_sku(db, SkuInfo("S1", brand="B"))
        assert store.insert_references(db, "S1", [ref, ref], "m1") == 1  # same file once
        with pytest.raises(CatalogError, match="already in the catalog"):
            store.insert_sku(db, SkuInfo("S1"))
    assert store.sku_infos(db)["S1"].brand == "B"
    assert store.references(db)[0]["dim"] == 4
    with pytest.raises(CatalogError, match="not in the catalog: S9"):
        store.set_must_have(db, "S1", ["S1", "S9"])
    store.set_must_have(db, "*", ["S1"])
    assert store.must_have(db, "OTHER") == {"S1"}  # '*' applies to every store
    store.set_must_have(db, "*", [])
    assert store.must_have(db, "OTHER") == set()


def test_stored_detections_round_trip(db) -> None:  # type: ignore[no-untyped-def]
    s = scan([b"x", None, None])
    photo_id = save_scan(db, "V1", s)
    got = photo_detections(db, photo_id)
    assert np.allclose(got.xyxy, s.detections.xyxy)
    assert got.class_id.tolist() == s.detections.class_id.tolist()


def test_save_rescore_replaces_only_named_kpis(db) -> None:  # type: ignore[no-untyped-def]
    s = scan([b"x", None])
    photo_id = save_scan(db, "V1", s)
    dets = s.detections.with_data(
        sku=np.array(["S1", "S1"], object), crop_jpeg=np.array([None, None], object)
    )
    store.save_rescore(
        db, "V1", photo_id, dets, [("unknown_facings", "", 0.0)], ["unknown_facings"]
    )
    kpis = {r[0]: r[1] for r in db.execute("SELECT name, value FROM kpis").fetchall()}
    assert kpis == {"facings": 2.0, "unknown_facings": 0.0}
    assert store.list_unknowns(db) == []
    assert db.execute("SELECT sku FROM detections WHERE idx = 0").fetchone()[0] == "S1"
    assert (
        db.execute(
            "SELECT COUNT(*) FROM outbox WHERE external_id LIKE '%unknown_facings'"
        ).fetchone()[0]
        == 1
    )
