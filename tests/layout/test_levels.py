from __future__ import annotations

import numpy as np
import pytest

from helpers import dets, shelf_row_boxes
from shelfscan.layout import build_layout
from shelfscan.layout.levels import tier_rows
from shelfscan.types import CLASS_PRICE_TAG, CLASS_PRODUCT

UNITS = [(i * 42, i * 42 + 40) for i in range(10)]  # ten like units, 40 wide


def _lines(
    tops: list[float], widths: list[float], tagged: list[bool]
) -> tuple[list[list[float]], list[int], list[list[int]], list[float]]:
    """Lines of ten 100-high units (tops, unit width per line) and a price tag under the
    lines marked ``tagged``: boxes, classes, product ids per line, line y."""
    boxes: list[list[float]] = []
    groups: list[list[int]] = []
    for top, w in zip(tops, widths, strict=True):
        groups.append(list(range(len(boxes), len(boxes) + len(UNITS))))
        boxes += shelf_row_boxes(top, 100, [(x, x + w) for x, _ in UNITS])
    classes = [CLASS_PRODUCT] * len(boxes)
    for top, tag in zip(tops, tagged, strict=True):
        if tag:
            boxes.append([5, top + 108, 35, top + 122])
            classes.append(CLASS_PRICE_TAG)
    return boxes, classes, groups, [t + 100 for t in tops]


@pytest.mark.parametrize(
    ("tops", "widths", "tagged", "expected"),
    [
        # units in trays on like units, no tag under them; the shelves carry tags
        ([0, 130, 300], [40, 40, 40], [False, True, True], {0: 1}),
        # three tiers chain down to the tier standing on the shelf
        ([0, 130, 260, 430], [40, 40, 40, 40], [False, False, True, True], {0: 2, 1: 2}),
        # a tag under the line: a shelf edge, not a tray
        ([0, 130, 300], [40, 40, 40], [True, True, True], {}),
        # no tag under two lines anywhere in the bay (a cooler, missed tags): no tiers
        ([0, 130, 300], [40, 40, 40], [False, True, False], {}),
        # unlike units (other widths) above: other products on a shelf of their own
        ([0, 130, 300], [30, 40, 40], [False, True, True], {}),
        # like units far above (more than TIER_GAP of a unit height): a shelf apart
        ([0, 200, 370], [40, 40, 40], [False, True, True], {}),
    ],
)
def test_tier_rows(
    tops: list[float], widths: list[float], tagged: list[bool], expected: dict[int, int]
) -> None:
    boxes, classes, groups, lines = _lines(tops, widths, tagged)
    d = dets(boxes, classes)
    tags = d.xyxy[d.class_id == CLASS_PRICE_TAG]
    got = tier_rows(d, [np.asarray(g) for g in groups], np.asarray(lines, float), tags)
    assert got == expected


def test_build_layout_tiers_of_cases_are_one_shelf_row() -> None:
    boxes, classes, _, _ = _lines([0, 130, 260, 430], [40] * 4, [False, False, True, True])
    _, layout = build_layout(dets(boxes, classes), (600, 560))
    assert [r.facings for r in layout.rows] == [30, 10]
    assert layout.rows[0].y_top == pytest.approx(0)  # its space holds the top tier
    # the same boxes without a tag under two lines are four shelves
    plain = [b for b, c in zip(boxes, classes, strict=True) if c == CLASS_PRODUCT]
    _, untagged = build_layout(dets(plain), (600, 560))
    assert [r.facings for r in untagged.rows] == [10, 10, 10, 10]
