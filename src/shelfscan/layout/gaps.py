"""Find empty stretches on shelf rows: out-of-stock candidates."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MIN_GAP_FACINGS = 0.8  # a hole at least this many typical facings wide is a gap


def find_row_gaps(
    xyxy: npt.NDArray[np.float32],
    row_left: float,
    row_right: float,
    min_gap_facings: float = MIN_GAP_FACINGS,
) -> list[tuple[float, float, float]]:
    """Empty stretches on one row.

    Args:
        xyxy: (N, 4) facing boxes of the row, any order.
        row_left, row_right: the shelf's extent in pixels (usually the bay's), so empty
            space at either end of the row counts too.
        min_gap_facings: minimum hole width in units of the row's median facing width.

    Returns:
        (x_left, x_right, width_in_facings) of each gap, left to right.
    """
    boxes = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)
    if len(boxes) == 0:
        return []
    typical = float(np.median(boxes[:, 2] - boxes[:, 0]))
    if typical <= 0:
        return []
    order = np.argsort(boxes[:, 0], kind="stable")
    gaps: list[tuple[float, float, float]] = []
    cursor = row_left
    for x1, x2 in boxes[order][:, [0, 2]]:
        if x1 - cursor >= min_gap_facings * typical:
            gaps.append((cursor, float(x1), (float(x1) - cursor) / typical))
        cursor = max(cursor, float(x2))
    if row_right - cursor >= min_gap_facings * typical:
        gaps.append((cursor, row_right, (row_right - cursor) / typical))
    return gaps
