"""The product as a user meets it: scan output (summary columns, JSON facings, duplicates,
literal file names), visits filters and delete, read commands on a missing database,
help without ``<bool>``, ``--version``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
from typer.testing import CliRunner

from catalog_builders import scene
from shelfscan.cli import app
from shelfscan.cli._output import summary_table
from shelfscan.config import models_dir
from shelfscan.pipeline import PhotoOutcome
from shelfscan.store import ensure_visit, open_db

needs_detector = pytest.mark.skipif(
    not (models_dir() / "detector.onnx").is_file(), reason="models/detector.onnx not shipped"
)


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env={"COLUMNS": "140"})
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("shelfscan ")


@pytest.mark.parametrize(
    "command", [["scan"], ["report"], ["review"], ["planogram", "import"], ["export"]]
)
def test_help_shows_no_bool_type_for_flags(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0 and "<bool>" not in out and "--help" in out


@needs_detector
def test_scan_json_and_summary_on_a_literal_file_name(tmp_path: Path) -> None:
    photo = tmp_path / "shelf [v2].jpg"
    cv2.imwrite(str(photo), scene(5).image)
    db = str(tmp_path / "s.db")
    code, out, err = run("scan", str(photo), "--visit", "V1", "--db", db)
    assert code == 0, err
    assert "shelf [v2].jpg" in out  # rich markup would print "shelf .jpg"
    code, out, _ = run("scan", str(photo), "--visit", "V1", "--db", db, "--json")
    (p,) = json.loads(out)["photos"]
    # the keys the shared scorecard reads are still there
    assert {"path", "width", "height", "rows", "gaps", "kpis", "timings_ms"} <= set(p)
    assert p["boxes"] and set(p["boxes"][0]) >= {
        "xyxy",
        "class",
        "score",
        "row",
        "sku",
        "brand",
        "match_score",
    }
    assert all("confidence" in g for g in p["gaps"])
    assert sum(b["class"] == "product" for b in p["boxes"]) >= p["facings"]


@needs_detector
def test_duplicate_photo_is_said_and_not_counted(tmp_path: Path) -> None:
    first, again = tmp_path / "a.jpg", tmp_path / "a_again.jpg"
    image = scene(6).image
    cv2.imwrite(str(first), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    cv2.imwrite(str(again), image, [cv2.IMWRITE_JPEG_QUALITY, 80])  # other bytes, same view
    db = str(tmp_path / "d.db")
    assert run("scan", str(first), "--visit", "V1", "--db", db)[0] == 0
    code, out, err = run("scan", str(again), "--visit", "V1", "--db", db)
    assert code == 0, err
    assert "duplicate of photo" in out and "not counted" in out
    code, out, _ = run("report", "V1", "--db", db, "--json")
    report = json.loads(out)
    assert report["kpis"]["photos_duplicate"] == 1
    one = json.loads(run("show", "V1", "--db", db, "--json")[1])["photos"][0]["kpis"]
    assert report["kpis"]["facings"] == one["facings"]  # counted once


def test_summary_table_columns_follow_the_stages() -> None:
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(summary_table([PhotoOutcome(Path("x.jpg"), error="bad")]))
    text = console.export_text()
    assert "facings" in text and "compliance" not in text and "known" not in text


@needs_detector
def test_failed_scan_leaves_no_empty_visit(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg at all")
    db = str(tmp_path / "f.db")
    code, _, err = run("scan", str(bad), "--visit", "GONE", "--db", db)
    assert code == 1 and "broken.jpg" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM visits").fetchone()[0] == 0


def _visits(db: Path) -> None:
    store = open_db(db)
    for visit, shop, rep in (("V1", "S1", "ann"), ("V2", "S2", "bob"), ("V3", "S1", "bob")):
        ensure_visit(store, visit, shop, rep)
    store.execute("UPDATE visits SET started_at = '2026-11-01T09:00:00+00:00' WHERE id = 'V1'")
    store.execute("UPDATE visits SET started_at = '2026-11-15T09:00:00+00:00' WHERE id = 'V2'")
    store.execute("UPDATE visits SET started_at = '2026-11-30T23:59:00+00:00' WHERE id = 'V3'")


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        ([], ["V3", "V2", "V1"]),  # all, newest first
        (["--store", "S1"], ["V3", "V1"]),
        (["--rep", "bob"], ["V3", "V2"]),
        (["--since", "2026-11-15"], ["V3", "V2"]),
        (["--until", "2026-11-30"], ["V3", "V2", "V1"]),  # the whole last day
        (["--store", "S1", "--rep", "bob", "--until", "2026-11-29"], []),
    ],
)
def test_visits_filters(tmp_path: Path, args: list[str], ids: list[str]) -> None:
    _visits(tmp_path / "v.db")
    code, out, err = run("visits", *args, "--db", str(tmp_path / "v.db"), "--json")
    assert code == 0, err
    assert [v["id"] for v in json.loads(out)] == ids


def test_visits_bad_date_is_one_line(tmp_path: Path) -> None:
    _visits(tmp_path / "v.db")
    code, _, err = run("visits", "--since", "yesterday", "--db", str(tmp_path / "v.db"))
    assert code == 1 and "--since must be a date YYYY-MM-DD" in err


def test_delete_visit(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    _visits(db)
    code, _, _ = run("delete", "V2", "--db", str(db), stdin="n\n")
    assert code == 1  # declined: nothing deleted
    assert run("delete", "V2", "--yes", "--db", str(db))[0] == 0
    ids = [v["id"] for v in json.loads(run("visits", "--db", str(db), "--json")[1])]
    assert ids == ["V3", "V1"]
    code, _, err = run("delete", "V2", "--yes", "--db", str(db))
    assert code == 1 and "no visit 'V2'" in err


@pytest.mark.parametrize(
    "command",
    [["visits"], ["show", "V1"], ["report", "V1"], ["export", "--all"], ["delete", "V1"]],
)
def test_read_commands_refuse_a_missing_database(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo.db"
    code, _, err = run(*command, "--db", str(missing))
    assert code == 1 and "no such database" in err
    assert not missing.exists()


def test_opencv_and_ffmpeg_warnings_do_not_leak(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    shelfscan = Path(sys.prefix) / "bin" / "shelfscan"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCV")}
    done = subprocess.run(
        [
            str(shelfscan),
            "capture",
            str(bad),
            "--db",
            str(tmp_path / "c.db"),
            "--open-timeout",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [f"Error: {bad}: video file cannot be decoded"], done.stderr


def test_catalog_import_reports_progress(tmp_path: Path) -> None:
    from shelfscan.catalog import import_folder
    from shelfscan.recognition.embedder import Embedder

    calls: list[tuple[str, int, int]] = []
    folder = Path(__file__).resolve().parents[2] / "sample_images" / "catalog"
    embedder = Embedder.from_path(models_dir() / "embedder.onnx", 1)
    report = import_folder(
        open_db(tmp_path / "p.db"), embedder, folder, progress=lambda *a: calls.append(a)
    )
    n = len(report.skus)
    assert n > 0
    assert [c for c in calls if c[0] == "reading"] == [("reading", i, n) for i in range(1, n + 1)]
    assert calls[-1] == ("embedding", n, n)


def test_scanning_the_samples_folder_skips_the_catalog_inside_it() -> None:
    from shelfscan.imaging import iter_image_paths

    samples = Path(__file__).resolve().parents[2] / "sample_images"
    found = list(iter_image_paths([samples]))
    assert [p.name for p in found] == sorted(p.name for p in samples.glob("shelf_*.jpg"))
    # the catalog folder itself can still be scanned when named
    assert len(list(iter_image_paths([samples / "catalog"]))) == len(
        list((samples / "catalog").glob("*/*.jpg"))
    )
