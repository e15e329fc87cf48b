"""Price lists in SQLite: atomic import, store over group, tags stored with each scan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import dets, shelf_row_boxes
from shelfscan.errors import PriceListError
from shelfscan.kpi import shelf_kpis
from shelfscan.layout import build_layout
from shelfscan.report.visit import load_visit_report
from shelfscan.store import ensure_visit, open_db, save_scan
from shelfscan.store.planogram import add_stores_to_group
from shelfscan.store.prices import import_price_list, photo_price_tags, prices_for_store
from shelfscan.types import PhotoInfo, PriceCheck, PriceReadings, PriceTag, ScanResult


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_line_imports_nothing(tmp_path: Path, db_path: Path) -> None:
    db = open_db(db_path)
    import_price_list(db, write(tmp_path, "ok.csv", "sku,price\nA,4.99\n"), store_id="S1")
    bad = write(tmp_path, "bad.csv", "sku,price\nA,5.49\nB,1,x\n")
    with pytest.raises(PriceListError, match=r"bad\.csv:3:"):
        import_price_list(db, bad, store_id="S1")
    assert prices_for_store(db, "S1")["A"].price == 4.99  # the old list is untouched
    assert db.execute("SELECT COUNT(*) FROM prices").fetchone()[0] == 1


def test_store_list_wins_over_group_list(tmp_path: Path, db_path: Path) -> None:
    db = open_db(db_path)
    ensure_visit(db, "V1", "S1")
    add_stores_to_group(db, "north", ["S1"])
    import_price_list(db, write(tmp_path, "g.csv", "sku,price\nA,4.99\nB,2.00\n"), group_id="north")
    assert {k: e.price for k, e in (prices_for_store(db, "S1") or {}).items()} == {
        "A": 4.99,
        "B": 2.0,
    }
    import_price_list(db, write(tmp_path, "s.csv", "sku,price\nA,5.29\n"), store_id="S1")
    assert {k: e.price for k, e in (prices_for_store(db, "S1") or {}).items()} == {
        "A": 5.29,
        "B": 2.0,
    }
    assert prices_for_store(db, "S2") is None  # no list at all
    with pytest.raises(PriceListError, match="exactly one"):
        import_price_list(db, tmp_path / "g.csv")


def test_scan_stores_tags_and_facing_prices(db_path: Path) -> None:
    db = open_db(db_path)
    visit = ensure_visit(db, "V1", "S1")
    d, layout = build_layout(dets(shelf_row_boxes(0, 100, [(0, 40), (50, 90)])), (400, 300))
    tags = (
        PriceTag(5, (0, 105, 40, 120), "read", 4.99, kind="shelf_edge", row=0, facing_ids=(0, 1)),
        PriceTag(6, (200, 105, 240, 120), "unreadable"),
    )
    check = PriceCheck(0, "A", "Soap", 4.99, 5.29, None, False, None)
    readings = PriceReadings(tags, {0: 0, 1: 0}, (), (check,), True)
    photo = PhotoInfo(Path("/p.jpg"), "c" * 64, 1, 400, 300, "2026-12-01T10:00:00")
    save_scan(db, visit, ScanResult(photo, d, layout, shelf_kpis(d, layout), prices=readings))
    rows = photo_price_tags(db, visit)
    assert [(r["idx"], r["status"], r["price"], r["compliant"]) for r in rows] == [
        (5, "read", 4.99, 0),
        (6, "unreadable", None, None),
    ]
    facing = db.execute("SELECT facing_idx, tag_idx, price FROM facing_prices").fetchall()
    assert [tuple(f) for f in facing] == [(0, 5, 4.99), (1, 5, 4.99)]
    assert readings.actions == ("Tag for Soap shows 4.99, the price list says 5.29",)
    assert np.isclose(rows[0]["expected_price"], 5.29)
    report = load_visit_report(db, visit)  # the visit report lists the price action
    texts = [a.text for a in report.actions]
    assert "Tag for A shows 4.99, the price list says 5.29" in texts
