"""Split very large photos into overlapping tiles, and clean up boxes cut by tile edges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shelfscan.types import Detections

OVERLAP = 0.2  # fraction of a tile shared with its neighbour
EDGE_MARGIN = 2.0  # pixels: a box this close to an inner tile edge was cut by it


@dataclass(frozen=True)
class Tile:
    x1: int
    y1: int
    x2: int
    y2: int


def plan_tiles(width: int, height: int, grid: tuple[int, int]) -> list[Tile]:
    """Tiles covering a ``width`` x ``height`` photo as a (columns, rows) grid with overlap."""
    cols, rows = max(1, grid[0]), max(1, grid[1])
    if cols == rows == 1:
        return [Tile(0, 0, width, height)]

    def spans(size: int, n: int) -> list[tuple[int, int]]:
        if n == 1:
            return [(0, size)]
        tile = size / (n - (n - 1) * OVERLAP)
        step = tile * (1 - OVERLAP)
        return [(round(i * step), min(size, round(i * step + tile))) for i in range(n)]

    return [Tile(x1, y1, x2, y2) for y1, y2 in spans(height, rows) for x1, x2 in spans(width, cols)]


def drop_cut_boxes(dets: Detections, tile: Tile, width: int, height: int) -> Detections:
    """Drop boxes touching an inner tile edge: the neighbouring tile sees them whole."""
    if len(dets) == 0 or (tile.x1, tile.y1, tile.x2, tile.y2) == (0, 0, width, height):
        return dets
    x1, y1, x2, y2 = dets.xyxy.T
    cut = np.zeros(len(dets), dtype=bool)
    if tile.x1 > 0:
        cut |= x1 <= tile.x1 + EDGE_MARGIN
    if tile.y1 > 0:
        cut |= y1 <= tile.y1 + EDGE_MARGIN
    if tile.x2 < width:
        cut |= x2 >= tile.x2 - EDGE_MARGIN
    if tile.y2 < height:
        cut |= y2 >= tile.y2 - EDGE_MARGIN
    return dets[~cut]
