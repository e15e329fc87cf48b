"""Turn one photo's detections and layout into alignment tokens, row by row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shelfscan.planogram.align import FOREIGN, GAP, UNKNOWN, WILDCARD, Observed
from shelfscan.types import Detections, ShelfLayout

UNKNOWN_SKUS = frozenset({"", "unknown", "none", "nan"})
EDGE_TOLERANCE = 0.5  # of a typical facing width: no facing fits between row and frame
MIN_VISIBLE = 0.3  # a box less visible than this share is not detected (cut by the frame)


@dataclass(frozen=True)
class RowTokens:
    """An observed row: alignment tokens plus what each token is in the photo."""

    row: int  # layout row index
    observed: Observed
    det: tuple[int, ...]  # detection index per token, -1 for gap tokens
    boxes: tuple[tuple[float, float, float, float], ...]  # box per token


# Gap tokens are bounded: a sliver of a neighbour box (a few pixels wide) must not cut a
# gap into millions of tokens (1,200 facings once asked the aligner for 762 GiB)
MIN_GAP_UNIT = 0.5  # a missing facing is at least half the typical facing width
MAX_GAP_TOKENS = 64  # tokens per gap, whatever its width


def sku_codes(dets: Detections, vocab: dict[str, int]) -> np.ndarray:
    """Per-detection token code: vocabulary index, or WILDCARD / UNKNOWN / FOREIGN."""
    if "sku" not in dets.data:
        return np.full(len(dets), WILDCARD, dtype=np.int64)
    out = np.empty(len(dets), dtype=np.int64)
    for i, value in enumerate(dets.data["sku"]):
        text = "" if value is None else str(value)
        if text.strip().lower() in UNKNOWN_SKUS:
            out[i] = UNKNOWN
        else:
            out[i] = vocab.get(text, FOREIGN)
    return out


def observe(dets: Detections, layout: ShelfLayout, vocab: dict[str, int]) -> list[RowTokens]:
    """Tokens of every layout row, top row first; gaps become one token per facing width."""
    codes = sku_codes(dets, vocab)
    if not layout.rows:
        return []
    typical = float(np.median([r.typical_width for r in layout.rows]))
    bay_left = min(r.x_left for r in layout.rows)
    bay_right = max(r.x_right for r in layout.rows)
    bay_left = min([bay_left, *(g.xyxy[0] for g in layout.gaps)])
    bay_right = max([bay_right, *(g.xyxy[2] for g in layout.gaps)])
    out = []
    for row in layout.rows:
        items: list[tuple[float, int, int, float, tuple[float, float, float, float]]] = []
        for i in row.facing_ids:
            x1, y1, x2, y2 = (float(v) for v in dets.xyxy[i])
            items.append((x1, int(codes[i]), i, x2 - x1, (x1, y1, x2, y2)))
        for gap in layout.gaps:
            if gap.row != row.index:
                continue
            unit = max(_gap_unit(dets, row.facing_ids, gap.xyxy, typical), MIN_GAP_UNIT * typical)
            k = min(MAX_GAP_TOKENS, max(1, round(gap.width / unit)))
            step = gap.width / k
            for n in range(k):
                x1 = gap.xyxy[0] + n * step
                items.append((x1, GAP, -1, step, (x1, gap.xyxy[1], x1 + step, gap.xyxy[3])))
        items.sort(key=lambda t: t[0])
        # a row is cut by the frame where a facing between it and the image edge would be
        # too little visible to be detected (boxes under MIN_VISIBLE of their area are lost)
        base = EDGE_TOLERANCE * max(row.typical_width, typical)
        width = layout.image_size[0]
        tol_l = max(base, (1 - MIN_VISIBLE) * items[0][3]) if items else base
        tol_r = max(base, (1 - MIN_VISIBLE) * items[-1][3]) if items else base
        open_left = bool(items) and items[0][4][0] <= tol_l and bay_left <= tol_l
        open_right = bool(items) and items[-1][4][2] >= width - tol_r and bay_right >= width - tol_r
        observed = Observed(
            np.array([t[1] for t in items], dtype=np.int64),
            np.array([t[3] for t in items], dtype=np.float64),
            open_left,
            open_right,
        )
        out.append(
            RowTokens(row.index, observed, tuple(t[2] for t in items), tuple(t[4] for t in items))
        )
    return out


def _gap_unit(
    dets: Detections,
    ids: tuple[int, ...],
    box: tuple[float, float, float, float],
    typical: float,
) -> float:
    """The width one missing facing of a gap most likely had: that of the facing standing
    next to it (left, else right), else the typical facing width."""
    if not ids:
        return max(typical, 1e-6)
    x1, x2 = dets.xyxy[list(ids), 0], dets.xyxy[list(ids), 2]
    left = np.flatnonzero(x2 <= box[0] + 1.0)
    right = np.flatnonzero(x1 >= box[2] - 1.0)
    if len(left):
        j = left[np.argmax(x2[left])]
    elif len(right):
        j = right[np.argmin(x1[right])]
    else:
        return max(typical, 1e-6)
    return max(float(x2[j] - x1[j]), 1e-6)


def near_top_bottom(layout: ShelfLayout) -> tuple[bool, bool]:
    """Whether a shelf above the top row / below the bottom row could be out of the photo:
    true when there is no room for another row between that row and the image edge."""
    if not layout.rows:
        return False, False
    height = layout.image_size[1]
    room = 0.8 * float(np.median([r.y_bottom - r.y_top for r in layout.rows]))
    return layout.rows[0].y_top < room, height - layout.rows[-1].y_bottom < room


__all__ = ["FOREIGN", "GAP", "UNKNOWN", "WILDCARD", "RowTokens", "observe", "sku_codes"]
