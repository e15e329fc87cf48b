"""Planogram KPI formulas on hand-made match results."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.kpi.planogram import planogram_kpis, position_kpis, share_of_shelf
from shelfscan.planogram import Planogram, PlanogramMatch, PositionMatch
from shelfscan.types import Detections


def pos(
    sku: str, status: str, expected: int = 2, observed: int = 2, shelf: int = 0
) -> PositionMatch:
    return PositionMatch(shelf, 0, sku, expected, observed, status)


@pytest.mark.parametrize(
    ("case", "positions", "expected"),
    [
        (
            "all ok",
            [pos("a", "ok"), pos("b", "ok")],
            {"planogram_compliance": 1.0, "osa": 1.0, "oos_rate": 0.0, "facings_compliance": 1.0},
        ),
        # one of four missing, one with 1 of 2 facings, one misplaced (available elsewhere)
        (
            "mixed",
            [
                pos("a", "ok"),
                pos("b", "missing", observed=0),
                pos("c", "wrong_facings", observed=1),
                pos("d", "misplaced", observed=0),
            ],
            {
                "planogram_compliance": 0.25,
                "osa": 0.75,
                "oos_rate": 0.25,
                "facings_compliance": 3 / 8,
                "positions_missing": 1.0,
            },
        ),
        # too many facings cap at the planned count
        (
            "too many",
            [pos("a", "wrong_facings", expected=2, observed=5)],
            {"facings_compliance": 1.0, "planogram_compliance": 0.0, "osa": 1.0},
        ),
        # unseen positions are left out of every rate
        (
            "unseen ignored",
            [pos("a", "ok"), pos("b", "unseen", observed=0)],
            {"planogram_compliance": 1.0, "planogram_positions": 1.0, "positions_unseen": 1.0},
        ),
        (
            "nothing seen",
            [pos("a", "unseen", observed=0)],
            {"planogram_compliance": 0.0, "oos_rate": 0.0, "planogram_positions": 0.0},
        ),
    ],
)
def test_position_kpis(
    case: str, positions: list[PositionMatch], expected: dict[str, float]
) -> None:
    got = position_kpis(positions)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key


@pytest.mark.parametrize(
    ("observed", "target", "deviation"),
    [
        ({"a": 2, "b": 2}, {"a": 1, "b": 1}, 0.0),  # same split
        ({"a": 4}, {"a": 2, "b": 2}, 0.5),  # b absent: half the shelf off plan
        ({"x": 1}, {"a": 1}, 1.0),  # nothing as planned
        ({}, {"a": 1}, 0.5),  # empty photo: the target half counts
    ],
)
def test_share_of_shelf(
    observed: dict[str, float], target: dict[str, float], deviation: float
) -> None:
    assert share_of_shelf(observed, target)[2] == pytest.approx(deviation)


def test_planogram_kpis_breakdowns_and_brands() -> None:
    plan = Planogram.from_blocks("P", [[("a", 2), ("b", 2)], [("c", 1)]])
    dets = Detections.from_boxes(
        [[0, 0, 10, 10], [10, 0, 20, 10], [20, 0, 30, 10], [0, 20, 10, 30]],
        sku=np.array(["a", "a", "x", "c"], dtype=object),
        brand=np.array(["A", "A", "X", "C"], dtype=object),
    )
    match = PlanogramMatch(
        "P",
        "align",
        (
            PositionMatch(0, 0, "a", 2, 2, "ok", 0, (0, 1)),
            PositionMatch(0, 1, "b", 2, 0, "missing", 0),
            PositionMatch(1, 0, "c", 1, 1, "ok", 1, (3,)),
        ),
        ("expected", "expected", "unexpected", "expected"),
        (0, 1),
    )
    report = planogram_kpis(match, plan, dets)
    assert report["planogram_compliance"] == pytest.approx(2 / 3)
    assert report.breakdowns["planogram_compliance_shelf"] == {"1": 0.5, "2": 1.0}
    assert report.breakdowns["planogram_compliance_sku"] == {"a": 1.0, "b": 0.0, "c": 1.0}
    assert report.breakdowns["share_of_shelf_sku"] == pytest.approx(
        {"a": 0.5, "x": 0.25, "c": 0.25}
    )
    assert report.breakdowns["share_of_shelf_target_sku"] == pytest.approx(
        {"a": 0.4, "b": 0.4, "c": 0.2}
    )
    assert report.breakdowns["share_of_shelf_brand"]["X"] == pytest.approx(0.25)
    assert report["facings_unexpected"] == 1.0
