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
