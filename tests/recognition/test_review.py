"""Review unknown facings and re-score a stored visit: the loop that grows the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog_builders import embedder, scene, scene_file, write_catalog_folder
from shelfscan import catalog as lib
from shelfscan.errors import CatalogError
from shelfscan.imaging import load_image
from shelfscan.kpi import share_kpis, shelf_kpis
from shelfscan.layout import build_layout
from shelfscan.pipeline import PipelineSpec, ScanContext, merge_kpis, rescore_visit
from shelfscan.recognition.matcher import UNKNOWN
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.settings import load_recognition_settings
from shelfscan.store import catalog as store
from shelfscan.store import ensure_visit, open_db, save_scan
from shelfscan.types import CLASS_PRODUCT, ScanResult


@pytest.fixture
def visit(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A stored visit of one scene photo; half of its SKUs are not in the catalog."""
    db = open_db(tmp_path / "r.db")
    sc = scene(5)
    on_shelf = sorted(set(sc.detections.data["sku"].tolist()) - {""})
    lib.import_folder(db, embedder(), write_catalog_folder(tmp_path / "in", on_shelf[::2]))
    image, info = load_image(scene_file(tmp_path, 5))
    gt = sc.detections[sc.detections.class_id == CLASS_PRODUCT]
    dets, layout = build_layout(gt.with_data(truth=gt.data["sku"]), (info.width, info.height))
    rec = lib.build_recognizer(db, embedder())
    assert rec is not None
    dets = rec(image, dets, layout)
    ensure_visit(db, "V1", "S1")
    kpis = merge_kpis([shelf_kpis(dets, layout), share_kpis(dets, layout)])
    save_scan(db, "V1", ScanResult(info, dets, layout, kpis))
    return db, dets


def test_unknowns_stored_with_crops(visit) -> None:  # type: ignore[no-untyped-def]
    db, dets = visit
    unknown = [i for i, s in enumerate(dets.data["sku"]) if s == UNKNOWN]
    assert [r["det_idx"] for r in store.list_unknowns(db)] == unknown
    assert all(store.unknown_crop(db, r["id"])[:2] == b"\xff\xd8" for r in store.list_unknowns(db))


def test_review_actions(visit) -> None:  # type: ignore[no-untyped-def]
    db, _ = visit
    rows = store.list_unknowns(db)
    if len(rows) < 3:
        pytest.skip("scene has fewer than 3 unknown facings")
    before = len(store.references(db))
    lib.assign(db, embedder(), rows[0]["id"], store.list_skus(db)[0]["sku"])
    lib.create_sku(db, embedder(), rows[1]["id"], SkuInfo("NEW1", brand="Fresh"))
    lib.not_product(db, rows[2]["id"])
    assert len(store.references(db)) == before + 2  # labelled crops join the catalog
    assert store.sku_infos(db)["NEW1"].brand == "Fresh"
    statuses = {r["id"]: r["status"] for r in store.list_unknowns(db, status=None)}
    assert [statuses[r["id"]] for r in rows[:3]] == ["assigned", "new_sku", "not_product"]
    with pytest.raises(CatalogError, match="already reviewed"):
        lib.not_product(db, rows[0]["id"])
    with pytest.raises(CatalogError, match="not in the catalog"):
        lib.assign(db, embedder(), rows[3]["id"] if len(rows) > 3 else rows[0]["id"], "NOPE")
    with pytest.raises(CatalogError, match="no unknown facing with id 99999"):
        lib.not_product(db, 99999)


def rescorer(db, must_have: dict[str, frozenset[str]] | None = None):  # type: ignore[no-untyped-def]
    """The pipeline ``shelfscan rescore`` builds: the store's catalog, no detector."""
    emb = embedder()
    spec = lib.catalog_spec(db, load_recognition_settings(), emb)
    assert spec is not None
    pipeline = PipelineSpec(catalog=spec, must_have=must_have or {}).build(detect=False)
    return pipeline


def test_rescore_after_labelling(visit) -> None:  # type: ignore[no-untyped-def]
    db, dets = visit
    truth = dets.data["truth"]
    rows = store.list_unknowns(db)
    target = next((r for r in rows if truth[r["det_idx"]] not in store.sku_ids(db)), None)
    if target is None:
        pytest.skip("no unknown facing of an uncatalogued SKU in this scene")
    new_sku = str(truth[target["det_idx"]])
    lib.create_sku(db, embedder(), target["id"], SkuInfo(new_sku, brand="NewBrand"))
    pipeline = rescorer(db, {"S1": frozenset({new_sku})})
    (outcome,) = rescore_visit(pipeline, db, "V1", ScanContext("S1"))
    assert outcome.error is None
    sku = db.execute("SELECT sku FROM detections WHERE idx = ?", [target["det_idx"]]).fetchone()[0]
    assert sku == new_sku
    presence = db.execute("SELECT value FROM kpis WHERE name = 'assortment_presence'").fetchone()[0]
    assert presence == 1.0
    # shelf KPIs are kept; share KPIs are replaced, not duplicated
    assert db.execute("SELECT COUNT(*) FROM kpis WHERE name = 'facings'").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM kpis WHERE name = 'unknown_facings'").fetchone()[0] == 1


def test_rescore_reports_a_changed_photo(visit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _ = visit
    (tmp_path / "scene5.png").write_bytes(b"changed")
    pipeline = rescorer(db)
    (outcome,) = rescore_visit(pipeline, db, "V1", ScanContext("S1"))
    assert outcome.error is not None and "scene5.png" in outcome.error
    with pytest.raises(CatalogError, match="no visit 'NOPE'"):
        rescore_visit(pipeline, db, "NOPE", ScanContext())
