"""References as users have them: a box on a shelf photo, a facing of a stored scan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from catalog_builders import catalog, embedder, scene, scene_file
from shelfscan import catalog as lib
from shelfscan.errors import CatalogError, ImageError
from shelfscan.imaging import load_image
from shelfscan.kpi import share_kpis, shelf_kpis
from shelfscan.layout import build_layout
from shelfscan.pipeline import merge_kpis
from shelfscan.recognition.records import SkuInfo
from shelfscan.store import catalog as store
from shelfscan.store import ensure_visit, open_db, save_scan
from shelfscan.store import references as ref_store
from shelfscan.types import CLASS_PRODUCT, ScanResult


@pytest.mark.parametrize(
    ("text", "box"),
    [("1,2,30,40", (1.0, 2.0, 30.0, 40.0)), (" 0.5, 1 ,2,3", (0.5, 1.0, 2.0, 3.0))],
)
def test_parse_box(text: str, box: tuple[float, ...]) -> None:
    assert lib.parse_box(text) == box


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "10,0,5,20", "0,10,20,10", ""])
def test_parse_box_refuses(text: str) -> None:
    with pytest.raises(CatalogError, match="--box"):
        lib.parse_box(text)


def product_boxes() -> tuple[np.ndarray, list[str]]:
    dets = scene(5).detections
    products = dets[dets.class_id == CLASS_PRODUCT]
    return products.xyxy, [str(s) for s in products.data["sku"]]


def test_add_from_boxes_on_a_shelf_photo(tmp_path: Path) -> None:
    db = open_db(tmp_path / "c.db")
    photo = scene_file(tmp_path, 5)
    xyxy, skus = product_boxes()
    first = skus[0]
    boxes = [(photo, tuple(float(v) for v in xyxy[i])) for i, s in enumerate(skus) if s == first][
        :2
    ]
    info = SkuInfo(first, brand=catalog().get(first).brand)
    report = lib.add_sku(db, embedder(), info, boxes=boxes)  # type: ignore[arg-type]
    assert (report.skus, report.images) == ([first], len(boxes))
    refs = store.references(db)
    assert {r["source"].split("#")[0] for r in refs} == {str(photo)}
    assert set(ref_store.load_cues(db, embedder().name)) == {r["id"] for r in refs}
    # the same box again is the same image: skipped, not stored twice
    assert lib.add_sku(db, embedder(), info, boxes=boxes[:1], append=True).images == 0


@pytest.mark.parametrize(
    ("box", "error"),
    [((5000.0, 0.0, 5100.0, 50.0), "outside"), ((0.0, 0.0, 10.0, 10.0), "too small")],
)
def test_a_box_that_cannot_be_a_reference(
    tmp_path: Path, box: tuple[float, ...], error: str
) -> None:
    db = open_db(tmp_path / "c.db")
    with pytest.raises((CatalogError, ImageError), match=error):
        lib.add_sku(db, embedder(), SkuInfo("X"), boxes=[(scene_file(tmp_path, 5), box)])  # type: ignore[list-item]
    assert not store.sku_ids(db)


def stored_scan(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A scan of one scene photo stored with a one-SKU catalog; (db, detection ids, true SKUs)."""
    db = open_db(tmp_path / "r.db")
    xyxy, skus = product_boxes()
    photo = scene_file(tmp_path, 5)
    lib.add_sku(db, embedder(), SkuInfo(skus[0]), boxes=[(photo, tuple(float(v) for v in xyxy[0]))])  # type: ignore[list-item]
    image, info = load_image(photo)
    gt = scene(5).detections
    gt = gt[gt.class_id == CLASS_PRODUCT]
    dets, layout = build_layout(gt, (info.width, info.height))
    rec = lib.build_recognizer(db, embedder())
    assert rec is not None
    dets = rec(image, dets, layout)
    ensure_visit(db, "V1", "S1")
    save_scan(
        db,
        "V1",
        ScanResult(
            info, dets, layout, merge_kpis([shelf_kpis(dets, layout), share_kpis(dets, layout)])
        ),
    )
    ids = [
        r[0]
        for r in db.execute("SELECT id FROM detections WHERE class_name = 'product' ORDER BY idx")
    ]
    return db, ids, [str(s) for s in dets.data["sku"]], [str(s) for s in gt.data["sku"]]


def test_a_labelled_facing_becomes_a_reference(tmp_path: Path) -> None:
    db, ids, _, truth = stored_scan(tmp_path)
    other = next(i for i, s in enumerate(truth) if s != truth[0])
    before = len(store.references(db))
    lib.label_facing(db, embedder(), ids[other], truth[other], SkuInfo(truth[other], brand="B"))
    assert truth[other] in store.sku_ids(db)
    assert len(store.references(db)) == before + 1
    assert any(r["source"] == f"facing:{ids[other]}" for r in store.references(db))
    # the next recognizer knows it: the same facing is now recognised as its SKU
    rec = lib.build_recognizer(db, embedder())
    assert rec is not None and truth[other] in rec.index.skus


def test_label_facing_refuses(tmp_path: Path) -> None:
    db, ids, _, truth = stored_scan(tmp_path)
    with pytest.raises(CatalogError, match="not in the catalog"):
        lib.label_facing(db, embedder(), ids[0], "NOPE")
    with pytest.raises(CatalogError, match="no stored product facing"):
        lib.label_facing(db, embedder(), 10_000, truth[0])


def test_a_changed_photo_is_refused(tmp_path: Path) -> None:
    db, ids, _, truth = stored_scan(tmp_path)
    (tmp_path / "scene5.png").write_bytes(b"")  # the file scanned is gone
    with pytest.raises((CatalogError, ImageError)):
        lib.label_facing(db, embedder(), ids[0], truth[0])


def test_missing_cues_are_computed_once(tmp_path: Path) -> None:
    """A catalog from before verification (no cues stored) gets them on first use."""
    db, _, _, _ = stored_scan(tmp_path)
    db.execute("DELETE FROM sku_image_cues")
    db.conn.commit()
    verifier = lib.load_verifier(db, embedder())
    assert len(ref_store.load_cues(db, embedder().name)) == len(store.references(db))
    assert all(s in verifier for s in store.sku_ids(db))


@pytest.mark.parametrize(("verify", "has_verifier"), [(True, True), (False, False)])
def test_the_scan_catalog_carries_the_cues(
    tmp_path: Path, verify: bool, has_verifier: bool
) -> None:
    """What scans build their recognizer from (``catalog_spec``) verifies unless told not to."""
    from shelfscan.recognition.settings import load_recognition_settings

    db, _, _, _ = stored_scan(tmp_path)
    spec = lib.catalog_spec(db, load_recognition_settings(verify=verify), embedder())
    assert spec is not None
    assert (len(spec.cues) > 0) == has_verifier
    rec = spec.build(embedder())
    assert (rec.verifier is not None) == has_verifier
