"""Bays from overlapping shots: the merge logic on ground-truth boxes, then end to end
with feature registration on synthetic shots."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.imaging.stitch import register_bay
from shelfscan.layout.bay import build_bay, inter_over_min, merge_shots
from shelfscan.layout.bay_synthetic import count_doubles, make_bay_shots
from shelfscan.types import CLASS_EMPTY, CLASS_PRODUCT, Detections


def shift(dx: float) -> np.ndarray:
    return np.array([[1, 0, dx], [0, 1, 0], [0, 0, 1]], float)


def boxes(rows: list[list[float]], classes: list[int] | None = None) -> Detections:
    n = len(rows)
    cls = np.array(classes if classes is not None else [CLASS_PRODUCT] * n)
    return Detections.from_boxes(np.array(rows, float).reshape(-1, 4), np.ones(n), cls)


SIZE = (200, 100)


@pytest.mark.parametrize(
    ("left", "right", "kept", "merged"),
    [
        # the same facing seen whole in both shots (right shot starts at x=150)
        ([[160, 10, 190, 60]], [[10, 10, 40, 60]], 1, 1),
        # cut by the left shot's border, whole in the right shot: one facing, whole copy wins
        ([[170, 10, 200, 60]], [[20, 10, 50, 60]], 1, 1),
        # neighbours side by side in the overlap are two facings
        ([[150, 10, 175, 60]], [[30, 10, 45, 60]], 2, 0),
        # a product and an empty slot at the same place are not merged
        ([[160, 10, 190, 60]], [[10, 10, 40, 60]], 2, 0),
    ],
)
def test_overlap_merge(
    left: list[list[float]], right: list[list[float]], kept: int, merged: int
) -> None:
    classes = [CLASS_EMPTY] if kept == 2 and merged == 0 and left[0][0] == 160 else None
    out, dup, per_shot = merge_shots(
        [boxes(left), boxes(right, classes)], [SIZE, SIZE], [np.eye(3), shift(150)]
    )
    assert (len(out), dup, sum(per_shot)) == (kept, merged, kept)


def test_truncated_copy_is_replaced_by_the_whole_one() -> None:
    out, _, _ = merge_shots(
        [boxes([[170, 10, 200, 60]]), boxes([[20, 10, 50, 60]])],
        [SIZE, SIZE],
        [np.eye(3), shift(150)],
    )
    assert out.xyxy[0].tolist() == [170, 10, 200, 60]
    assert out.column("shot")[0] == 1


@pytest.mark.parametrize(
    ("left", "right", "registered", "kept"),
    [
        # a sliver cut by the left shot's right border, off the whole copy (bay x 195-235)
        # by a registration error: dropped, the right shot counts the facing
        ([[170, 10, 200, 60]], [[45, 10, 85, 60]], True, 1),
        # the same when the right shot is not registered: nothing sees past the border
        ([[170, 10, 200, 60]], [[45, 10, 85, 60]], False, 2),
        # a box at the border reaching left of the right shot (x < 150): the right shot
        # cannot hold it, so it stays
        ([[120, 10, 200, 60]], [[60, 10, 90, 60]], True, 2),
        # a sliver at the right shot's left border, off the left shot's whole copy
        ([[120, 10, 160, 60]], [[0, 10, 25, 60]], True, 1),
        # the last shot's own right border is not shared: a box there is kept
        ([[10, 10, 40, 60]], [[170, 10, 200, 60]], True, 2),
    ],
)
def test_boxes_cut_by_a_shared_border_are_dropped(
    left: list[list[float]], right: list[list[float]], registered: bool, kept: int
) -> None:
    out, dup, per_shot = merge_shots(
        [boxes(left), boxes(right)], [SIZE, SIZE], [np.eye(3), shift(150)], [True, registered]
    )
    assert (len(out), dup, sum(per_shot)) == (kept, 2 - kept, kept)


def test_shots_that_do_not_overlap_are_counted_whole_with_a_warning() -> None:
    bay = build_bay([boxes([[10, 10, 40, 60]]), boxes([[10, 10, 40, 60]])], [SIZE, SIZE], [None])
    assert bay.facings == 2 and bay.double_counted == 0
    assert bay.warnings and "does not overlap" in bay.warnings[0]
    assert bay.offsets_x == [0.0, 200.0]


def test_inter_over_min_empty() -> None:
    assert inter_over_min(np.zeros((0, 4)), np.zeros((3, 4))).shape == (0, 3)


@pytest.mark.parametrize(
    ("seed", "shots", "perspective"),
    [
        (1, 3, 0.0),  # straight shots, 30 % overlap
        (3, 4, 0.15),  # each shot from a slightly different angle
        (0, 5, 0.1),  # five shots
    ],
)
def test_synthetic_bay_counts_every_facing_once(seed: int, shots: int, perspective: float) -> None:
    bay_shots = make_bay_shots(seed, shots, 0.3, perspective=perspective)
    pairs, method = register_bay(bay_shots.images)
    assert method == "features" and all(p is not None for p in pairs)
    sizes = [(im.shape[1], im.shape[0]) for im in bay_shots.images]
    bay = build_bay(bay_shots.truth, sizes, pairs, method)
    _, doubles = count_doubles(bay.detections)
    products = int((bay.detections.class_id == CLASS_PRODUCT).sum())
    assert doubles == 0
    assert abs(products - bay_shots.products) <= 0.02 * bay_shots.products
    assert bay.kpis["bay_photos"] == shots  # shelf KPIs: pipeline.merge_bay
    assert all(0.2 < o < 0.4 for o in bay.overlaps[1:])


def test_build_bay_rejects_mismatched_pairs() -> None:
    with pytest.raises(ValueError, match="pairs"):
        build_bay([boxes([[0, 0, 1, 1]])], [SIZE], [None])
