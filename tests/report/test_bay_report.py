"""A merged bay in the visit report: the planogram is matched on the bay (facings counted
once), so compliance and actions are the bay's, not the sum of its overlapping photos'."""

from __future__ import annotations

from collections import Counter

import pytest

from bay_builders import stored_bay
from shelfscan.kpi.planogram import position_kpis
from shelfscan.report import load_visit_report
from shelfscan.report.visit import VisitReport
from shelfscan.store import delete_visit


@pytest.fixture(scope="module")
def bay_visit(tmp_path_factory: pytest.TempPathFactory) -> tuple[VisitReport, int, int]:
    tmp = tmp_path_factory.mktemp("bay_report")
    db, visit, plan, bay_id, _ = stored_bay(tmp, tmp / "bay.db")
    report = load_visit_report(db, visit)
    assert delete_visit(db, visit) == 3
    assert db.execute("SELECT COUNT(*) FROM bay_matches").fetchone()[0] == 0  # goes with it
    return report, bay_id, plan.n_positions


def test_bay_compliance_is_computed_on_the_bay(bay_visit: tuple[VisitReport, int, int]) -> None:
    report, bay_id, n_positions = bay_visit
    bay = report.bays[bay_id].match
    seen = [p for p in bay.positions if p.status != "unseen"]
    expected = position_kpis(list(bay.positions))
    for name in ("planogram_positions", "planogram_compliance", "osa", "facings_compliance"):
        assert report.kpis[name] == pytest.approx(expected[name]), name
    assert report.kpis["planogram_positions"] == len(seen) <= n_positions
    # photo by photo, the overlapping photos see the same positions more than once
    per_photo = sum(
        1 for p in report.photos if p.match for q in p.match.positions if q.status != "unseen"
    )
    assert per_photo > n_positions
    # facings by planogram status are the bay's too, not summed over its photos
    assert report.kpis["facings_expected"] == sum(1 for s in bay.facing_status if s == "expected")


def test_bay_gives_one_set_of_actions(bay_visit: tuple[VisitReport, int, int]) -> None:
    report, bay_id, _ = bay_visit
    bay = report.bays[bay_id].match
    missing = [p for p in bay.positions if p.status == "missing"]
    refills = [a for a in report.actions if a.text.startswith("Refill")]
    assert missing and len(refills) == len(missing)  # the removed SKU's blocks, once each
    assert sorted((a.shelf, a.sku) for a in refills) == sorted(
        (p.shelf + 1, p.sku) for p in missing
    )
    assert not [t for t, n in Counter(a.text for a in report.actions).items() if n > 1]
    photos = {p.photo_id: p for p in report.photos}
    for action in refills:  # drawn on the bay photo that holds the empty slots
        photo = photos[action.photo_id]
        assert action.photo == photo.path.name and action.box is not None
        x1, y1, x2, y2 = action.box
        assert 0 <= x1 < x2 <= photo.width and 0 <= y1 < y2 <= photo.height
