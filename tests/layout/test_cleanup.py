"""Facing clean-up rules on small synthetic box sets."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import dets
from shelfscan.layout.cleanup import (
    clean_facings,
    label_boxes,
    nested_boxes,
    spanning_boxes,
    tall_boxes,
)
from shelfscan.types import CLASS_PRICE_TAG, CLASS_PRODUCT

ROW = [[0, 0, 40, 100], [42, 0, 82, 100], [84, 0, 124, 100]]
ROW2 = [[0, 120, 40, 220], [42, 120, 82, 220], [84, 120, 124, 220]]


def arr(boxes: list[list[float]]) -> np.ndarray:
    return np.asarray(boxes, np.float64).reshape(-1, 4)


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        # one box over two shelves holding two facings one above the other
        ([*ROW, *ROW2, [0, 0, 40, 220]], [False] * 6 + [True]),
        # a wide box over three facings side by side on one shelf is not spanning
        ([*ROW, [0, 0, 124, 100]], [False] * 4),
        # too few boxes to judge
        ([[0, 0, 10, 10]], [False]),
        # no boxes
        ([], []),
    ],
)
def test_spanning_boxes(boxes: list[list[float]], expected: list[bool]) -> None:
    assert spanning_boxes(arr(boxes)).tolist() == expected


@pytest.mark.parametrize(
    ("boxes", "typical", "expected"),
    [
        # an upright three facings tall
        ([*ROW, [130, 0, 140, 300]], 100.0, [False, False, False, True]),
        # a tall bottle 2x a facing is still a facing
        ([*ROW, [130, 0, 160, 200]], 100.0, [False, False, False, False]),
        # no typical height: nothing judged
        (ROW, 0.0, [False, False, False]),
    ],
)
def test_tall_boxes(boxes: list[list[float]], typical: float, expected: list[bool]) -> None:
    assert tall_boxes(arr(boxes), typical).tolist() == expected


@pytest.mark.parametrize(
    ("tall", "tags", "expected"),
    [
        # a canister three facings tall with its price tag on the shelf edge under it
        ([130, 20, 190, 320], [[140, 325, 180, 340]], False),
        # the same without a tag: an upright or a poster
        ([130, 20, 190, 320], [], True),
        # the tag lies beside it, not under it
        ([130, 20, 190, 320], [[200, 325, 240, 340]], True),
        # the tag is a shelf further down, not at its bottom
        ([130, 20, 190, 320], [[140, 420, 180, 435]], True),
        # cut by the photo's top border (ceiling, a pillar): its height is unknown
        ([130, 0, 190, 300], [[140, 305, 180, 320]], True),
    ],
)
def test_tall_boxes_standing_on_a_tagged_shelf_edge(
    tall: list[float], tags: list[list[float]], expected: bool
) -> None:
    tag_boxes = np.asarray(tags, np.float64).reshape(-1, 4)
    assert tall_boxes(arr([*ROW, tall]), 100.0, tag_boxes).tolist()[-1] == expected


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        # a small box inside a big one (a duplicate or a back-row product)
        ([[0, 0, 100, 100], [10, 10, 50, 50]], [False, True]),
        # two boxes of the same size overlapping: neither is nested
        ([[0, 0, 100, 100], [5, 5, 105, 105]], [False, False]),
        # disjoint boxes
        ([[0, 0, 10, 10], [20, 0, 30, 10]], [False, False]),
    ],
)
def test_nested_boxes(boxes: list[list[float]], expected: list[bool]) -> None:
    assert nested_boxes(arr(boxes)).tolist() == expected


@pytest.mark.parametrize(
    ("box", "typical", "expected"),
    [
        ([0, 100, 40, 120], 100.0, True),  # flat and small: a price label
        ([0, 0, 40, 100], 100.0, False),  # a facing
        ([0, 100, 10, 120], 100.0, False),  # small but taller than wide
    ],
)
def test_label_boxes(box: list[float], typical: float, expected: bool) -> None:
    assert label_boxes(arr([box]), typical).tolist() == [expected]


def test_clean_facings_drops_relabels_and_counts() -> None:
    boxes = [*ROW, *ROW2, [0, 0, 40, 220], [90, 222, 120, 232]]
    out = clean_facings(dets(boxes))
    assert out.dropped["spanning"] == 1
    assert out.relabelled == 1
    assert (out.detections.class_id == CLASS_PRODUCT).sum() == 6
    assert (out.detections.class_id == CLASS_PRICE_TAG).sum() == 1


def test_clean_facings_rejects_unknown_rule() -> None:
    with pytest.raises(ValueError, match="valid"):
        clean_facings(dets(ROW), ("nope",))
