"""Planograms in SQLite: import, assignment to stores and groups, match results per photo."""

from __future__ import annotations

from pathlib import Path

import pytest

from bay_builders import stored_visit
from shelfscan.errors import PlanogramError, StoreError
from shelfscan.planogram import Planogram
from shelfscan.store import open_db
from shelfscan.store.planogram import (
    add_stores_to_group,
    assign_planogram,
    get_planogram,
    known_skus,
    list_planograms,
    photo_match,
    planograms_for_store,
    save_planogram,
)

BAY = Planogram.from_blocks("B1", [[("a", 2, 60.0), ("b", 1, None)], [("c", 3, 80.0)]])


def test_save_get_round_trip(db_path: Path) -> None:
    db = open_db(db_path)
    save_planogram(db, BAY, "json")
    got = get_planogram(db, "B1")
    assert got.shelves == BAY.shelves
    rows = list(db.query("SELECT shelf, position, sku, facings FROM planogram_positions"))
    assert [tuple(r.values()) for r in rows] == [(1, 1, "a", 2), (1, 2, "b", 1), (2, 1, "c", 3)]
    with pytest.raises(PlanogramError, match="already imported"):
        save_planogram(db, BAY)
    save_planogram(db, Planogram.from_blocks("B1", [[("z", 1)]]), replace=True)
    assert get_planogram(db, "B1").skus() == ["z"]
    assert db.execute("SELECT COUNT(*) FROM planogram_positions").fetchone()[0] == 1


def test_unknown_planogram_lists_stored_ones(db_path: Path) -> None:
    db = open_db(db_path)
    save_planogram(db, BAY)
    with pytest.raises(StoreError, match=r"no planogram 'nope' .*stored: B1"):
        get_planogram(db, "nope")


@pytest.mark.parametrize(
    ("case", "store_assign", "group_assign", "expected"),
    [
        ("store's own planogram", ["B1"], [], ["B1"]),
        ("through the store's group", [], ["B2"], ["B2"]),
        ("own planogram wins over the group's", ["B1"], ["B2"], ["B1"]),
        ("nothing assigned", [], [], []),
    ],
)
def test_planograms_for_store(
    db_path: Path, case: str, store_assign: list[str], group_assign: list[str], expected: list[str]
) -> None:
    db = open_db(db_path)
    save_planogram(db, BAY)
    save_planogram(db, Planogram.from_blocks("B2", [[("x", 1)]]))
    add_stores_to_group(db, "north", ["S1", "S2"])
    for pid in store_assign:
        assign_planogram(db, pid, store_id="S1")
        assign_planogram(db, pid, store_id="S1")  # idempotent
    for pid in group_assign:
        assign_planogram(db, pid, group_id="north")
    assert [p.id for p in planograms_for_store(db, "S1")] == expected
    listed = {r["id"]: r for r in list_planograms(db)}
    assert listed["B1"]["stores"] == (["S1"] if store_assign else []) and listed["B2"][
        "groups"
    ] == (["north"] if group_assign else [])


def test_assign_needs_exactly_one_target(db_path: Path) -> None:
    db = open_db(db_path)
    save_planogram(db, BAY)
    with pytest.raises(PlanogramError, match="exactly one"):
        assign_planogram(db, "B1")
    with pytest.raises(StoreError, match="no planogram"):
        assign_planogram(db, "B9", store_id="S1")


def test_catalog_checks_skus_and_fills_brands_and_widths(db_path: Path) -> None:
    db = open_db(db_path)
    assert known_skus(db) is None  # empty catalog: nothing to check against
    db.execute(
        "INSERT INTO skus (id, brand, width_mm, created_at) VALUES ('a', 'Acme', 61, 'now'),"
        " ('b', 'Bolt', 45, 'now')"
    )
    assert known_skus(db) == {"a", "b"}
    save_planogram(db, BAY)
    got = get_planogram(db, "B1")
    first, second = got.shelves[0].positions
    assert (first.brand, first.width_mm) == ("Acme", 60.0)  # the planogram's width wins
    assert (second.brand, second.width_mm) == ("Bolt", 45.0)  # filled from the catalog
    assert got.shelves[1].positions[0].brand == ""  # 'c' is not in the catalog


def test_match_stored_with_the_scan_and_replaced_on_rescan(tmp_path: Path, db_path: Path) -> None:
    db, visit, plan = stored_visit(tmp_path, db_path)
    photo_id = db.execute("SELECT id FROM photos").fetchone()[0]
    match = photo_match(db, photo_id)
    assert match is not None and match.planogram_id == "BAY"
    rows = list(db.query("SELECT sku, status FROM planogram_results WHERE visit_id = ?", [visit]))
    assert len(rows) == plan.n_positions
    gone = plan.shelves[0].positions[1].sku  # removed from the shelf by stored_visit
    assert {r["status"] for r in rows if r["sku"] == gone} == {"missing"}
    # nothing else is out of stock or misplaced (facings cut by the frame may count short)
    assert all(r["status"] in ("ok", "unseen", "wrong_facings") for r in rows if r["sku"] != gone)
    seen = [r for r in rows if r["status"] != "unseen"]
    kpi = db.execute("SELECT value FROM kpis WHERE name = 'planogram_compliance'").fetchone()[0]
    assert kpi == pytest.approx(sum(r["status"] == "ok" for r in seen) / len(seen))
    # the same photo again: results replaced, not duplicated
    from shelfscan.pipeline import PipelineSpec, ScanContext, scan_batch

    path = tmp_path / "shelf.jpg"
    prev = db.execute("SELECT COUNT(*) FROM planogram_results").fetchone()[0]
    dets = db.execute("SELECT COUNT(*) FROM detections").fetchone()[0]
    assert dets > 0
    from bay_builders import GroundTruthDetector
    from shelfscan.types import Detections

    pipeline = PipelineSpec(planograms={"S1": (plan,)}).build(
        GroundTruthDetector(Detections.empty())  # type: ignore[arg-type]
    )
    list(scan_batch(pipeline, [path], db, visit, ScanContext("S1")))
    assert db.execute("SELECT COUNT(*) FROM planogram_results").fetchone()[0] == prev
    assert db.execute("SELECT COUNT(*) FROM planogram_matches").fetchone()[0] == 1
    assert (
        db.execute("SELECT COUNT(*) FROM planogram_results WHERE status = 'missing'").fetchone()[0]
        == prev
    )
