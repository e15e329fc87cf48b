"""`shelfscan review` on a real scan of a sample photo: the HTML review page (checked in
headless Chromium), the prompt (bare answer, undo, new SKU with name and brand,
not a product) and `rescore` dropping "not a product" facings from the KPIs."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from browser import SIZES, laid_out_width, needs_chromium, screenshot
from shelfscan.cli import app
from shelfscan.config import models_dir

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_images"
PHOTO = "shelf_03.jpg"
# SKUs on shelf_03 left out of the catalog, so that the scan has unknown facings
LEFT_OUT = ("SKU0180", "SKU0185")

pytestmark = pytest.mark.skipif(
    not (models_dir() / "detector.onnx").is_file()
    or not (models_dir() / "embedder.onnx").is_file(),
    reason="models not shipped",
)


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def scanned(tmp_path: Path) -> tuple[str, Path]:
    """A store with the sample catalog less two SKUs, and one sample photo scanned."""
    db = str(tmp_path / "r.db")
    assert run("catalog", "import", str(SAMPLES / "catalog"), "--db", db)[0] == 0
    assert run("catalog", "remove", *LEFT_OUT, "--db", db)[0] == 0
    photo = tmp_path / PHOTO
    shutil.copy(SAMPLES / PHOTO, photo)
    code, _out, err = run("scan", str(photo), "--visit", "V1", "--db", db, "--json")
    assert code == 0, err
    return db, photo


def _unknowns(db: str) -> list[dict[str, object]]:
    code, out, _ = run("review", "--list", "--json", "--db", db)
    assert code == 0
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def _products(db: str) -> int:
    with sqlite3.connect(db) as conn:  # what the shared scorecard counts as facings
        return int(
            conn.execute("SELECT COUNT(*) FROM detections WHERE class_name = 'product'").fetchone()[
                0
            ]
        )


def test_review_page_shows_crops_suggestions_and_candidates(
    scanned: tuple[str, Path], tmp_path: Path
) -> None:
    db, _ = scanned
    rows = _unknowns(db)
    assert len(rows) >= 2, "the left-out SKUs should give unknown facings"
    page = tmp_path / "review.html"
    code, _out, err = run("review", "--list", "--html", str(page), "--db", db)
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert html.count("<article") == len(rows)
    # each item: its crop and three candidate thumbnails, all embedded
    assert html.count("data:image/jpeg;base64,") == 4 * len(rows)
    assert "suggested:" in html and f"--id {rows[0]['id']}" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html


@needs_chromium
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review_page_in_headless_chromium(
    scanned: tuple[str, Path], tmp_path: Path, size: tuple[int, int]
) -> None:
    db, _ = scanned
    page = tmp_path / "review.html"
    assert run("review", "--list", "--html", str(page), "--db", db)[0] == 0
    img = screenshot(page, size, tmp_path / f"review-page-{size[0]}x{size[1]}.png")
    assert img.shape[:2] == (size[1], size[0])
    assert img[:40].mean() < 120 and img[150:].mean() > 150  # header band, light page
    assert laid_out_width(page, size[0]) <= size[0]  # no sideways scrolling


def test_prompt_accepts_undoes_creates_and_rejects(scanned: tuple[str, Path]) -> None:
    db, _ = scanned
    first, second = _unknowns(db)[:2]
    assert first["nearest_sku"], "the first unknown should have a suggestion"
    # Enter accepts the suggestion for #1; u takes it back; x: #1 is not a product;
    # n NEW1 asks name and brand for #2; q quits
    code, out, err = run(
        "review", "--db", db, "--no-show", stdin="\nu\nx\nn NEW1\nFresh juice\nAcme\nq\n"
    )
    assert code == 0, err
    assert "assigned undone" in out and "labelled 2 facing(s)" in out
    with sqlite3.connect(db) as conn:
        status = dict(conn.execute("SELECT id, status FROM unknown_facings").fetchall())
        sku = conn.execute("SELECT name, brand FROM skus WHERE id = 'NEW1'").fetchone()
        refs = conn.execute(
            "SELECT COUNT(*) FROM sku_images WHERE source = ?", [f"review:{first['id']}"]
        ).fetchone()[0]
    assert status[first["id"]] == "not_product" and status[second["id"]] == "new_sku"
    assert sku == ("Fresh juice", "Acme")
    assert refs == 0  # the undone assignment left no reference image behind


def test_not_a_product_leaves_the_kpis_on_rescore(scanned: tuple[str, Path]) -> None:
    db, _ = scanned
    target = _unknowns(db)[0]
    before = json.loads(run("report", "V1", "--db", db, "--json")[1])["kpis"]
    products = _products(db)
    code, _, err = run("review", "--id", str(target["id"]), "--not-product", "--db", db)
    assert code == 0, err
    assert _products(db) == products - 1  # the stored box is no product any more
    code, _out, err = run("rescore", "V1", "--db", db, "--json")
    assert code == 0, err
    after = json.loads(run("report", "V1", "--db", db, "--json")[1])["kpis"]
    assert after["facings"] == before["facings"] - 1
    assert after["unknown_facings"] == before["unknown_facings"] - 1
    # undo puts it back
    assert run("review", "--id", str(target["id"]), "--undo", "--db", db)[0] == 0
    assert run("rescore", "V1", "--db", db)[0] == 0
    again = json.loads(run("report", "V1", "--db", db, "--json")[1])["kpis"]
    assert again["facings"] == before["facings"] and _products(db) == products
