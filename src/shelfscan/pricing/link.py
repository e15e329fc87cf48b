"""Tag to facings: which products each price tag prices. Pure geometry over the layout.

- A **shelf-edge tag** sits on the shelf edge just below a row of products. It prices the
  facings above it from its left edge up to the next tag on the same edge (the usual
  rule in stores; a facing that starts up to half a facing left of the tag still
  belongs to it, since tags are not always put flush with the first facing).
- A **peg label** hangs above the product on its hook: a tag whose centre is not on a
  row's bottom edge but just above a facing's top prices the facings directly below it
  (the facings of that row whose centre lies under the tag, else the nearest one).
- Anything else (a tag far from every row) prices nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shelfscan.types import ShelfLayout, ShelfRow

# A tag's centre up to this share of the row height above the row's bottom, or this
# share below it, is on that row's shelf edge.
EDGE_ABOVE, EDGE_BELOW = 0.3, 0.6
# A tag whose centre is up to this share of a facing's height above its top is its peg label.
PEG_ABOVE = 0.5


@dataclass(frozen=True)
class TagLink:
    """Where one tag sits and what it prices."""

    kind: str  # "shelf_edge", "peg" or "none"
    row: int
    facing_ids: tuple[int, ...]


def _edge_row(cx: float, cy: float, rows: tuple[ShelfRow, ...]) -> ShelfRow | None:
    best, best_d = None, np.inf
    for row in rows:
        h = row.y_bottom - row.y_top
        margin = 0.5 * row.typical_width
        if not row.x_left - margin <= cx <= row.x_right + margin:
            continue
        d = cy - row.y_bottom
        if -EDGE_ABOVE * h <= d <= EDGE_BELOW * h and abs(d) < best_d:
            best, best_d = row, abs(d)
    return best


def _peg_row(
    tag: npt.NDArray[np.float32], rows: tuple[ShelfRow, ...], facings: npt.NDArray[np.float32]
) -> tuple[ShelfRow, tuple[int, ...]] | None:
    cx, cy = float(tag[0] + tag[2]) / 2, float(tag[1] + tag[3]) / 2
    for row in rows:
        ids = np.asarray(row.facing_ids, dtype=np.int64)
        if len(ids) == 0:
            continue
        boxes = facings[ids]
        h = boxes[:, 3] - boxes[:, 1]
        above = (cy <= boxes[:, 1] + 0.2 * h) & (cy >= boxes[:, 1] - PEG_ABOVE * h)
        if not above.any():
            continue
        centres = (boxes[:, 0] + boxes[:, 2]) / 2
        under = above & (centres >= tag[0]) & (centres <= tag[2])
        if not under.any():
            dist = np.where(above, np.abs(centres - cx), np.inf)
            if dist.min() > row.typical_width:
                continue
            under = dist == dist.min()
        return row, tuple(int(i) for i in ids[under])
    return None


def link_tags(
    tag_boxes: npt.NDArray[np.float32],
    layout: ShelfLayout,
    facing_boxes: npt.NDArray[np.float32],
) -> list[TagLink]:
    """Link each tag to the facings it prices.

    Args:
        tag_boxes: (T, 4) xyxy of the price tags.
        layout: the photo's rows; ``ShelfRow.facing_ids`` index ``facing_boxes``.
        facing_boxes: (N, 4) xyxy of all the photo's detections.
    Returns:
        One ``TagLink`` per tag, in order; a facing is linked to at most one tag.
    """
    tag_boxes = np.asarray(tag_boxes, dtype=np.float32).reshape(-1, 4)
    links = [TagLink("none", -1, ()) for _ in range(len(tag_boxes))]
    if len(tag_boxes) == 0 or not layout.rows:
        return links
    on_edge: dict[int, list[int]] = {}
    by_index = {row.index: row for row in layout.rows}
    taken: set[int] = set()
    for t, box in enumerate(tag_boxes):
        cx, cy = float(box[0] + box[2]) / 2, float(box[1] + box[3]) / 2
        row = _edge_row(cx, cy, layout.rows)
        if row is not None:
            on_edge.setdefault(row.index, []).append(t)
            continue
        peg = _peg_row(box, layout.rows, facing_boxes)
        if peg is not None:
            ids = tuple(i for i in peg[1] if i not in taken)
            taken.update(ids)
            links[t] = TagLink("peg", peg[0].index, ids)
    for r, tags in on_edge.items():
        row = by_index[r]
        tags.sort(key=lambda t: float(tag_boxes[t, 0]))
        starts = [float(tag_boxes[t, 0]) - 0.5 * row.typical_width for t in tags]
        free = np.asarray([i for i in row.facing_ids if i not in taken], dtype=np.int64)
        centres = (facing_boxes[free, 0] + facing_boxes[free, 2]) / 2 if len(free) else np.zeros(0)
        for k, t in enumerate(tags):
            end = starts[k + 1] if k + 1 < len(tags) else np.inf
            mine = free[(centres >= starts[k]) & (centres < end)]
            links[t] = TagLink("shelf_edge", r, tuple(int(i) for i in mine))
    return links
