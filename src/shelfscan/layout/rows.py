"""Group facings into shelf rows by vertical overlap, ordered left to right."""

from __future__ import annotations

from bisect import insort

import numpy as np
import numpy.typing as npt

MIN_ROW_OVERLAP = 0.5  # share of the shorter height two boxes must share to be on one row


def cluster_rows(
    xyxy: npt.NDArray[np.float32], min_overlap: float = MIN_ROW_OVERLAP
) -> list[list[int]]:
    """Cluster boxes (N, 4) into rows; returns box indices per row, top row first, each left to right.

    A box joins the row whose vertical band (median top, median bottom of its boxes) it
    overlaps most, if that overlap is at least ``min_overlap`` of the shorter height;
    otherwise it starts a new row. Boxes are visited from the bottom edge upwards in
    image order, so a row is anchored on the shelf board its products stand on.
    """
    boxes = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)
    if len(boxes) == 0:
        return []
    order = np.argsort((boxes[:, 1] + boxes[:, 3]) / 2, kind="stable")
    rows: list[list[int]] = []
    bands: list[tuple[float, float]] = []
    edges: list[tuple[list[np.float32], list[np.float32]]] = []  # per row: sorted tops, bottoms
    for i in order:
        top, bottom = float(boxes[i, 1]), float(boxes[i, 3])
        best, best_overlap = -1, 0.0
        for r, (bt, bb) in enumerate(bands):
            inter = min(bottom, bb) - max(top, bt)
            shorter = max(min(bottom - top, bb - bt), 1e-6)
            overlap = inter / shorter
            if overlap > best_overlap:
                best, best_overlap = r, overlap
        if best >= 0 and best_overlap >= min_overlap:
            rows[best].append(int(i))
            insort(edges[best][0], boxes[i, 1])
            insort(edges[best][1], boxes[i, 3])
            bands[best] = (_median(edges[best][0]), _median(edges[best][1]))
        else:
            rows.append([int(i)])
            bands.append((top, bottom))
            edges.append(([boxes[i, 1]], [boxes[i, 3]]))
    rows_sorted = sorted(rows, key=lambda r: float(np.median((boxes[r, 1] + boxes[r, 3]) / 2)))
    return [sorted(r, key=lambda j: float(boxes[j, 0])) for r in rows_sorted]


def _median(ordered: list[np.float32]) -> float:
    """``np.median`` of a sorted list, in O(1) (the band is updated on every box)."""
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return float((ordered[mid - 1] + ordered[mid]) / np.float32(2))


LINE_BIN = 0.05  # histogram bin of box bottoms, in median facing heights
LINE_SIGMA = 0.12  # smoothing of that histogram, in median facing heights
LINE_SEPARATION = 0.5  # two shelf lines are at least this many median heights apart
LINE_REACH = 0.45  # a box stands on a line when its bottom is this close (median heights)
STACK_REACH = 1.0  # ... or sits on its row's units: the line at most one own height below


def _smooth(values: npt.NDArray[np.float64], sigma_bins: float) -> npt.NDArray[np.float64]:
    radius = max(1, int(3 * sigma_bins))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / max(sigma_bins, 1e-6)) ** 2)
    return np.asarray(np.convolve(values, k / k.sum(), mode="same"), np.float64)


def shelf_lines(bottoms: npt.NDArray[np.float64], typical_height: float) -> list[float]:
    """y of the shelf lines: peaks of the smoothed histogram of box bottoms (N,), at least
    ``LINE_SEPARATION`` median heights apart, strongest first kept; returned top first."""
    if len(bottoms) == 0 or typical_height <= 0:
        return []
    step = LINE_BIN * typical_height
    pad = 4 * typical_height * LINE_SIGMA  # wider than the smoothing kernel's reach
    lo = float(bottoms.min()) - pad
    n = int((float(bottoms.max()) + pad - lo) / step) + 1
    hist = np.bincount(((bottoms - lo) / step).astype(np.int64), minlength=n).astype(np.float64)
    dens = _smooth(hist, LINE_SIGMA / LINE_BIN)
    is_peak = (dens > 0) & (dens >= np.roll(dens, 1)) & (dens > np.roll(dens, -1))
    peaks = np.flatnonzero(is_peak)
    kept: list[int] = []
    for p in peaks[np.argsort(-dens[peaks], kind="stable")]:
        if all(abs(int(p) - q) * LINE_BIN >= LINE_SEPARATION for q in kept):
            kept.append(int(p))
    return sorted(lo + (p + 0.5) * step for p in kept)


def rows_on_lines(
    xyxy: npt.NDArray[np.float64], typical_height: float, refits: int = 2
) -> list[list[int]]:
    """Cluster boxes (N, 4) by the shelf line they stand on; top row first, left to right.

    Lines start level at the peaks of ``shelf_lines``; each is then refitted as a straight
    line (y = a + b x) through its boxes' bottoms, so rows follow sloped shelf edges and
    converging ones in an oblique photo. A box whose bottom is farther than
    ``LINE_REACH`` median heights from every line joins the first line below it within
    ``STACK_REACH`` of its own heights (a stacked unit), or within one median height
    when its box lies inside the band of that line's boxes (a small unit set back or up
    on its shelf), else stays on no row.
    """
    boxes = np.asarray(xyxy, np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        return []
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    bottom = boxes[:, 3]
    lines = [(y, 0.0) for y in shelf_lines(bottom, typical_height)]
    if not lines:
        return []
    x_mid = float(np.median(cx))
    assign = np.full(len(boxes), -1)
    for it in range(refits + 1):
        pred = np.stack([a + b * (cx - x_mid) for a, b in lines], axis=1)  # (N, L)
        dist = np.abs(bottom[:, None] - pred)
        assign = np.where(dist.min(axis=1) <= LINE_REACH * typical_height, dist.argmin(axis=1), -1)
        if it == refits:
            break
        new = []
        for k, (a, b) in enumerate(lines):
            m = assign == k
            if m.sum() >= 4 and float(np.ptp(cx[m])) > 2 * typical_height:
                slope, icpt = np.polyfit(cx[m] - x_mid, bottom[m], 1)
                if abs(slope) < 0.2:
                    a, b = float(icpt), float(slope)
            elif m.any():
                a = float(np.median(bottom[m] - b * (cx[m] - x_mid)))
            new.append((a, b))
        lines = new
    # a box above every line's reach (a stacked unit, an item set up on a riser) belongs
    # to the first line below it, when that line is within one own height of its bottom
    above = pred - bottom[:, None]  # (N, L) > 0: the line is below the box's bottom
    heights = boxes[:, 3] - boxes[:, 1]
    below = np.where(above > 0, above, np.inf)
    nearest = below.argmin(axis=1)
    lift = below.min(axis=1)
    stacked = (assign < 0) & (lift <= STACK_REACH * heights)
    # a small unit set back or up on its shelf: its whole box lies inside the band of the
    # line's own boxes (top no higher than their 10th-percentile top), that line within
    # one median facing height below it
    band_top = np.array(
        [
            float(np.percentile(boxes[assign == k, 1], 10)) if (assign == k).any() else np.inf
            for k in range(len(lines))
        ]
    )
    inside = (
        (assign < 0) & (lift <= STACK_REACH * typical_height) & (boxes[:, 1] >= band_top[nearest])
    )
    assign = np.where(stacked | inside, nearest, assign)
    out = [np.flatnonzero(assign == k) for k in range(len(lines))]
    out = [m for m in out if len(m)]
    out.sort(key=lambda m: float(np.median(bottom[m])))
    return [sorted((int(i) for i in m), key=lambda j: float(boxes[j, 0])) for m in out]
