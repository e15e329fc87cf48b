"""Split very large photos into overlapping tiles, and clean up boxes cut by tile edges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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


def cut_by_edges(
    xyxy: npt.NDArray[np.floating],
    left: float | None = None,
    top: float | None = None,
    right: float | None = None,
    bottom: float | None = None,
    margin: float = EDGE_MARGIN,
) -> npt.NDArray[np.bool_]:
    """(N,) mask of boxes (N, 4) touching any given edge (within ``margin`` pixels): the
    edge cut them. ``None`` edges are not inner edges (nothing is cut there)."""
    x1, y1, x2, y2 = np.asarray(xyxy, np.float64).reshape(-1, 4).T
    cut = np.zeros(len(x1), dtype=bool)
    if left is not None:
        cut |= x1 <= left + margin
    if top is not None:
        cut |= y1 <= top + margin
    if right is not None:
        cut |= x2 >= right - margin
    if bottom is not None:
        cut |= y2 >= bottom - margin
    return cut


def drop_cut_boxes(dets: Detections, tile: Tile, width: int, height: int) -> Detections:
    """Drop boxes touching an inner tile edge: the neighbouring tile sees them whole."""
    if len(dets) == 0 or (tile.x1, tile.y1, tile.x2, tile.y2) == (0, 0, width, height):
        return dets
    cut = cut_by_edges(
        dets.xyxy,
        left=tile.x1 if tile.x1 > 0 else None,
        top=tile.y1 if tile.y1 > 0 else None,
        right=tile.x2 if tile.x2 < width else None,
        bottom=tile.y2 if tile.y2 < height else None,
    )
    return dets[~cut]
