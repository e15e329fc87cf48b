"""`shelfscan prices import/show` and `scan --prices` end to end (real models, real SQLite)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from shelfscan.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "sample_images"
runner = CliRunner()


def test_import_reports_bad_line_and_imports_nothing(tmp_path: Path, db_path: Path) -> None:
    bad = tmp_path / "prices.csv"
    bad.write_text("sku,price\nA,4.99\nB,four\n", encoding="utf-8")
    result = runner.invoke(
        app, ["prices", "import", str(bad), "--store", "S1", "--db", str(db_path)]
    )
    assert result.exit_code == 1
    assert f"{bad}:3:" in result.stderr and "not a number" in result.stderr
    assert sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM prices").fetchone()[0] == 0


def test_import_needs_exactly_one_scope(tmp_path: Path, db_path: Path) -> None:
    good = tmp_path / "prices.csv"
    good.write_text("A,4.99\n", encoding="utf-8")
    result = runner.invoke(app, ["prices", "import", str(good), "--db", str(db_path)])
    assert result.exit_code == 1 and "exactly one" in result.stderr
    ok = runner.invoke(
        app, ["prices", "import", str(good), "--group", "north", "--db", str(db_path), "--json"]
    )
    assert ok.exit_code == 0 and json.loads(ok.stdout)["lines"] == 1


def test_scan_reads_prices_into_json_and_store(tmp_path: Path, db_path: Path) -> None:
    photo = tmp_path / "shelf.jpg"
    img = Image.open(SAMPLES / "shelf_01.jpg")
    img.thumbnail((1600, 1600))
    img.save(photo, "JPEG", quality=92)
    prices = tmp_path / "prices.csv"
    prices.write_text("sku,price\nX1,1.99\n", encoding="utf-8")
    assert (
        runner.invoke(
            app, ["prices", "import", str(prices), "--store", "S1", "--db", str(db_path)]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app, ["scan", str(photo), "--db", str(db_path), "--store", "S1", "--visit", "V1", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    (out,) = json.loads(result.stdout)["photos"]
    assert "kpis" in out and "rows" in out  # existing keys stay
    priced = out["prices"]
    assert priced["price_list"] is True and len(priced["tags"]) == out["kpis"]["price_tags"]
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT COUNT(*) FROM price_tags").fetchone()[0] == len(priced["tags"])
    synced = con.execute(
        "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%price_tags%'"
    ).fetchone()[0]
    assert synced >= 1  # price KPIs go out like the other KPIs
    shown = runner.invoke(app, ["prices", "show", "V1", "--db", str(db_path), "--json"])
    assert shown.exit_code == 0 and len(json.loads(shown.stdout)) == len(priced["tags"])
    off = runner.invoke(
        app, ["scan", str(photo), "--db", str(db_path), "--store", "S1", "--no-prices", "--json"]
    )
    assert json.loads(off.stdout)["photos"][0]["prices"] is None
