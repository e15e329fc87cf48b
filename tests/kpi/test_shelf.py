from __future__ import annotations

import pytest

from helpers import dets, shelf_row_boxes
from shelfscan.kpi import shelf_kpis
from shelfscan.layout import build_layout


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # full shelf: no gaps, nothing empty
        ([[(0, 40), (40, 80)]], {"facings": 2, "rows": 1, "gaps": 0, "empty_shelf_share": 0.0}),
        # one of three facings missing in the middle: 40 of 120 px empty
        ([[(0, 40), (80, 120)]], {"facings": 2, "rows": 1, "gaps": 1, "empty_shelf_share": 1 / 3}),
        # three rows, the last ends early by one facing (the bay ends where most rows end)
        (
            [
                [(0, 40), (40, 80), (80, 120), (120, 160)],
                [(0, 40), (40, 80), (80, 120), (120, 160)],
                [(0, 40), (40, 80), (80, 120)],
            ],
            {"facings": 11, "rows": 3, "gaps": 1, "empty_shelf_share": 40 / 480},
        ),
        # a row of two boxes does not turn the rest of the bay into a gap
        (
            [
                [(0, 40), (40, 80), (80, 120), (120, 160)],
                [(0, 40), (40, 80), (80, 120), (120, 160)],
                [(0, 40), (40, 80)],
            ],
            {"facings": 10, "rows": 3, "gaps": 0, "empty_shelf_share": 0.0},
        ),
        # no facings at all
        ([], {"facings": 0, "rows": 0, "gaps": 0, "empty_shelf_share": 0.0}),
    ],
)
def test_shelf_kpis(rows: list[list[tuple[float, float]]], expected: dict[str, float]) -> None:
    boxes = [b for i, xs in enumerate(rows) for b in shelf_row_boxes(i * 200, 100, xs)]
    d, layout = build_layout(dets(boxes), (400, 600))
    report = shelf_kpis(d, layout)
    for key, value in expected.items():
        assert report[key] == pytest.approx(value), key
