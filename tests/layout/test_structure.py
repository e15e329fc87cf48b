"""Shelf structure: slope, shelf lines, rows on lines, bays, gap evidence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import shelf_row_boxes
from shelfscan.layout.evidence import CONFIDENT, gap_confidence, texture_map
from shelfscan.layout.rows import rows_on_lines, shelf_lines
from shelfscan.layout.structure import find_bays, shelf_slope


def row(y: float, xs: list[tuple[float, float]], h: float = 100.0) -> list[list[float]]:
    return shelf_row_boxes(y, h, xs)


def facings(n: int, x0: float = 0.0, w: float = 40.0) -> list[tuple[float, float]]:
    return [(x0 + i * (w + 2), x0 + i * (w + 2) + w) for i in range(n)]


@pytest.mark.parametrize(
    ("slope",),
    [(0.0,), (0.05,), (-0.08,)],  # level, sloping down to the right, up to the right
)
def test_rows_on_lines_follow_a_sloped_shelf(slope: float) -> None:
    boxes = []
    for k in range(3):
        for x1, x2 in facings(20):
            dy = slope * (x1 + x2) / 2
            boxes.append([x1, k * 150 + dy, x2, k * 150 + 100 + dy])
    b = np.asarray(boxes, np.float64)
    rows = rows_on_lines(b, 100.0)
    assert [len(r) for r in rows] == [20, 20, 20]
    assert shelf_slope(b, rows) == pytest.approx(slope, abs=1e-6)


@pytest.mark.parametrize(
    ("shelf_height", "unit", "rows_expected"),
    [
        # a small unit set back on its shelf: its bottom 48 above the line (beyond the
        # line's reach, and more than its own 40 px height), its box inside the band of
        # the shelf's facings: it stays on that shelf
        (100.0, [300.0, 212.0, 330.0, 252.0], [20, 21]),
        # the same unit over facings 50 tall reaches above their tops: on no shelf
        (50.0, [300.0, 212.0, 330.0, 252.0], [20, 20]),
        # a unit standing on the line is on it as ever
        (50.0, [300.0, 260.0, 330.0, 300.0], [20, 21]),
    ],
)
def test_rows_on_lines_keep_a_small_set_back_unit_on_its_shelf(
    shelf_height: float, unit: list[float], rows_expected: list[int]
) -> None:
    # shelf lines at 100 and 300, median facing height 100
    shelves = row(0, facings(20)) + row(300 - shelf_height, facings(20), shelf_height)
    boxes = np.asarray([*shelves, unit], np.float64)
    rows = rows_on_lines(boxes, 100.0)
    assert [len(r) for r in rows] == rows_expected


@pytest.mark.parametrize(
    ("bottoms", "expected"),
    [
        ([], []),  # nothing
        ([100.0] * 5, [100.0]),  # one shelf
        ([100.0] * 5 + [250.0] * 5, [100.0, 250.0]),  # two shelves 1.5 heights apart
        ([100.0] * 5 + [120.0] * 2, [100.0]),  # a few bottoms just off the line: same shelf
    ],
)
def test_shelf_lines(bottoms: list[float], expected: list[float]) -> None:
    got = shelf_lines(np.asarray(bottoms, np.float64), 100.0)
    assert got == pytest.approx(expected, abs=6.0)


def test_find_bays_splits_where_shelf_heights_change() -> None:
    # a main bay (x 0-840) with shelves at 100/250/400 and a side bay with shelves at 170/320
    main = [b for y in (0, 150, 300) for b in row(y, facings(20))]
    side = [b for y in (70, 220) for b in row(y, facings(5, x0=900))]
    boxes = np.asarray(main + side, np.float64)
    rows = rows_on_lines(boxes, 100.0)
    bays = find_bays(boxes, rows, 1110.0)
    assert len(bays) == 1 and bays[0].main
    # the bay ends between the main bay's last facing centre and the side bay's first
    assert bays[0].x_left < 20 and 838 < bays[0].x_right < 920


def test_find_bays_keeps_one_bay_across_a_gap() -> None:
    # the middle shelf misses facings in the middle: still one bay
    boxes = np.asarray(
        row(0, facings(20)) + row(150, facings(5) + facings(5, x0=630)) + row(300, facings(20)),
        np.float64,
    )
    bays = find_bays(boxes, rows_on_lines(boxes, 100.0), 840.0)
    assert len(bays) == 1


@pytest.mark.parametrize(
    ("row_facings", "inside", "ratio", "empty", "width", "confident"),
    [
        (10, True, 0.3, None, 1.0, True),  # flat region between facings: empty slot
        (10, True, 1.2, None, 1.0, False),  # as busy as the facings: a missed product
        (2, False, 0.3, None, 5.0, False),  # a two-box row never makes the rest a gap
        (2, True, 0.3, None, 1.0, True),  # ... but the hole between its boxes may be one
        (10, False, 0.3, None, 4.0, False),  # a wide empty end in a photo: the run's end
        (10, False, math.nan, None, 4.0, True),  # ... from boxes alone: lost facings
        (10, False, 0.3, None, 1.5, True),  # a short empty end: out of stock
        (10, True, math.nan, None, 1.0, True),  # no image: a hole between facings counts
        (10, True, 0.3, 0.9, 1.0, True),  # the detector's empty box, flat
        (10, True, 1.2, 0.2, 1.0, False),  # a weak empty box over a busy region
    ],
)
def test_gap_confidence(
    row_facings: int,
    inside: bool,
    ratio: float,
    empty: float | None,
    width: float,
    confident: bool,
) -> None:
    conf = gap_confidence(row_facings, inside, ratio, empty, width)
    assert 0.0 <= conf <= 1.0
    assert (conf >= CONFIDENT) == confident


def test_texture_map_is_flat_on_a_flat_image_and_scales() -> None:
    flat = np.full((1200, 1600, 3), 90, np.uint8)
    tex, scale = texture_map(flat, long_side=400)
    assert float(tex.max()) == 0.0
    assert scale == pytest.approx(0.25)
    noisy = np.random.default_rng(0).integers(0, 255, (1200, 1600, 3), dtype=np.uint8)
    assert float(texture_map(noisy, long_side=400)[0].mean()) > 10.0
