"""Find a price tag's text lines without a text detector: pure numpy + OpenCV.

A tag crop is already a text region, so the price line is found from the ink itself:
the crop is binarised (Otsu; the minority class is the ink, so white-on-red tags work
too), its connected components are taken, and lines are grown from the tallest glyph
outward over glyphs that share its vertical band and sit close beside it. Components
touching the crop edge (the shelf, a neighbour, the tag's frame) and blobs too flat,
too thin or too large to be a glyph are ignored. Smaller glyphs in the band (a decimal
point, superscript cents, a ``$``) join the line they sit in.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

Rect = tuple[int, int, int, int]  # x1, y1, x2, y2 (exclusive)

MIN_GLYPH_SHARE = 0.12  # a glyph is at least this share of the crop's height ...
MAX_GLYPH_SHARE = 0.9  # ... and at most this share
JOIN_SHARE = 0.3  # a glyph joins a line if at least this share of the line's height
GAP_SHARE = 0.9  # ... and no further from it than this many line heights
BAND_SLACK = 0.3  # ... and inside the line's band widened by this share of its height
MARGIN_SHARE = 0.15  # margin left around a line, share of its height


def _glyphs(gray: npt.NDArray[np.uint8]) -> npt.NDArray[np.int32]:
    """(N, 4) x1, y1, x2, y2 of the glyph-like ink components of a grey crop."""
    h, w = gray.shape
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if np.count_nonzero(bw) > bw.size // 2:
        bw = cv2.bitwise_not(bw)
    _, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    st = stats[1:].astype(np.int32)
    x, y, cw, ch, area = st[:, 0], st[:, 1], st[:, 2], st[:, 3], st[:, 4]
    inside = (x > 0) & (y > 0) & (x + cw < w) & (y + ch < h)
    sized = (ch >= MIN_GLYPH_SHARE * h) & (ch <= MAX_GLYPH_SHARE * h) & (cw <= 2.5 * ch)
    inked = area >= 0.08 * cw * ch
    keep = inside & sized & inked
    out: npt.NDArray[np.int32] = np.stack([x, y, x + cw, y + ch], axis=1)[keep]
    return out


def find_lines(
    gray: npt.NDArray[np.uint8], max_lines: int = 2, min_share: float = 0.45
) -> list[Rect]:
    """Up to ``max_lines`` text lines of a tag crop, tallest first, each at least
    ``min_share`` of the tallest line's height; rectangles in crop pixels."""
    boxes = _glyphs(gray)
    free = np.ones(len(boxes), bool)
    heights = boxes[:, 3] - boxes[:, 1]
    lines: list[Rect] = []
    top = 0
    while free.any() and len(lines) < max_lines:
        seed = int(np.flatnonzero(free)[np.argmax(heights[free])])
        line_h = int(heights[seed])
        if lines and line_h < min_share * top:
            break
        rect = boxes[seed].copy()
        free[seed] = False
        grown = True
        while grown:
            slack = BAND_SLACK * line_h
            gap = np.maximum(rect[0] - boxes[:, 2], boxes[:, 0] - rect[2])
            near = (
                free
                & (heights >= JOIN_SHARE * line_h)
                & (boxes[:, 1] >= rect[1] - slack)
                & (boxes[:, 3] <= rect[3] + slack)
                & (gap <= GAP_SHARE * line_h)
            )
            grown = bool(near.any())
            if grown:
                rect[0], rect[1] = (
                    min(rect[0], boxes[near, 0].min()),
                    min(rect[1], boxes[near, 1].min()),
                )
                rect[2], rect[3] = (
                    max(rect[2], boxes[near, 2].max()),
                    max(rect[3], boxes[near, 3].max()),
                )
                free &= ~near
        # small marks inside the line (decimal point) are no further lines
        inside = (boxes[:, 1] >= rect[1] - 1) & (boxes[:, 3] <= rect[3] + 1)
        inside &= (boxes[:, 0] >= rect[0] - 1) & (boxes[:, 2] <= rect[2] + 1)
        free &= ~inside
        top = top or int(rect[3] - rect[1])
        m = round(MARGIN_SHARE * (rect[3] - rect[1]))
        h, w = gray.shape
        lines.append(
            (
                max(0, int(rect[0]) - m),
                max(0, int(rect[1]) - m),
                min(w, int(rect[2]) + m),
                min(h, int(rect[3]) + m),
            )
        )
    return lines
