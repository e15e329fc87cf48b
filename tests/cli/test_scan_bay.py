"""`scan --bay`, duplicate photos and `--strict-quality`, end to end with the shipped
detector and a real SQLite store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from shelfscan.cli import app
from shelfscan.datasets.synthetic import SceneConfig, generate_scene
from shelfscan.layout.bay_synthetic import make_bay_shots

runner = CliRunner()


def read(path: Path) -> np.ndarray:
    img = cv2.imread(str(path))
    assert img is not None
    return img


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def bay_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], int]:
    folder = tmp_path_factory.mktemp("bay")
    shots = make_bay_shots(1, 3, 0.3, height=720, shot_width=960)
    paths = []
    for i, img in enumerate(shots.images):
        paths.append(folder / f"bay_{i}.jpg")
        cv2.imwrite(str(paths[-1]), img, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return paths, shots.products


def test_scan_bay_counts_overlaps_once(bay_files: tuple[list[Path], int], db_path: Path) -> None:
    paths, truth = bay_files
    code, out, err = run("scan", *map(str, paths), "--bay", "--db", str(db_path), "--json")
    assert code == 0, err
    data = json.loads(out)
    bay = data["bay"]
    summed = sum(p["facings"] for p in data["photos"])
    assert bay["method"] == "features" and not bay["warnings"]
    assert bay["merged_duplicates"] > 0 and bay["facings"] < summed
    assert abs(bay["facings"] - truth) <= 0.1 * truth  # detector-level accuracy
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT facings FROM bays").fetchone()[0] == bay["facings"]
    assert con.execute("SELECT COUNT(*) FROM bay_photos").fetchone()[0] == 3
    # The visit's totals count the bay once, not the sum of its overlapping photos.
    code, out, _ = run("visits", "--db", str(db_path), "--json")
    assert code == 0 and json.loads(out)[0]["facings"] == bay["facings"]
    # ... and so does the report (108 facings for a bay of 81 before)
    code, out, _ = run("report", data["visit"], "--db", str(db_path), "--json")
    assert code == 0 and json.loads(out)["kpis"]["facings"] == bay["facings"]


def test_bay_photos_that_do_not_overlap(tmp_path: Path, db_path: Path) -> None:
    cfg = SceneConfig(camera_strength=0.0)
    paths = []
    for seed in (61, 62):
        paths.append(tmp_path / f"s{seed}.jpg")
        cv2.imwrite(str(paths[-1]), generate_scene(seed, cfg, size=(960, 720)).image)
    code, _, err = run("scan", *map(str, paths), "--bay", "--db", str(db_path))
    assert code == 0, err
    assert "s62.jpg does not overlap s61.jpg" in err
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 2  # both kept


def test_duplicate_photo_is_flagged_not_counted(
    bay_files: tuple[list[Path], int], tmp_path: Path, db_path: Path
) -> None:
    src = bay_files[0][0]
    copy = tmp_path / "again.jpg"
    cv2.imwrite(str(copy), read(src), [cv2.IMWRITE_JPEG_QUALITY, 70])
    code, _, err = run("scan", str(src), "--db", str(db_path), "--visit", "V1")
    assert code == 0, err
    code, _, err = run("scan", str(copy), "--db", str(db_path), "--visit", "V2")
    assert code == 0, err
    assert "again.jpg:" in err and "duplicate" in err
    con = sqlite3.connect(db_path)
    per_visit = dict(
        con.execute(
            "SELECT visit_id, SUM(value) FROM kpis WHERE name = 'facings' AND scope = ''"
            " GROUP BY visit_id"
        ).fetchall()
    )
    assert "V2" not in per_visit and per_visit["V1"] > 0


def test_strict_quality_refuses_blurred_photo(
    bay_files: tuple[list[Path], int], tmp_path: Path, db_path: Path
) -> None:
    bad = tmp_path / "blurred.jpg"
    cv2.imwrite(str(bad), cv2.GaussianBlur(read(bay_files[0][0]), (0, 0), 5))
    code, _, err = run("scan", str(bad), "--db", str(db_path))
    assert code == 0 and "hold the phone still" in err  # a warning by default
    code, _, err = run("scan", str(bad), "--db", str(db_path), "--strict-quality", "--visit", "S")
    assert code == 1 and f"{bad}: refused by the quality gate" in err
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT COUNT(*) FROM photos WHERE visit_id = 'S'").fetchone()[0] == 0


def test_bay_of_one_photo_is_an_error_but_the_photo_is_kept(
    bay_files: tuple[list[Path], int], db_path: Path
) -> None:
    code, _, err = run("scan", str(bay_files[0][0]), "--bay", "--db", str(db_path))
    assert code == 1 and "a bay needs at least 2 scanned photos, got 1 of 1" in err
    assert sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 1
