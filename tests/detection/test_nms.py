from __future__ import annotations

import numpy as np
import pytest

from shelfscan.detection import box_iou_batch, nms
from shelfscan.detection.nms import suppress_contained


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([[0, 0, 10, 10]], [[0, 0, 10, 10]], 1.0),  # identical
        ([[0, 0, 10, 10]], [[5, 0, 15, 10]], 50 / 150),  # half overlap
        ([[0, 0, 10, 10]], [[20, 20, 30, 30]], 0.0),  # disjoint
        ([[0, 0, 10, 10]], [[0, 0, 0, 0]], 0.0),  # degenerate box
    ],
)
def test_box_iou(a: list[list[float]], b: list[list[float]], expected: float) -> None:
    assert box_iou_batch(np.array(a), np.array(b))[0, 0] == pytest.approx(expected)


def test_box_iou_empty_shapes() -> None:
    assert box_iou_batch(np.zeros((0, 4)), np.zeros((3, 4))).shape == (0, 3)


@pytest.mark.parametrize(
    ("boxes", "scores", "classes", "iou", "kept"),
    [
        # overlapping pair: the higher score survives
        ([[0, 0, 10, 10], [1, 0, 11, 10]], [0.6, 0.9], None, 0.5, [1]),
        # below the IoU threshold both survive
        ([[0, 0, 10, 10], [8, 0, 18, 10]], [0.6, 0.9], None, 0.5, [1, 0]),
        # same place, different classes: both survive with class-aware NMS
        ([[0, 0, 10, 10], [0, 0, 10, 10]], [0.6, 0.9], [0, 1], 0.5, [1, 0]),
        # chain: 0 suppresses 1, 2 is far away
        ([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], [0.9, 0.8, 0.7], None, 0.5, [0, 2]),
        # nothing in, nothing out
        ([], [], None, 0.5, []),
    ],
)
def test_nms(
    boxes: list[list[float]],
    scores: list[float],
    classes: list[int] | None,
    iou: float,
    kept: list[int],
) -> None:
    cls = None if classes is None else np.array(classes)
    assert nms(np.array(boxes), np.array(scores), iou, cls).tolist() == kept


@pytest.mark.parametrize(
    ("boxes", "scores", "classes", "min_inside", "kept"),
    [
        # the top half of a pack boxed again inside its box (IoU 0.5, NMS keeps both): dropped
        ([[0, 0, 20, 20], [0, 0, 20, 10]], [0.9, 0.6], None, 0.8, [0]),
        # the nested box scores higher: it stays, and the big one is not inside it
        ([[0, 0, 20, 20], [0, 0, 20, 10]], [0.6, 0.9], None, 0.8, [1, 0]),
        # a box four times larger (a false box over a group of packs) erases nothing
        ([[0, 0, 20, 20], [2, 2, 12, 12]], [0.9, 0.6], None, 0.8, [0, 1]),
        # only 70 % of the second box inside the first: below the threshold, both stay
        ([[0, 0, 10, 10], [3, 0, 13, 10]], [0.9, 0.8], None, 0.8, [0, 1]),
        # ... and at a threshold of 0.7 it goes
        ([[0, 0, 10, 10], [3, 0, 13, 10]], [0.9, 0.8], None, 0.7, [0]),
        # nested but another class (a price tag on a product): both stay
        ([[0, 0, 20, 20], [0, 0, 20, 10]], [0.9, 0.6], [0, 2], 0.8, [0, 1]),
        # a box inside a suppressed box is judged only against kept boxes
        ([[0, 0, 10, 10], [2, 0, 12, 10], [10, 0, 12, 10]], [0.9, 0.8, 0.7], None, 0.8, [0, 2]),
        # neighbours side by side share an edge only: all stay
        ([[0, 0, 10, 10], [10, 0, 20, 10], [20, 0, 30, 10]], [0.7, 0.9, 0.8], None, 0.8, [1, 2, 0]),
        # a narrow pack boxed twice, shifted sideways (IoU 0.495, NMS keeps both): the
        # detector's default 0.5 drops the weaker copy
        ([[60, 41, 78, 117], [55, 45, 72, 118]], [0.82, 0.55], None, 0.5, [0]),
        # neighbouring narrow packs whose boxes overlap by 2 px: both stay at 0.5
        ([[60, 41, 78, 117], [76, 41, 94, 117]], [0.82, 0.55], None, 0.5, [0, 1]),
        # a degenerate (zero-area) box is kept rather than divided by zero
        ([[0, 0, 10, 10], [5, 5, 5, 5]], [0.9, 0.5], None, 0.8, [0, 1]),
        # nothing in, nothing out
        ([], [], None, 0.8, []),
    ],
)
def test_suppress_contained(
    boxes: list[list[float]],
    scores: list[float],
    classes: list[int] | None,
    min_inside: float,
    kept: list[int],
) -> None:
    cls = None if classes is None else np.array(classes)
    out = suppress_contained(np.array(boxes), np.array(scores), min_inside, cls)
    assert out.tolist() == kept
