"""Hand-computed cases for the COCO / SKU-110K detection metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shelfscan.detection.metrics import box_iou, evaluate, interpolated_ap, match_image
from shelfscan.types import Detections


def dets(
    boxes: list[list[float]], scores: list[float] | None = None, classes: list[int] | None = None
) -> Detections:
    return Detections.from_boxes(
        np.array(boxes, np.float32).reshape(-1, 4),
        None if scores is None else np.array(scores, np.float32),
        None if classes is None else np.array(classes, np.int64),
    )


GT2 = [[0, 0, 10, 10], [20, 0, 30, 10]]


@pytest.mark.parametrize(
    ("pred", "gt", "ap", "ap50", "ap75", "ar"),
    [
        # perfect detections
        (dets(GT2, [0.9, 0.8]), dets(GT2), 1.0, 1.0, 1.0, 1.0),
        # nothing detected
        (dets([]), dets(GT2), 0.0, 0.0, 0.0, 0.0),
        # IoU 0.82 (2050 / 2500): a hit at thresholds 0.50..0.80, 7 of 10
        (dets([[0, 0, 50, 41]], [0.9]), dets([[0, 0, 50, 50]]), 0.7, 1.0, 1.0, 0.7),
        # a confident false positive before the hit: precision 0.5 at every recall
        (
            dets([[100, 100, 110, 110], [0, 0, 10, 10]], [0.9, 0.5]),
            dets([[0, 0, 10, 10]]),
            0.5,
            0.5,
            0.5,
            1.0,
        ),
        # half the boxes found at precision 1: recall points 0.00..0.50 = 51 of 101
        (dets([[0, 0, 10, 10]], [0.9]), dets(GT2), 51 / 101, 51 / 101, 51 / 101, 0.5),
        # a duplicate after the hit costs nothing in AP (precision already 1 at recall 1)
        (
            dets([[0, 0, 10, 10], [0, 0, 10, 10]], [0.9, 0.8]),
            dets([[0, 0, 10, 10]]),
            1.0,
            1.0,
            1.0,
            1.0,
        ),
        # right box, wrong class
        (dets([[0, 0, 10, 10]], [0.9], [1]), dets([[0, 0, 10, 10]]), 0.0, 0.0, 0.0, 0.0),
    ],
)
def test_single_image_ap(
    pred: Detections, gt: Detections, ap: float, ap50: float, ap75: float, ar: float
) -> None:
    m = evaluate([pred], [gt])
    assert m.ap == pytest.approx(ap)
    assert m.ap50 == pytest.approx(ap50)
    assert m.ap75 == pytest.approx(ap75)
    assert m.ar300 == pytest.approx(ar)


def test_max_dets_cuts_low_ranked_hits() -> None:
    # 300 confident misses push the one true hit to rank 301: AR300 and AP are 0
    misses = [[100 + i, 100, 101 + i, 101] for i in range(300)]
    pred = dets([*misses, [0, 0, 10, 10]], [0.9] * 300 + [0.1])
    m = evaluate([pred], [dets([[0, 0, 10, 10]])])
    assert m.ar300 == 0.0
    assert m.ap == 0.0
    assert evaluate([pred], [dets([[0, 0, 10, 10]])], max_dets=301).ar300 == 1.0


def test_ap_pools_detections_across_images() -> None:
    # image A: hit at 0.9; image B: miss at 0.8, hit at 0.7 -> TP FP TP over 2 GT boxes
    # precision at recall 0.5 is 1, at recall 1.0 is 2/3: (51 * 1 + 50 * 2/3) / 101
    a = dets([[0, 0, 10, 10]], [0.9])
    b = dets([[50, 50, 60, 60], [0, 0, 10, 10]], [0.8, 0.7])
    gt = dets([[0, 0, 10, 10]])
    m = evaluate([a, b], [gt, gt])
    assert m.ap50 == pytest.approx((51 + 50 * 2 / 3) / 101)


@pytest.mark.parametrize(
    ("preds", "gts", "mae", "rmse"),
    [
        # counts 2 vs 2 and 0 vs 1 -> errors 0, 1
        ([dets(GT2, [0.9, 0.6]), dets([])], [dets(GT2), dets([[0, 0, 1, 1]])], 0.5, math.sqrt(0.5)),
        # a detection below the count threshold (0.5) is not counted -> error 1
        ([dets(GT2, [0.9, 0.4])], [dets(GT2)], 1.0, 1.0),
        # over-counting: 3 vs 1 -> error 2
        ([dets([*GT2, [40, 0, 50, 10]], [0.9, 0.9, 0.9])], [dets([[0, 0, 10, 10]])], 2.0, 2.0),
    ],
)
def test_counting_error(
    preds: list[Detections], gts: list[Detections], mae: float, rmse: float
) -> None:
    m = evaluate(preds, gts)
    assert m.count_mae == pytest.approx(mae)
    assert m.count_rmse == pytest.approx(rmse)


def test_classes_are_averaged_and_missing_ones_skipped() -> None:
    gt = dets([[0, 0, 10, 10], [20, 0, 30, 10]], classes=[0, 1])
    pred = dets([[0, 0, 10, 10]], [0.9], [0])  # class 0 found, class 1 missed
    assert evaluate([pred], [gt], classes=(0, 1)).ap == pytest.approx(0.5)
    # class 2 has no ground truth: it does not drag the mean down
    assert evaluate([pred], [gt], classes=(0, 2)).ap == pytest.approx(1.0)
    assert math.isnan(evaluate([pred], [gt], classes=(2,)).ap)


@pytest.mark.parametrize(
    ("a", "b", "iou"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),  # identical
        ([0, 0, 10, 10], [5, 0, 15, 10], 50 / 150),  # half overlap
        ([0, 0, 10, 10], [10, 0, 20, 10], 0.0),  # touching edges
        ([0, 0, 0, 0], [0, 0, 0, 0], 0.0),  # degenerate boxes: no division by zero
    ],
)
def test_box_iou(a: list[float], b: list[float], iou: float) -> None:
    got = box_iou(np.array([a], np.float32), np.array([b], np.float32))
    assert got.shape == (1, 1)
    assert got[0, 0] == pytest.approx(iou)


def test_box_iou_empty() -> None:
    assert box_iou(np.zeros((0, 4), np.float32), np.zeros((3, 4), np.float32)).shape == (0, 3)


def test_greedy_matching_gives_gt_to_the_higher_score() -> None:
    # both detections overlap GT 0 best; the first (higher score) takes it, the
    # second falls back to GT 1 only if its IoU with GT 1 passes the threshold
    iou = np.array([[0.9, 0.0], [0.8, 0.6]])
    tp = match_image(iou, np.array([0.5, 0.7]))
    assert tp.tolist() == [[True, True], [True, False]]


def test_interpolated_ap_edges() -> None:
    assert math.isnan(interpolated_ap(np.zeros(0, bool), 0))
    assert interpolated_ap(np.zeros(0, bool), 3) == 0.0


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="2 predictions for 1"):
        evaluate([dets([]), dets([])], [dets([])])
