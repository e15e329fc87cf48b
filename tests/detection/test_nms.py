from __future__ import annotations

import numpy as np
import pytest

from shelfscan.detection import box_iou_batch, nms


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
