"""Visit aggregation: sums, shares recomputed from the sums, must-have presence across
photos, and planogram KPIs pooled over positions."""

from __future__ import annotations

from typing import Any

import pytest

from shelfscan.planogram.result import PositionMatch
from shelfscan.report.aggregate import PhotoFigures, visit_figures
from shelfscan.report.terminal import kpi_value, label, number

# Photo A: 6 facings (4 BRAND1, 2 BRAND2), one 50 px gap, facings 300 px wide on rows.
A = PhotoFigures(
    {
        "facings": 6,
        "rows": 2,
        "gaps": 1,
        "gap_width_px": 50,
        "gap_width_facings": 1.0,
        "empty_shelf_share": 50 / 350,
        "recognized_facings": 6,
        "unknown_facings": 0,
        "unknown_share": 0.0,
        "must_have_total": 2,
        "must_have_present": 1,
        "assortment_presence": 0.5,
    },
    {
        "facings_per_sku": {"S1": 4, "S2": 2},
        "facings_per_brand": {"BRAND1": 4, "BRAND2": 2},
        "share_facings_brand": {"BRAND1": 4 / 6, "BRAND2": 2 / 6},
        "share_linear_brand": {"BRAND1": 0.5, "BRAND2": 0.5},
        "share_facings_category": {"food": 1.0},
        "must_have": {"S1": 1, "S3": 0},
    },
    facing_width_px=300,
    product_width_px=300,
)
# Photo B: 2 facings (1 BRAND2, 1 unknown), no gap, facings 100 px wide.
B = PhotoFigures(
    {
        "facings": 2,
        "rows": 1,
        "gaps": 0,
        "gap_width_px": 0,
        "gap_width_facings": 0.0,
        "empty_shelf_share": 0.0,
        "recognized_facings": 1,
        "unknown_facings": 1,
        "unknown_share": 0.5,
        "must_have_total": 2,
        "must_have_present": 0,
        "assortment_presence": 0.0,
    },
    {
        "facings_per_sku": {"S2": 1, "unknown": 1},
        "facings_per_brand": {"BRAND2": 1, "unknown": 1},
        "share_facings_brand": {"BRAND2": 0.5, "unknown": 0.5},
        "share_linear_brand": {"BRAND2": 0.25, "unknown": 0.75},
        "share_facings_category": {"food": 0.5, "unknown": 0.5},
        "must_have": {"S1": 0, "S3": 0},
    },
    facing_width_px=100,
    product_width_px=100,
)
# Photo C: shows S3, the must-have the others lack.
C = PhotoFigures(
    {"facings": 1, "recognized_facings": 1, "unknown_facings": 0, "gap_width_px": 0},
    {
        "facings_per_sku": {"S3": 1},
        "facings_per_brand": {"BRAND3": 1},
        "share_facings_brand": {"BRAND3": 1.0},
        "must_have": {"S1": 0, "S3": 1},
    },
    facing_width_px=80,
    product_width_px=80,
)


@pytest.mark.parametrize(
    ("case", "photos", "expected_values", "expected_breakdowns"),
    [
        (
            "one photo: its own figures",
            [A],
            {"facings": 6, "gaps": 1, "empty_shelf_share": 50 / 350, "assortment_presence": 0.5},
            {"share_facings_brand": {"BRAND1": 4 / 6, "BRAND2": 2 / 6}},
        ),
        (
            "counts are sums",
            [A, B],
            {"photos": 2, "facings": 8, "rows": 3, "gaps": 1, "gap_width_px": 50},
            {"facings_per_brand": {"BRAND1": 4, "BRAND2": 3, "unknown": 1}},
        ),
        (
            # not the mean of 14.3% and 0%: 50 px of gap over 450 px of shelf
            "empty share from summed widths",
            [A, B],
            {"empty_shelf_share": 50 / 450},
            {},
        ),
        (
            # 1 unknown of 8 labelled facings, not the mean of 0% and 50%
            "unknown share from sums",
            [A, B],
            {"unknown_share": 1 / 8, "distinct_skus": 2},
            {},
        ),
        (
            # BRAND2: 2 + 1 of 8 facings; by width 150 + 25 of 400 px
            "brand shares recomputed from summed facings and widths",
            [A, B],
            {},
            {
                "share_facings_brand": {"BRAND1": 4 / 8, "BRAND2": 3 / 8, "unknown": 1 / 8},
                "share_linear_brand": {
                    "BRAND1": 150 / 400,
                    "BRAND2": 175 / 400,
                    "unknown": 75 / 400,
                },
                "share_facings_category": {"food": 7 / 8, "unknown": 1 / 8},
            },
        ),
        (
            # S1 seen in A, S3 in C: both present (averaging would say 0.5, 0, 0.5)
            "must-have presence: seen anywhere in the visit",
            [A, B, C],
            {"must_have_total": 2, "must_have_present": 2, "assortment_presence": 1.0},
            {"must_have": {"S1": 1.0, "S3": 1.0}},
        ),
        (
            "must-have missing everywhere stays missing",
            [B],
            {"must_have_present": 0, "assortment_presence": 0.0},
            {"must_have": {"S1": 0.0, "S3": 0.0}},
        ),
        (
            "no photos: nothing to sum",
            [],
            {"photos": 0},
            {},
        ),
    ],
)
def test_visit_aggregation(
    case: str,
    photos: list[PhotoFigures],
    expected_values: dict[str, float],
    expected_breakdowns: dict[str, dict[str, float]],
) -> None:
    values, breakdowns = visit_figures(photos)
    for name, want in expected_values.items():
        assert values[name] == pytest.approx(want), f"{case}: {name}"
    for name, want_table in expected_breakdowns.items():
        assert breakdowns[name] == pytest.approx(want_table), f"{case}: {name}"


def _pos(sku: str, status: str, expected: int = 2, observed: int = 2) -> PositionMatch:
    return PositionMatch(0, 0, sku, expected, observed, status)


def test_planogram_kpis_pool_positions_and_plan_shares() -> None:
    # photo 1: 3 positions, 1 missing; photo 2: 1 position ok -> 3 of 4 available
    positions = [_pos("S1", "ok"), _pos("S2", "missing", 2, 0), _pos("S3", "ok"), _pos("S4", "ok")]
    p1 = PhotoFigures(
        {"facings": 4},
        {
            "facings_planned_sku": {"S1": 2, "S2": 2, "S3": 2},
            "facings_observed_sku": {"S1": 2, "S3": 2},
            "share_of_shelf_brand": {"B1": 1.0},
            "share_of_shelf_target_brand": {"B1": 4 / 6, "B2": 2 / 6},
        },
    )
    p2 = PhotoFigures(
        {"facings": 2},
        {
            "facings_planned_sku": {"S4": 2},
            "facings_observed_sku": {"S4": 2},
            "share_of_shelf_brand": {"B2": 1.0},
            "share_of_shelf_target_brand": {"B2": 1.0},
        },
    )
    values, breakdowns = visit_figures([p1, p2], positions)
    assert values["planogram_compliance"] == pytest.approx(3 / 4)
    assert values["osa"] == pytest.approx(3 / 4) and values["oos_rate"] == pytest.approx(1 / 4)
    # observed B1 4 of 6 facings, B2 2 of 6; planned B1 4 of 8, B2 4 of 8
    assert breakdowns["share_of_shelf_brand"] == pytest.approx({"B1": 4 / 6, "B2": 2 / 6})
    assert breakdowns["share_of_shelf_target_brand"] == pytest.approx({"B1": 0.5, "B2": 0.5})
    assert values["share_of_shelf_deviation_brand"] == pytest.approx(4 / 6 - 0.5)


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("planogram_compliance", 0.8166, "81.7%"),  # a rate as a percentage
        ("gap_width_px", 10010.4, "10,010.4"),  # never 1.001e+04
        ("facings", 312.0, "312"),  # counts without decimals
        ("gap_width_facings", 70.96, "71.0"),
        ("osa", 1.0, "100.0%"),
    ],
)
def test_kpi_formatting(name: str, value: float, text: str) -> None:
    assert kpi_value(name, value) == text


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("osa", "On-shelf availability (OSA)"),  # known KPIs have a label
        ("share_of_shelf_deviation_brand", "Share of shelf off plan (brand)"),
        ("some_new_kpi", "Some new kpi"),  # others lose their underscores
    ],
)
def test_kpi_labels(name: str, text: str) -> None:
    assert label(name) == text


def test_number_handles_odd_values() -> None:
    cases: list[tuple[Any, str]] = [(float("nan"), "-"), (-3.0, "-3"), (0.26, "0.3")]
    assert [number(v) for v, _ in cases] == [t for _, t in cases]
