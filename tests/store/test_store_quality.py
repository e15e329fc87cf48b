"""Quality rows, duplicate photos and bays in a real SQLite store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfscan.imaging.quality import assess_quality
from shelfscan.kpi import shelf_kpis
from shelfscan.layout import build_layout
from shelfscan.layout.bay import build_bay
from shelfscan.pipeline import with_bay_kpis
from shelfscan.store import ensure_visit, open_db, save_scan
from shelfscan.store.quality import photo_quality, quality_notes, save_bay
from shelfscan.types import Detections, PhotoInfo, ScanResult


def make_scan(sha: str, image: np.ndarray, n: int = 4) -> ScanResult:
    xyxy = np.array([[i * 50, 10, i * 50 + 45, 90] for i in range(n)], float)
    dets, layout = build_layout(
        Detections.from_boxes(xyxy, np.ones(n), np.zeros(n, int)), (400, 100)
    )
    photo = PhotoInfo(Path(f"/x/{sha}.jpg"), sha, 10, 400, 100, "2026-01-01T00:00:00")
    report = assess_quality(image)
    return ScanResult(photo, dets, layout, shelf_kpis(dets, layout), quality=report)


def shelf_image(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (12, 16, 3)).astype(np.uint8)
    return np.kron(small, np.ones((50, 50, 1), np.uint8))


def kpi_count(db, photo_id: int) -> int:  # type: ignore[no-untyped-def]
    return int(db.execute("SELECT COUNT(*) FROM kpis WHERE photo_id = ?", [photo_id]).fetchone()[0])


@pytest.mark.parametrize(
    ("second_visit", "second_image", "duplicate"),
    [
        ("V1", 1, True),  # the same shelf photo again in the visit (other bytes)
        ("V2", 1, True),  # recycled from an earlier visit
        ("V1", 2, False),  # a different shelf
    ],
)
def test_duplicates_are_flagged_and_not_counted(
    db_path: Path, second_visit: str, second_image: int, duplicate: bool
) -> None:
    db = open_db(db_path)
    for v in ("V1", "V2"):
        ensure_visit(db, v)
    first = save_scan(db, "V1", make_scan("a" * 64, shelf_image(1)))
    img = shelf_image(second_image)
    img = np.clip(img.astype(int) + 3, 0, 255).astype(np.uint8)  # not byte-identical
    second = save_scan(db, second_visit, make_scan("b" * 64, img))
    row = photo_quality(db, second)
    assert row is not None and (row["duplicate_of"] == first) == duplicate
    assert (kpi_count(db, second) == 0) == duplicate
    assert kpi_count(db, first) > 0
    outbox = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    assert outbox == db.execute("SELECT COUNT(*) FROM kpis").fetchone()[0]
    assert any("duplicate" in n for n in quality_notes(db, second)) == duplicate


def test_quality_row_and_rescan_replaces_it(db_path: Path) -> None:
    db = open_db(db_path)
    ensure_visit(db, "V1")
    blurred = np.zeros((600, 800, 3), np.uint8) + 128  # flat grey: no detail at all
    pid = save_scan(db, "V1", make_scan("c" * 64, blurred))
    again = save_scan(db, "V1", make_scan("c" * 64, blurred))
    assert pid == again
    row = photo_quality(db, pid)
    assert row is not None and row["passed"] == 0 and row["duplicate_of"] is None
    assert "hold the phone still" in row["hints"]
    assert db.execute("SELECT COUNT(*) FROM photo_quality").fetchone()[0] == 1


def test_scan_without_gate_has_no_quality_row(db_path: Path) -> None:
    db = open_db(db_path)
    ensure_visit(db, "V1")
    scan = make_scan("d" * 64, shelf_image(3))
    pid = save_scan(db, "V1", ScanResult(scan.photo, scan.detections, scan.layout, scan.kpis))
    assert photo_quality(db, pid) is None and kpi_count(db, pid) > 0


def test_save_bay(db_path: Path) -> None:
    db = open_db(db_path)
    ensure_visit(db, "V1")
    ids = [save_scan(db, "V1", make_scan(c * 64, shelf_image(i))) for i, c in enumerate("ef")]
    shot = Detections.from_boxes(np.array([[10.0, 10, 40, 60]]), np.ones(1), np.zeros(1, int))
    bay = with_bay_kpis(build_bay([shot, shot], [(200, 100), (200, 100)], [np.eye(3)]))
    bay_id = save_bay(db, "V1", ids, bay)
    members = db.execute(
        "SELECT photo_id FROM bay_photos WHERE bay_id = ? ORDER BY position", [bay_id]
    ).fetchall()
    assert [m[0] for m in members] == ids
    facings = db.execute(
        "SELECT value FROM bay_kpis WHERE bay_id = ? AND name = 'facings'", [bay_id]
    ).fetchone()[0]
    assert facings == 1
