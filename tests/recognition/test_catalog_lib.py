"""Catalog library: add/import/export, bad input (nothing half-imported), recognizer build."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from catalog_builders import catalog, embedder, scene, write_catalog_folder, write_sku_folder
from shelfscan import catalog as lib
from shelfscan.errors import CatalogError, ImageError, ShelfscanError
from shelfscan.layout import build_layout
from shelfscan.recognition.matcher import UNKNOWN
from shelfscan.recognition.records import SkuInfo
from shelfscan.store import catalog as store
from shelfscan.store import open_db
from shelfscan.types import CLASS_PRODUCT

SKUS = ["SKU0001", "SKU0002", "SKU0003"]


def test_import_export_round_trip(tmp_path: Path) -> None:
    db = open_db(tmp_path / "a.db")
    report = lib.import_folder(db, embedder(), write_catalog_folder(tmp_path / "in", SKUS))
    assert report.skus == SKUS and report.images == 9
    rows = {r["sku"]: r for r in store.list_skus(db)}
    assert rows["SKU0002"]["brand"] == catalog().get("SKU0002").brand
    assert rows["SKU0002"]["images"] == 3
    assert lib.export_folder(db, tmp_path / "out") == 9
    db2 = open_db(tmp_path / "b.db")
    lib.import_folder(db2, embedder(), tmp_path / "out")
    assert store.list_skus(db2) == store.list_skus(db)


def _stray_root(root: Path) -> None:
    (root / "notes.txt").write_text("hello")


def _stray_in_sku(root: Path) -> None:
    (root / "SKU0001" / "readme.md").write_text("x")


def _not_an_image(root: Path) -> None:
    (root / "SKU0002" / "broken.png").write_bytes(b"not a png")


def _tiny_image(root: Path) -> None:
    cv2.imwrite(str(root / "SKU0003" / "tiny.png"), np.zeros((40, 40, 3), np.uint8))


def _empty_sku_folder(root: Path) -> None:
    (root / "SKU0009").mkdir()


def _csv_orphan(root: Path) -> None:
    with (root / "catalog.csv").open("a") as fh:
        fh.write("SKU0099,Ghost,,,\n")


def _csv_duplicate(root: Path) -> None:
    with (root / "catalog.csv").open("a") as fh:
        fh.write("SKU0001,Again,,,\n")


def _csv_bad_width(root: Path) -> None:
    (root / "catalog.csv").write_text("sku,width_mm\nSKU0001,wide\n")


def _csv_bad_column(root: Path) -> None:
    (root / "catalog.csv").write_text("sku,colour\nSKU0001,red\n")


def _reserved_id(root: Path) -> None:
    write_sku_folder(root, "SKU0004").pop()
    (root / "SKU0004").rename(root / "unknown")


@pytest.mark.parametrize(
    ("spoil", "error", "message"),
    [
        (_stray_root, CatalogError, "stray file.*notes.txt"),  # a stray file at the top
        (_stray_in_sku, CatalogError, "stray file.*readme.md"),  # a stray file in a SKU folder
        (_not_an_image, ImageError, "broken.png: not an image"),  # unreadable reference
        (_tiny_image, ImageError, "tiny.png: reference image too small"),  # tiny reference
        (_empty_sku_folder, CatalogError, "SKU0009: SKU folder holds no images"),
        (_csv_orphan, CatalogError, "without an image folder: SKU0099"),
        (_csv_duplicate, CatalogError, r"catalog.csv:5: duplicate SKU id 'SKU0001'"),
        (_csv_bad_width, CatalogError, r"catalog.csv:2: width_mm must be a number"),
        (_csv_bad_column, CatalogError, r"catalog.csv:1: unknown column\(s\) colour"),
        (_reserved_id, CatalogError, "reserved"),  # 'unknown' cannot be a SKU id
    ],
)
def test_bad_import_folder_imports_nothing(
    tmp_path: Path, spoil: object, error: type[ShelfscanError], message: str
) -> None:
    root = write_catalog_folder(tmp_path / "in", SKUS)
    spoil(root)  # type: ignore[operator]
    db = open_db(tmp_path / "c.db")
    with pytest.raises(error, match=message):
        lib.import_folder(db, embedder(), root)
    assert store.list_skus(db) == []
    assert db.execute("SELECT COUNT(*) FROM sku_images").fetchone()[0] == 0


def test_duplicate_ids_and_append(tmp_path: Path) -> None:
    db = open_db(tmp_path / "d.db")
    paths = write_sku_folder(tmp_path / "refs", "SKU0001")
    info = SkuInfo("SKU0001", name="first")
    lib.add_skus(db, embedder(), [(info, paths[:2])])
    with pytest.raises(CatalogError, match="already in the catalog"):
        lib.add_skus(db, embedder(), [(info, paths[2:])])
    with pytest.raises(CatalogError, match="duplicate SKU id 'SKU0002' in the same import"):
        lib.add_skus(db, embedder(), [(SkuInfo("SKU0002"), paths), (SkuInfo("SKU0002"), paths)])
    report = lib.add_skus(db, embedder(), [(info, paths)], append=True)
    assert report.images == 1  # the two photos already stored are skipped (same SHA-256)
    assert store.list_skus(db)[0]["images"] == 3
    with pytest.raises(CatalogError, match="no reference images"):
        lib.add_skus(db, embedder(), [(SkuInfo("SKU0005"), [])])


def test_near_identical_reference_of_another_sku_warns(tmp_path: Path) -> None:
    db = open_db(tmp_path / "e.db")
    paths = write_sku_folder(tmp_path / "refs", "SKU0001")
    lib.add_skus(db, embedder(), [(SkuInfo("SKU0001"), paths)])
    report = lib.add_skus(db, embedder(), [(SkuInfo("SKU0002"), paths[:1])])
    assert len(report.warnings) == 1
    assert "SKU0002" in report.warnings[0] and "SKU0001" in report.warnings[0]
    assert "will be confused" in report.warnings[0]


def test_near_duplicates_pure() -> None:
    a, b = np.array([1.0, 0.0], np.float32), np.array([0.0, 1.0], np.float32)
    assert lib.near_duplicates([("X", "x.png", a)], [("X", a), ("Y", b)]) == []  # own SKU ok
    warn = lib.near_duplicates([("X", "x.png", a)], [("Y", a)])
    assert len(warn) == 1 and "x.png (X)" in warn[0] and "of Y" in warn[0]


def test_remove(tmp_path: Path) -> None:
    db = open_db(tmp_path / "f.db")
    lib.import_folder(db, embedder(), write_catalog_folder(tmp_path / "in", SKUS))
    with pytest.raises(CatalogError, match="not in the catalog: NOPE"):
        store.remove_skus(db, ["SKU0001", "NOPE"])
    assert len(store.list_skus(db)) == 3  # all or nothing
    assert store.remove_skus(db, ["SKU0001"]) == 1
    assert db.execute("SELECT COUNT(*) FROM sku_images").fetchone()[0] == 6


def test_recognizer_over_the_store(tmp_path: Path) -> None:
    db = open_db(tmp_path / "g.db")
    assert lib.build_recognizer(db, embedder()) is None  # empty catalog: no stage
    sc = scene(5)
    on_shelf = sorted(set(sc.detections.data["sku"].tolist()) - {""})
    known, absent = on_shelf[:-1], on_shelf[-1]
    lib.import_folder(db, embedder(), write_catalog_folder(tmp_path / "in", known))
    db.execute("UPDATE sku_images SET model = 'older-model'")  # forces re-embedding
    rec = lib.build_recognizer(db, embedder())
    assert rec is not None
    assert {r["model"] for r in store.references(db)} == {embedder().name}
    dets, layout = build_layout(sc.detections, (800, 600))
    out = rec(sc.image, dets, layout)
    products = out.class_id == CLASS_PRODUCT
    assert all(v is None for v in out.data["sku"][~products])
    skus = out.data["sku"][products]
    assert set(skus.tolist()) <= {*known, UNKNOWN}
    crops = out.data["crop_jpeg"][products]
    assert all((c is not None) == (s == UNKNOWN) for c, s in zip(crops, skus, strict=True))
    truth = sc.detections.data["sku"][products]
    correct = np.mean([s == t for s, t in zip(skus, truth, strict=True) if t in known])
    assert correct >= 0.85, f"top-1 on known SKUs {correct:.2f}"  # ImageNet features: ~0.5
    assert absent in truth
    # the SKU that is on the shelf but not in the catalog is reported unknown, not forced
    # onto its catalogued sibling of the same brand (nor relabelled by shelf context)
    rejected = np.mean([s == UNKNOWN for s, t in zip(skus, truth, strict=True) if t == absent])
    assert rejected >= 0.6, f"absent SKU reported unknown on {rejected:.2f} of its facings"


@pytest.mark.parametrize(
    ("in_memory", "pickled"),
    [
        (False, False),  # a store file, read by the process that opened it
        (False, True),  # ... and by a worker given the pickled loader (its own connection)
        (True, False),  # a store in memory: read whole at once
        (True, True),
    ],
)
def test_stored_references_give_each_skus_reference_images(
    tmp_path: Path, in_memory: bool, pickled: bool
) -> None:
    import pickle

    db = open_db(Path(":memory:")) if in_memory else open_db(tmp_path / "refs.db")
    lib.import_folder(db, embedder(), write_catalog_folder(tmp_path / "in", SKUS[:2]))
    refs = lib.StoredReferences(db)
    if pickled:
        refs = pickle.loads(pickle.dumps(refs))
    images = refs("SKU0002")
    assert len(images) == 3
    assert all(im.ndim == 3 and im.shape[2] == 3 and im.dtype == np.uint8 for im in images)
    assert refs("NOPE") == []
