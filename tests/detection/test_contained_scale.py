"""Contained-box suppression compares only overlapping pairs: same answer as all pairs,
in time near-linear in the number of boxes."""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import pytest

from shelfscan.detection.nms import overlapping_pairs, suppress_contained


def all_pairs_reference(
    boxes: npt.NDArray[np.float64],
    scores: npt.NDArray[np.float64],
    min_inside: float,
    cls: npt.NDArray[np.int64],
) -> list[int]:
    """The definition, over every pair (n^2)."""
    order = np.argsort(-scores, kind="stable")
    b, c = boxes[order], cls[order]
    area = (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)
    kept: list[int] = []
    for i in range(len(b)):
        dropped = False
        for j in kept:
            w = min(b[i, 2], b[j, 2]) - max(b[i, 0], b[j, 0])
            h = min(b[i, 3], b[j, 3]) - max(b[i, 1], b[j, 1])
            inter = max(w, 0.0) * max(h, 0.0)
            if c[i] == c[j] and area[j] <= 2 * area[i] and inter / max(area[i], 1e-9) >= min_inside:
                dropped = True
                break
        if not dropped:
            kept.append(i)
    return [int(order[k]) for k in kept]


def random_shelf(seed: int, n: int, spread: float) -> tuple[npt.NDArray[np.float64], ...]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, spread, (n, 2))
    wh = rng.uniform(5, 40, (n, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1).round()  # rounding gives ties and touches
    return boxes, rng.random(n).round(2), rng.integers(0, 2, n)


@pytest.mark.parametrize(
    ("seed", "n", "spread", "min_inside"),
    [
        (0, 60, 100.0, 0.5),  # crowded: many nested and shifted copies
        (1, 200, 400.0, 0.5),  # a shelf's density
        (2, 200, 400.0, 0.8),  # stricter threshold
        (3, 150, 60.0, 0.3),  # very crowded, lax threshold: long suppression chains
        (4, 1, 10.0, 0.5),  # one box
    ],
)
def test_same_answer_as_all_pairs(seed: int, n: int, spread: float, min_inside: float) -> None:
    boxes, scores, cls = random_shelf(seed, n, spread)
    out = suppress_contained(boxes, scores, min_inside, cls)
    assert out.tolist() == all_pairs_reference(boxes, scores, min_inside, cls)


def test_overlapping_pairs_are_each_x_overlap_once() -> None:
    boxes, _, _ = random_shelf(5, 80, 200.0)
    a, b = overlapping_pairs(boxes)
    found = {(min(i, j), max(i, j)) for i, j in zip(a.tolist(), b.tolist(), strict=True)}
    assert len(found) == len(a)  # no pair twice
    expected = {
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if min(boxes[i, 2], boxes[j, 2]) > max(boxes[i, 0], boxes[j, 0])
    }
    assert found == expected


def test_non_positive_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="min_inside"):
        suppress_contained(np.zeros((2, 4)), np.ones(2), 0.0)


def test_1280_facings_take_milliseconds_of_cpu() -> None:
    # 20 rows of 64 facings plus a shifted duplicate of every tenth: the all-pairs
    # version took ~100 ms of CPU and n^2 memory here; CPU time, not wall, on a shared box
    rng = np.random.default_rng(0)
    i = np.arange(1280)
    x1, y1 = (i % 64) * 31.0, (i // 64) * 100.0
    boxes = np.stack([x1, y1, x1 + 30, y1 + 90], axis=1) + rng.normal(0, 1, (1280, 4))
    boxes = np.concatenate([boxes, boxes[::10] + np.array([4, 3, 2, 0])])
    scores = rng.random(len(boxes))
    suppress_contained(boxes, scores)  # warm-up
    c0 = time.process_time()
    kept = suppress_contained(boxes, scores)
    assert time.process_time() - c0 < 0.03
    assert 1280 <= len(kept) < len(boxes)  # most duplicates gone, no facing lost
