from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import dets, shelf_row_boxes
from shelfscan.errors import StoreError
from shelfscan.kpi import shelf_kpis
from shelfscan.layout import build_layout
from shelfscan.store import ensure_visit, list_visits, open_db, save_scan, transaction, visit_detail
from shelfscan.store.migrations import migration_names
from shelfscan.types import PhotoInfo, ScanResult


def make_scan(sha: str = "a" * 64, facings: int = 3) -> ScanResult:
    xs = [(i * 50.0, i * 50.0 + 40) for i in range(facings)]
    d, layout = build_layout(dets(shelf_row_boxes(0, 100, xs)), (400, 300))
    photo = PhotoInfo(Path("/photos/p.jpg"), sha, 1234, 400, 300, "2026-11-20T10:00:00")
    return ScanResult(photo, d, layout, shelf_kpis(d, layout), "detector.onnx", {"detect": 5.0})


def count(db_path: Path, table: str) -> int:
    db = open_db(db_path)
    return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_migrations_are_recorded_and_idempotent(db_path: Path) -> None:
    db = open_db(db_path)
    names = [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == migration_names()
    open_db(db_path)  # a second open applies nothing new
    assert count(db_path, "_migrations") == len(names)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_save_scan_writes_everything(db_path: Path) -> None:
    db = open_db(db_path)
    visit = ensure_visit(db, "V1", "S1", "alice")
    photo_id = save_scan(db, visit, make_scan())
    assert count(db_path, "detections") == 3
    kpis = {
        r["name"]: r["value"]
        for r in db.query(
            "SELECT name, value FROM kpis WHERE photo_id = ? AND scope = ''", [photo_id]
        )
    }
    assert kpis["facings"] == 3 and kpis["gaps"] == 0
    assert count(db_path, "outbox") == count(db_path, "kpis")
    assert list_visits(db)[0]["facings"] == 3
    assert visit_detail(db, "V1")["photos"][0]["kpis"]["rows"] == 1


def test_rescanning_the_same_photo_replaces_instead_of_duplicating(db_path: Path) -> None:
    db = open_db(db_path)
    visit = ensure_visit(db, "V1")
    first = save_scan(db, visit, make_scan(facings=3))
    outbox_before = count(db_path, "outbox")
    second = save_scan(db, visit, make_scan(facings=4))
    assert first == second
    assert count(db_path, "photos") == 1
    assert count(db_path, "detections") == 4
    assert count(db_path, "outbox") == outbox_before  # same external ids, updated payloads
    versions = {
        r[0] for r in db.execute("SELECT version FROM outbox WHERE external_id LIKE '%:facings'")
    }
    assert versions == {2}


def test_same_photo_in_another_visit_is_stored_again(db_path: Path) -> None:
    db = open_db(db_path)
    save_scan(db, ensure_visit(db, "V1"), make_scan())
    save_scan(db, ensure_visit(db, "V2"), make_scan())
    assert count(db_path, "photos") == 2


def test_a_failed_write_leaves_nothing_half_written(db_path: Path) -> None:
    db = open_db(db_path)
    visit = ensure_visit(db, "V1")
    save_scan(db, visit, make_scan(sha="b" * 64))
    before = {t: count(db_path, t) for t in ("photos", "detections", "kpis", "outbox")}
    bad = make_scan(sha="c" * 64)
    # A column that cannot be converted makes the detections insert fail mid-transaction.
    broken = bad.detections.with_data(row=np.array([object()] * len(bad.detections)))
    with pytest.raises(TypeError):
        save_scan(db, visit, ScanResult(bad.photo, broken, bad.layout, bad.kpis))
    assert {t: count(db_path, t) for t in before} == before


def test_transaction_rolls_back_on_error(db_path: Path) -> None:
    db = open_db(db_path)
    with pytest.raises(RuntimeError), transaction(db):
        db.execute("INSERT INTO stores (id, name, created_at) VALUES ('S9', 'x', 'now')")
        raise RuntimeError("boom")
    assert count(db_path, "stores") == 0


@pytest.mark.parametrize(
    "relative",
    [
        "a_file/x.db",  # the parent folder is a regular file: cannot be created, even by root
        "a_file",  # the path is an existing non-database file
    ],
)
def test_unwritable_database_path_is_a_clear_error(tmp_path: Path, relative: str) -> None:
    (tmp_path / "a_file").write_text("not a database")
    with pytest.raises(StoreError, match="cannot open database"):
        open_db(tmp_path / relative)


def test_database_path_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=str(tmp_path)):
        open_db(tmp_path)


def test_unknown_visit_is_a_clear_error(db_path: Path) -> None:
    with pytest.raises(StoreError, match="no visit 'nope'"):
        visit_detail(open_db(db_path), "nope")
