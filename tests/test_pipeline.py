"""The composition root: every entry point runs the same stages (real models, real SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from typer.testing import CliRunner

from catalog_builders import catalog, embedder, embedder_path, scene, write_catalog_folder
from shelfscan import catalog as lib
from shelfscan.cli import app
from shelfscan.config import Settings, models_dir
from shelfscan.pipeline import PipelineSpec, ScanContext, load_spec
from shelfscan.planogram import Planogram
from shelfscan.store import catalog as store_catalog
from shelfscan.store import ensure_visit, open_db
from shelfscan.store.planogram import assign_planogram, save_planogram

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def shop(tmp: Path) -> tuple[str, Path]:
    """A store S1 with half the scene's SKUs in the catalog, a planogram and a must-have
    list; returns the database path and the scene photo as a 3 s video."""
    embedder_path()
    if not (models_dir() / "detector.onnx").is_file():
        pytest.skip("detector model not found")
    db_path = tmp / "shop.db"
    db = open_db(db_path)
    sc = scene(5)
    on_shelf = sorted(set(sc.detections.data["sku"].tolist()) - {""})
    lib.import_folder(db, embedder(), write_catalog_folder(tmp / "refs", on_shelf[::2]))
    width = {s: catalog().get(s).width_mm for shelf in sc.spec.planogram for s, _ in shelf}
    plan = Planogram.from_blocks(
        "P1", [[(s, n, width[s]) for s, n in sh] for sh in sc.spec.planogram]
    )
    save_planogram(db, plan, "json")
    ensure_visit(db, "V0", "S1")
    assign_planogram(db, "P1", store_id="S1")
    store_catalog.set_must_have(db, "S1", on_shelf[::2][:2])
    h, w = sc.image.shape[:2]
    video = tmp / "aisle.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (w, h))
    for _ in range(30):
        writer.write(sc.image)
    writer.release()
    return str(db_path), video


def test_capture_runs_the_same_stages_as_scan(tmp_path: Path) -> None:
    db, video = shop(tmp_path)
    kept = tmp_path / "kept"
    code, out, err = run(
        "capture", str(video), "--db", db, "--store", "S1", "--visit", "V1",
        "--out", str(kept), "--max-photos", "1", "--json",
    )  # fmt: skip
    assert code == 0, err
    captured = json.loads(out)["photos"][0]
    (photo,) = kept.glob("*.jpg")
    code, out, err = run("scan", str(photo), "--db", db, "--store", "S1", "--visit", "V2", "--json")
    assert code == 0, err
    scanned = json.loads(out)["photos"][0]
    for key in ("planogram_compliance", "recognized_facings", "assortment_presence", "facings"):
        assert key in captured["kpis"], key  # recognition, planogram and share stages ran
    assert captured["kpis"] == scanned["kpis"]
    assert captured["gaps"] == scanned["gaps"] and captured["rows"] == scanned["rows"]
    con = open_db(Path(db))
    assert con.execute("SELECT COUNT(*) FROM planogram_matches").fetchone()[0] == 2
    skus = [
        [r[0] for r in con.execute(
            "SELECT d.sku FROM detections d JOIN photos p ON p.id = d.photo_id"
            " WHERE p.visit_id = ? ORDER BY d.idx", [v])]
        for v in ("V1", "V2")
    ]  # fmt: skip
    assert skus[0] == skus[1] and any(skus[0])


def test_spec_holds_each_store_s_planograms_and_must_have(tmp_path: Path) -> None:
    db_path, _ = shop(tmp_path)
    db = open_db(Path(db_path))
    spec = load_spec(db, Settings(), ["S1", "S2", None])
    assert [p.id for p in spec.planograms["S1"]] == ["P1"]
    assert "S2" not in spec.planograms and "" not in spec.planograms  # none assigned
    assert len(spec.must_have["S1"]) == 2 and spec.must_have["S2"] == frozenset()
    forced = load_spec(db, Settings(), ["S2"], planogram_id="P1")
    assert [p.id for p in forced.planograms["S2"]] == ["P1"]  # --planogram applies anywhere


def test_pipeline_spec_pickles() -> None:
    import pickle

    spec = PipelineSpec(must_have={"S1": frozenset({"A"})})
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert ScanContext("S1") == pickle.loads(pickle.dumps(ScanContext("S1")))
