"""Shelf structure: slope of the shelf lines, bays (uprights, end of the run), shelf rows.

Pure numpy over boxes (and, where given, a small gray copy of the photo):

- ``shelf_slope``: the slope of the shelf lines (pixels down per pixel right), from the
  bottoms of facings standing on one shelf; a tilted photo's rows follow it.
- ``find_bays``: where the shelf lines change from one column of the photo to the next,
  a bay ends (an upright, or a side bay with its shelves at other heights). The widest
  bay is the bay in front of the camera; a neighbour about as wide is a second bay of the
  same run; narrower ones at the photo's sides are side bays, left out of the bay KPIs.
- ``edge_profile``: horizontal-edge energy per photo row, the shelf edges and price strips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Boxes = npt.NDArray[np.float64]

BIN_FACINGS = 1.0  # bay columns are about one median facing wide
SAME_BAY = 0.5  # share of a column's rows the bay holds, from which the column is in the bay
MIN_BAY_COLUMNS = 3  # a bay is at least this many columns (median facings) wide
SECOND_BAY = 0.6  # a bay at least this share of the widest bay's width is kept as a bay


@dataclass(frozen=True)
class Bay:
    """A bay's horizontal extent in pixels; ``main`` is the bay in front of the camera."""

    x_left: float
    x_right: float
    main: bool

    @property
    def width(self) -> float:
        return self.x_right - self.x_left


def shelf_slope(boxes: Boxes, rows: list[list[int]], min_boxes: int = 4) -> float:
    """Median least-squares slope of box bottoms over rows with ``min_boxes`` or more.

    ``boxes`` (N, 4); ``rows`` lists box indices per row. 0.0 when no row is long enough.
    Slopes steeper than 0.2 (11 degrees) are not shelf lines and are ignored.
    """
    slopes, weights = [], []
    for members in rows:
        if len(members) < min_boxes:
            continue
        b = boxes[members]
        x = (b[:, 0] + b[:, 2]) / 2
        y = b[:, 3]
        if float(np.ptp(x)) <= 0:
            continue
        k = float(np.polyfit(x, y, 1)[0])
        if abs(k) < 0.2:
            slopes.append(k)
            weights.append(len(members))
    if not slopes:
        return 0.0
    order = np.argsort(slopes)
    cum = np.cumsum(np.asarray(weights, float)[order])
    return float(np.asarray(slopes)[order][np.searchsorted(cum, cum[-1] / 2)])


def deslant(boxes: Boxes, slope: float, x_mid: float) -> Boxes:
    """(N, 4) boxes with their y moved as if the shelf lines were level (slope 0)."""
    out = boxes.copy()
    shift = slope * ((boxes[:, 0] + boxes[:, 2]) / 2 - x_mid)
    out[:, 1] -= shift
    out[:, 3] -= shift
    return out


def _contained(bay: npt.NDArray[np.bool_], column: npt.NDArray[np.bool_]) -> float:
    """Share of a column's rows that the bay already holds (1.0 for an empty column):
    a column missing some of the bay's rows (a gap, a tall product) stays in the bay."""
    own = int(column.sum())
    return int((bay & column).sum()) / own if own else 1.0


def _merge_alike(
    segments: list[tuple[int, int]], sig: npt.NDArray[np.bool_]
) -> list[tuple[int, int]]:
    """Join neighbouring segments when the rows of one are mostly rows of the other: a
    segment started on a column or two with few rows (the photo's border, a gap) is the
    same bay as the long segment beside it."""
    out = list(segments)
    merged = True
    while merged and len(out) > 1:
        merged = False
        for i in range(len(out) - 1):
            a = np.asarray(sig[out[i][0] : out[i][1]].any(axis=0), bool)
            b = np.asarray(sig[out[i + 1][0] : out[i + 1][1]].any(axis=0), bool)
            small, big = (a, b) if a.sum() <= b.sum() else (b, a)
            if _contained(big, small) >= SAME_BAY:
                out[i : i + 2] = [(out[i][0], out[i + 1][1])]
                merged = True
                break
    return out


def _merge_slivers(segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join segments narrower than ``MIN_BAY_COLUMNS`` columns to their neighbour: a
    column or two of other rows is a product cut by the border or a wide pack, not a bay."""
    out = list(segments)
    i = 0
    while len(out) > 1 and i < len(out):
        a, b = out[i]
        if b - a >= MIN_BAY_COLUMNS:
            i += 1
            continue
        if i + 1 < len(out):
            out[i : i + 2] = [(a, out[i + 1][1])]
        else:
            out[i - 1 : i + 1] = [(out[i - 1][0], b)]
        i = max(0, i - 1)
    return out


def find_bays(boxes: Boxes, rows: list[list[int]], width: float) -> list[Bay]:
    """Bays from the rows each column of the photo holds.

    ``boxes`` (N, 4) facings; ``rows`` box indices per row; ``width`` the photo width.
    The photo is cut into columns about one median facing wide; each column's signature
    is the set of rows with a facing centred in it. A column joins the bay on its left
    when at least ``SAME_BAY`` of its rows are rows of that bay; one with two or more
    new rows (shelves at other heights) starts a new bay.
    Returns the bays left to right (empty when there are no boxes); the widest is
    ``main``; others narrower than ``SECOND_BAY`` of it are dropped (side bays).
    """
    if len(boxes) == 0 or not rows:
        return []
    typical = float(np.median(boxes[:, 2] - boxes[:, 0]))
    n_bins = int(np.clip(round(width / max(typical * BIN_FACINGS, 1.0)), 1, 200))
    edges = np.linspace(0.0, width, n_bins + 1)
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    col = np.clip(np.searchsorted(edges, cx, side="right") - 1, 0, n_bins - 1)
    sig = np.zeros((n_bins, len(rows)), bool)
    for r, members in enumerate(rows):
        sig[col[members], r] = True
    occupied: npt.NDArray[np.bool_] = np.asarray(sig.any(axis=1), bool)
    segments: list[tuple[int, int]] = []
    current: npt.NDArray[np.bool_] | None = None
    start = 0
    for i in range(n_bins):
        if not occupied[i]:
            continue
        if current is None:
            current, start = sig[i].copy(), i
        elif _contained(current, sig[i]) >= SAME_BAY or int((sig[i] & ~current).sum()) < 2:
            current |= sig[i]
        else:
            segments.append((start, i))
            current, start = sig[i].copy(), i
    if current is not None:
        last = int(np.flatnonzero(occupied)[-1]) + 1
        segments.append((start, last))
    segments = _merge_slivers(_merge_alike(segments, sig))
    bays = [Bay(float(edges[a]), float(edges[b]), False) for a, b in segments]
    widest = max(range(len(bays)), key=lambda i: bays[i].width)
    keep = [b for b in bays if b.width >= SECOND_BAY * bays[widest].width]
    return [Bay(b.x_left, b.x_right, b is bays[widest]) for b in keep]


def edge_profile(gray: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """(H, W) gray -> (H,) mean absolute vertical gradient per pixel row, normalised to
    its median: shelf edges and price strips are the peaks."""
    g = gray.astype(np.float32)
    dy = np.abs(np.diff(g, axis=0)).mean(axis=1)
    prof = np.concatenate([dy, dy[-1:]]).astype(np.float64)
    return prof / max(float(np.median(prof)), 1e-6)
