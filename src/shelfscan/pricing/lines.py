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
BAR_SHARE = 0.2  # a glyph narrower than this share of its height may be a barcode's bar
# (often taller than the price digits beside it): it joins lines but never starts one


def _glyphs(ink: npt.NDArray[np.uint8]) -> npt.NDArray[np.int32]:
    """(N, 4) x1, y1, x2, y2 of the glyph-like components of a binary ink mask."""
    h, w = ink.shape
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    st = stats[1:].astype(np.int32)
    x, y, cw, ch, area = st[:, 0], st[:, 1], st[:, 2], st[:, 3], st[:, 4]
    inside = (x > 0) & (y > 0) & (x + cw < w) & (y + ch < h)
    sized = (ch >= MIN_GLYPH_SHARE * h) & (ch <= MAX_GLYPH_SHARE * h) & (cw <= 2.5 * ch)
    # not a hairline, and not a solid patch unless narrow (a bold "1" may be a solid bar)
    inked = (area >= 0.08 * cw * ch) & ((area <= 0.9 * cw * ch) | (cw <= 0.4 * ch))
    keep = inside & sized & inked
    out: npt.NDArray[np.int32] = np.stack([x, y, x + cw, y + ch], axis=1)[keep]
    return out


def _grow(
    boxes: npt.NDArray[np.int32], free: npt.NDArray[np.bool_], seed: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """The line grown from glyph ``seed``: its rectangle and which glyphs it holds."""
    heights = boxes[:, 3] - boxes[:, 1]
    line_h = int(heights[seed])
    rect = boxes[seed].copy()
    member = np.zeros(len(boxes), bool)
    member[seed] = True
    while True:
        slack = BAND_SLACK * line_h
        gap = np.maximum(rect[0] - boxes[:, 2], boxes[:, 0] - rect[2])
        near = (
            free
            & ~member
            & (heights >= JOIN_SHARE * line_h)
            & (boxes[:, 1] >= rect[1] - slack)
            & (boxes[:, 3] <= rect[3] + slack)
            & (gap <= GAP_SHARE * line_h)
        )
        if not near.any():
            break
        member |= near
        rect[:2] = np.minimum(rect[:2], boxes[near, :2].min(axis=0))
        rect[2:] = np.maximum(rect[2:], boxes[near, 2:].max(axis=0))
    # small marks inside the line (a decimal point) belong to it
    member |= (boxes[:, :2] >= rect[:2] - 1).all(axis=1) & (boxes[:, 2:] <= rect[2:] + 1).all(
        axis=1
    )
    return rect, member


def _find(ink: npt.NDArray[np.uint8], max_lines: int, min_share: float) -> list[Rect]:
    boxes = _glyphs(ink)
    heights = boxes[:, 3] - boxes[:, 1]
    free = np.ones(len(boxes), bool)
    lines: list[Rect] = []
    for seed in np.argsort(-heights, kind="stable"):
        if len(lines) >= max_lines:
            break
        if not free[seed]:
            continue
        if lines and heights[seed] < min_share * (lines[0][3] - lines[0][1]):
            break
        if boxes[seed, 2] - boxes[seed, 0] < BAR_SHARE * heights[seed]:
            continue
        rect, member = _grow(boxes, free, int(seed))
        # a line of text has at least two glyphs near its height (a price has >= 2 digits)
        if np.count_nonzero(member & (heights >= 0.6 * heights[seed])) < 2:
            continue
        free &= ~member
        lines.append((int(rect[0]), int(rect[1]), int(rect[2]), int(rect[3])))
    return lines


def find_lines(
    gray: npt.NDArray[np.uint8], max_lines: int = 2, min_share: float = 0.45
) -> list[Rect]:
    """Up to ``max_lines`` text lines of a tag crop, tallest first, each at least
    ``min_share`` of the tallest line's height; rectangles in crop pixels.

    Both polarities of the Otsu mask are tried (dark text on a light tag whose crop is
    mostly dark shelf, light text on a coloured tag); the one whose first line is
    taller wins."""
    h, w = gray.shape
    bw = np.asarray(cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1], np.uint8)
    found = [_find(ink, max_lines, min_share) for ink in (255 - bw, bw)]
    best = max(found, key=lambda ls: ls[0][3] - ls[0][1] if ls else 0)
    out = []
    for x1, y1, x2, y2 in best:
        m = round(MARGIN_SHARE * (y2 - y1))
        out.append((max(0, x1 - m), max(0, y1 - m), min(w, x2 + m), min(h, y2 + m)))
    return out
