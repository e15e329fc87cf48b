from __future__ import annotations

import itertools

import numpy as np
import pytest

from helpers import dets
from shelfscan.detection import letterbox
from shelfscan.detection.tiling import Tile, cut_by_edges, drop_cut_boxes, plan_tiles


@pytest.mark.parametrize(
    ("size", "grid", "count"),
    [
        ((4000, 3000), (1, 1), 1),  # no tiling: the whole photo
        ((4000, 3000), (2, 2), 4),
        ((4000, 3000), (3, 2), 6),
    ],
)
def test_tiles_cover_the_photo_with_overlap(
    size: tuple[int, int], grid: tuple[int, int], count: int
) -> None:
    tiles = plan_tiles(*size, grid)
    assert len(tiles) == count
    covered = np.zeros((size[1] // 10, size[0] // 10), bool)
    for t in tiles:
        covered[t.y1 // 10 : t.y2 // 10, t.x1 // 10 : t.x2 // 10] = True
    assert covered.all()
    if count > 1:
        xs = sorted({(t.x1, t.x2) for t in tiles})
        assert all(b[0] < a[1] for a, b in itertools.pairwise(xs))  # neighbours overlap


@pytest.mark.parametrize(
    ("box", "kept"),
    [
        ([100, 100, 200, 200], True),  # well inside the tile
        ([1000, 100, 1100, 200], False),  # touches the inner right edge at x=1100
        ([0, 100, 50, 200], True),  # touches the photo's own left border: keep
        ([100, 1150, 200, 1200], False),  # touches the inner bottom edge
    ],
)
def test_boxes_cut_by_inner_tile_edges_are_dropped(box: list[float], kept: bool) -> None:
    tile = Tile(0, 0, 1100, 1200)
    out = drop_cut_boxes(dets([box]), tile, width=2000, height=2000)
    assert len(out) == int(kept)


@pytest.mark.parametrize(
    ("edges", "margin", "cut"),
    [
        ({}, 2.0, [False, False, False]),  # no inner edge: nothing is cut
        ({"right": 100.0}, 2.0, [False, True, False]),  # 99 is within 2 px of 100
        ({"right": 100.0}, 0.5, [False, False, False]),  # ... but not within 0.5 px
        ({"left": 0.0}, 2.0, [True, False, False]),
        ({"top": 10.0, "bottom": 50.0}, 2.0, [False, False, True]),
    ],
)
def test_cut_by_edges(edges: dict[str, float], margin: float, cut: list[bool]) -> None:
    boxes = np.array([[1, 20, 30, 40], [60, 20, 99, 40], [40, 11, 50, 30]], float)
    assert cut_by_edges(boxes, margin=margin, **edges).tolist() == cut


@pytest.mark.parametrize(
    ("shape", "long_side", "tensor_hw", "scale"),
    [
        ((3000, 4000), 640, (480, 640), 0.16),  # landscape 12 MP
        ((4000, 3000), 640, (640, 480), 0.16),  # portrait
        ((1000, 1000), 800, (800, 800), 0.8),
        ((300, 500), 1000, (608, 1024), 2.0),  # upscaled, padded to a multiple of 32
    ],
)
def test_letterbox(
    shape: tuple[int, int], long_side: int, tensor_hw: tuple[int, int], scale: float
) -> None:
    image = np.full((*shape, 3), 200, np.uint8)
    tensor, lb = letterbox(image, long_side)
    assert tensor.shape == (1, 3, *tensor_hw)
    assert tensor.dtype == np.float32
    assert lb.scale == pytest.approx(scale)
    assert tensor[0, :, : lb.height, : lb.width].max() == pytest.approx(200 / 255)
    if lb.height < tensor_hw[0]:
        assert tensor[0, 0, -1, 0] == pytest.approx(114 / 255)  # padding
