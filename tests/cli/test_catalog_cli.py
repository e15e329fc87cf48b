"""`shelfscan catalog ...`, `review` and `rescore` in-process, real SQLite and ONNX models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog_builders import embedder_path, scene, scene_file, write_catalog_folder
from shelfscan.cli import app
from shelfscan.config import models_dir
from shelfscan.store import open_db

runner = CliRunner()
SKUS = ["SKU0001", "SKU0002", "SKU0003"]


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_add_list_export_remove_import(tmp_path: Path) -> None:
    embedder_path()
    db = str(tmp_path / "c.db")
    src = write_catalog_folder(tmp_path / "src", SKUS)
    code, out, err = run(
        "catalog",
        "add",
        "SKU0001",
        *map(str, (src / "SKU0001").iterdir()),
        "--brand",
        "Acme",
        "--width-mm",
        "80",
        "--db",
        db,
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["images"] == 3
    code, out, _ = run("catalog", "list", "--db", db, "--json")
    assert [(r["sku"], r["brand"], r["width_mm"], r["images"]) for r in json.loads(out)] == [
        ("SKU0001", "Acme", 80.0, 3)
    ]
    code, _, err = run(
        "catalog", "add", "SKU0001", str(next((src / "SKU0002").iterdir())), "--db", db
    )
    assert code == 1 and "already in the catalog" in err  # duplicate id
    assert run("catalog", "export", str(tmp_path / "out"), "--db", db)[0] == 0
    assert (tmp_path / "out" / "catalog.csv").is_file()
    assert run("catalog", "remove", "SKU0001", "--db", db)[0] == 0
    code, _, err = run("catalog", "remove", "SKU0001", "--db", db)
    assert code == 1 and "not in the catalog: SKU0001" in err
    code, out, _ = run("catalog", "import", str(tmp_path / "out"), "--db", db)
    assert code == 0 and "3 reference image(s) to 1 SKU(s)" in out


def test_bad_import_is_one_red_line(tmp_path: Path) -> None:
    embedder_path()
    db = str(tmp_path / "c.db")
    src = write_catalog_folder(tmp_path / "src", SKUS)
    (src / "SKU0002" / "photo.png").write_bytes(b"garbage")
    code, out, err = run("catalog", "import", str(src), "--db", db)
    assert code == 1 and "photo.png: not an image" in err and "Traceback" not in err + out
    assert json.loads(run("catalog", "list", "--db", db, "--json")[1]) == []
    code, _, err = run("catalog", "add", "X", str(tmp_path / "missing.jpg"), "--db", db)
    assert code == 1 and "missing.jpg" in err


def test_must_have(tmp_path: Path) -> None:
    embedder_path()
    db = str(tmp_path / "c.db")
    run("catalog", "import", str(write_catalog_folder(tmp_path / "src", SKUS)), "--db", db)
    code, out, _ = run("catalog", "must-have", "S1", "SKU0001", "SKU0003", "--db", db, "--json")
    assert code == 0 and json.loads(out)["must_have"] == ["SKU0001", "SKU0003"]
    code, _, err = run("catalog", "must-have", "S1", "NOPE", "--db", db)
    assert code == 1 and "NOPE" in err


def test_review_option_errors(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    code, _, err = run("review", "--db", db)
    assert code == 1 and "no such database" in err  # a read command creates no database
    open_db(Path(db))
    code, _, err = run("review", "--id", "1", "--db", db)
    assert code == 1 and "exactly one of" in err
    code, out, _ = run("review", "--db", db)
    assert code == 0 and "no unknown facings" in out
    code, _, err = run("review", "--id", "5", "--not-product", "--db", db)
    assert code == 1 and "no unknown facing with id 5" in err


@pytest.mark.slow
def test_scan_review_rescore(tmp_path: Path) -> None:
    """Scan with a catalog, label an unknown facing interactively, re-score the visit."""
    embedder_path()
    if not (models_dir() / "detector.onnx").is_file():
        pytest.skip("detector model not found")
    db = str(tmp_path / "c.db")
    on_shelf = sorted(set(scene(5).detections.data["sku"].tolist()) - {""})
    run("catalog", "import", str(write_catalog_folder(tmp_path / "src", on_shelf[::2])), "--db", db)
    photo = scene_file(tmp_path, 5)
    code, out, err = run("scan", str(photo), "--visit", "V1", "--db", db, "--json")
    assert code == 0, err
    kpis = json.loads(out)["photos"][0]["kpis"]
    assert kpis["recognized_facings"] + kpis["unknown_facings"] == kpis["facings"]
    code, out, _ = run("review", "--list", "--json", "--crops", str(tmp_path / "crops"), "--db", db)
    unknowns = json.loads(out)
    assert code == 0 and len(unknowns) == kpis["unknown_facings"]
    if not unknowns:
        pytest.skip("the detector found no unknown facing")
    assert (tmp_path / "crops" / f"unknown-{unknowns[0]['id']}.jpg").is_file()
    # interactive: a bad answer is re-asked, then a new SKU, then quit
    code, out, err = run(
        "review",
        "--db",
        db,
        "--crops",
        str(tmp_path / "c2"),
        stdin="zzz\nn NEW1 Fresh juice\nAcme\nq\n",
    )
    assert code == 0 and "labelled 1 facing(s)" in out, err
    code, out, _ = run("catalog", "list", "--db", db, "--json")
    assert "NEW1" in [r["sku"] for r in json.loads(out)]
    code, out, err = run("rescore", "V1", "--db", db, "--json")
    assert code == 0, err
    assert json.loads(out)[0]["error"] is None
    code, _, err = run("rescore", "NOPE", "--db", db)
    assert code == 1 and "no visit 'NOPE'" in err


def test_add_from_a_box_on_a_shelf_photo(tmp_path: Path) -> None:
    embedder_path()
    db = str(tmp_path / "c.db")
    photo = scene_file(tmp_path, 5)
    x1, y1, x2, y2 = (int(v) for v in scene(5).detections.xyxy[0])
    box = f"{x1},{y1},{x2},{y2}"
    args = ("catalog", "add", "SHELF1", "--from-photo", str(photo), "--box", box, "--db", db)
    code, out, err = run(*args, "--json")
    assert code == 0, err
    assert json.loads(out)["images"] == 1
    code, _, err = run("catalog", "add", "SHELF2", "--box", box, "--db", db)
    assert code == 1 and "--from-photo and --box go together" in err
    code, _, err = run("catalog", "add", "SHELF2", "--db", db)
    assert code == 1 and "give reference photos" in err
    code, _, err = run(
        "catalog", "add", "SHELF2", "--from-photo", str(photo), "--box", "1,2,3", "--db", db
    )
    assert code == 1 and "x1,y1,x2,y2" in err
