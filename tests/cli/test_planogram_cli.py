"""`shelfscan planogram ...` and `shelfscan report` in-process, against a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bay_builders import stored_visit
from shelfscan.cli import app
from shelfscan.config import models_dir
from shelfscan.store import open_db

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "planograms"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", ["bay.json", "bay.csv", "bay_azure.json", "bay.psa"])
def test_import_list_show(db_path: Path, name: str) -> None:
    code, out, err = run("planogram", "import", str(ASSETS / name), "--db", str(db_path))
    assert code == 0, err
    assert "imported BAY1: 3 shelves, 7 positions, 17 facings" in out
    code, out, _ = run("planogram", "list", "--db", str(db_path), "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == ["BAY1"]
    code, out, _ = run("planogram", "show", "BAY1", "--db", str(db_path))
    assert code == 0 and "shelf 1: 4711x3  4712x2  4713x1" in out
    code, out, _ = run("planogram", "show", "BAY1", "--db", str(db_path), "--json")
    assert json.loads(out)["shelves"][2][1] == {"sku": "6002", "facings": 3, "width_mm": 100.0}


def test_reimport_needs_replace(db_path: Path) -> None:
    path = str(ASSETS / "bay.csv")
    assert run("planogram", "import", path, "--db", str(db_path))[0] == 0
    code, _, err = run("planogram", "import", path, "--db", str(db_path))
    assert code == 1 and "already imported" in err and "--replace" in err
    assert run("planogram", "import", path, "--db", str(db_path), "--replace")[0] == 0


def test_assign_to_store_and_group(db_path: Path) -> None:
    db = str(db_path)
    run("planogram", "import", str(ASSETS / "bay.json"), "--db", db)
    assert run("planogram", "assign", "BAY1", "--store", "S1", "--db", db)[0] == 0
    assert run("planogram", "group", "north", "S2", "S3", "--db", db)[0] == 0
    assert run("planogram", "assign", "BAY1", "--group", "north", "--db", db)[0] == 0
    listed = json.loads(run("planogram", "list", "--db", db, "--json")[1])[0]
    assert listed["stores"] == ["S1"] and listed["groups"] == ["north"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["planogram", "import", "{tmp}/bad.csv"], "bad.csv:1: wrong header"),
        (["planogram", "import", "{tmp}/none.csv"], "none.csv: no such file"),
        (["planogram", "import", str(ASSETS / "bay.csv"), "--format", "xml"], "valid: json, csv"),
        (["planogram", "show", "NOPE"], "no planogram 'NOPE'"),
        (["planogram", "assign", "NOPE", "--store", "S1"], "no planogram 'NOPE'"),
        (["planogram", "assign", "NOPE"], "exactly one of a store or a store group"),
        (["report", "NOPE"], "no visit 'NOPE'"),
    ],
)
def test_errors_are_one_red_line(
    tmp_path: Path, db_path: Path, args: list[str], fragment: str
) -> None:
    (tmp_path / "bad.csv").write_text("bay,shelf,sku\nB,1,x\n")
    open_db(db_path)  # read commands refuse a database that does not exist
    code, out, err = run(*[a.format(tmp=tmp_path) for a in args], "--db", str(db_path))
    assert code == 1
    assert fragment in err and err.startswith("Error:")
    assert "Traceback" not in err + out


def test_report_prints_kpis_and_writes_files(tmp_path: Path, db_path: Path) -> None:
    _, visit, _ = stored_visit(tmp_path, db_path)
    html, images = tmp_path / "out" / "visit.html", tmp_path / "out" / "img"
    # the HTML page's folder must exist: a typo in it is an error, not a new folder
    code, out, err = run("report", visit, "--db", str(db_path), "--html", str(html))
    assert code == 1 and "no such folder" in err and not html.exists()
    html.parent.mkdir()
    code, out, err = run(
        "report", visit, "--db", str(db_path), "--html", str(html), "--images", str(images)
    )
    assert code == 0, err
    assert "Planogram compliance" in out and "Refill SKU" in out
    assert html.is_file() and len(list(images.glob("*.jpg"))) == 1
    code, out, _ = run("report", visit, "--db", str(db_path), "--json")
    data = json.loads(out)
    assert data["visit"] == visit and data["photos"][0]["planogram"] == "BAY"
    assert data["actions"][0]["text"].startswith("Refill SKU")


@pytest.mark.skipif(
    not (models_dir() / "detector.onnx").is_file(), reason="models/detector.onnx not shipped yet"
)
def test_scan_with_the_stores_planogram(tmp_path: Path, db_path: Path) -> None:
    import cv2

    from shelfscan.datasets.synthetic import SceneConfig, generate_scene

    scene = generate_scene(3, SceneConfig(camera_strength=0), size=(1000, 750))
    cv2.imwrite(str(tmp_path / "p.jpg"), scene.image)
    bay = {
        "id": "B3",
        "shelves": [[{"sku": s, "facings": n} for s, n in shelf] for shelf in scene.spec.planogram],
    }
    (tmp_path / "b3.json").write_text(json.dumps(bay))
    db = str(db_path)
    assert run("planogram", "import", str(tmp_path / "b3.json"), "--db", db)[0] == 0
    assert run("planogram", "assign", "B3", "--store", "S9", "--db", db)[0] == 0
    code, out, err = run(
        "scan", str(tmp_path / "p.jpg"), "--store", "S9", "--visit", "V9", "--db", db, "--json"
    )
    assert code == 0, err
    assert "planogram_compliance" in json.loads(out)["photos"][0]["kpis"]
    code, out, _ = run("scan", str(tmp_path / "p.jpg"), "--planogram", "NOPE", "--db", db)
    assert code == 1


def test_import_checks_skus_against_the_catalog(db_path: Path) -> None:
    from shelfscan.store import open_db

    db = open_db(db_path)
    db.execute("INSERT INTO skus (id, created_at) VALUES ('4711', 'now'), ('4712', 'now')")
    code, _, err = run("planogram", "import", str(ASSETS / "bay.csv"), "--db", str(db_path))
    assert code == 1 and "bay.csv:4: unknown SKU '4713', not in the catalog" in err
