"""Build a ``ShelfLayout`` (rows and gaps) from one photo's detections."""

from __future__ import annotations

import time

import numpy as np

from shelfscan.layout.gaps import MIN_GAP_FACINGS, find_row_gaps
from shelfscan.layout.rows import cluster_rows
from shelfscan.types import CLASS_EMPTY, CLASS_PRODUCT, Detections, Gap, ShelfLayout, ShelfRow


def _overlap_1d(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def build_layout(
    dets: Detections,
    image_size: tuple[int, int],
    min_gap_facings: float = MIN_GAP_FACINGS,
) -> tuple[Detections, ShelfLayout]:
    """Cluster facings into rows and find gaps.

    Products and detected empty slots are clustered together so an empty stretch keeps
    its row. Gaps are holes between products wider than ``min_gap_facings`` typical
    facings (the row is measured against the whole bay's left and right edges) plus
    empty-slot detections that no hole already covers.

    Returns the detections with a ``row`` column (-1 for boxes on no row, e.g. price tags)
    and the layout.
    """
    t0 = time.perf_counter()
    row_col = np.full(len(dets), -1, dtype=np.int64)
    on_shelf = np.flatnonzero((dets.class_id == CLASS_PRODUCT) | (dets.class_id == CLASS_EMPTY))
    if len(on_shelf) == 0:
        layout = ShelfLayout((), (), image_size, (time.perf_counter() - t0) * 1000)
        return dets.with_data(row=row_col), layout
    boxes = dets.xyxy[on_shelf]
    bay_left, bay_right = float(boxes[:, 0].min()), float(boxes[:, 2].max())
    rows: list[ShelfRow] = []
    gaps: list[Gap] = []
    for r, members in enumerate(cluster_rows(boxes)):
        ids = on_shelf[members]
        row_col[ids] = r
        products = ids[dets.class_id[ids] == CLASS_PRODUCT]
        empties = ids[dets.class_id[ids] == CLASS_EMPTY]
        y_top, y_bottom = float(dets.xyxy[ids, 1].min()), float(dets.xyxy[ids, 3].max())
        widths = dets.width[products]
        typical = (
            float(np.median(widths)) if len(products) else float(np.median(dets.width[empties]))
        )
        holes = find_row_gaps(dets.xyxy[products], bay_left, bay_right, min_gap_facings)
        row_gaps = [Gap(r, (x1, y_top, x2, y_bottom), w) for x1, x2, w in holes]
        for e in empties:
            ex1, ex2 = float(dets.xyxy[e, 0]), float(dets.xyxy[e, 2])
            covered = sum(_overlap_1d((ex1, ex2), (g.xyxy[0], g.xyxy[2])) for g in row_gaps)
            if covered < 0.5 * (ex2 - ex1):
                box = (ex1, float(dets.xyxy[e, 1]), ex2, float(dets.xyxy[e, 3]))
                row_gaps.append(Gap(r, box, (ex2 - ex1) / max(typical, 1e-6)))
        gaps.extend(sorted(row_gaps, key=lambda g: g.xyxy[0]))
        rows.append(
            ShelfRow(
                index=r,
                y_top=y_top,
                y_bottom=y_bottom,
                x_left=float(dets.xyxy[ids, 0].min()),
                x_right=float(dets.xyxy[ids, 2].max()),
                facing_ids=tuple(int(i) for i in products),
                typical_width=typical,
            )
        )
    layout = ShelfLayout(tuple(rows), tuple(gaps), image_size, (time.perf_counter() - t0) * 1000)
    return dets.with_data(row=row_col), layout
