"""Evidence for gaps: is the shelf really empty here, or did the detector miss a product?

A gap candidate (a hole between facings of one row, or an ``empty`` box) gets a
confidence in [0, 1] from:

- the row: a row of one or two facings says nothing about the rest of the shelf;
- the neighbours: a hole with facings on both sides is a slot; a hole at the bay's end
  may be the end of the shelf run;
- the look of the region: an empty slot shows the back panel or shelf floor, low in
  texture (and often dark) next to the products of its row; a missed product looks like
  its neighbours. Texture is the mean gradient magnitude of a small gray copy;
- the detector's own ``empty`` score, where it boxed the slot.

Only gaps at or above ``CONFIDENT`` go into ``layout.gaps`` (KPIs, actions); the others
are kept as ``layout.weak_gaps``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from shelfscan.types import CLASS_EMPTY, CLASS_PRODUCT, Detections, Gap, ShelfRow

Image = npt.NDArray[np.uint8]
Box = tuple[float, float, float, float]

CONFIDENT = 0.5  # gaps at or above this confidence count in KPIs and actions
WORK_SIDE = 640  # long side of the gray copy the texture is measured on
FLAT = 0.55  # region texture / row product texture below this looks like an empty slot
BUSY = 0.9  # ... above this looks like a product the detector missed
MIN_ROW_FACINGS = 3  # rows with fewer facings give no hole evidence
END_FACINGS = 2.5  # empty ends of rows wider than this are the shelf run's end, not OOS
OCCUPIED = 0.3  # a gap region this much covered by product boxes (of other rows) is no gap


@dataclass(frozen=True)
class GapEvidence:
    """Scored gap candidates, split by ``CONFIDENT``."""

    confident: tuple[Gap, ...]
    weak: tuple[Gap, ...]


def texture_map(image: Image, long_side: int = WORK_SIDE) -> tuple[npt.NDArray[np.float32], float]:
    """(H, W, 3) or (H, W) image -> (gradient magnitude of a gray copy, scale to it).

    The copy is taken by striding (no resampling cost on a 12 MP photo).
    """
    step = max(1, int(np.ceil(max(image.shape[:2]) / long_side)))
    small = np.ascontiguousarray(image[::step, ::step]).astype(np.float32)
    gray = small.mean(axis=2) if small.ndim == 3 else small
    gx = np.abs(np.diff(gray, axis=1))[:-1, :]
    gy = np.abs(np.diff(gray, axis=0))[:, :-1]
    return gx + gy, 1.0 / step


def _region_mean(tex: npt.NDArray[np.float32], box: Box) -> float:
    x1, y1, x2, y2 = (round(v) for v in box)
    h, w = tex.shape
    x1, x2 = max(0, x1), min(w, x2)
    y1, y2 = max(0, y1), min(h, y2)
    if x2 - x1 < 1 or y2 - y1 < 1:
        return float("nan")
    return float(tex[y1:y2, x1:x2].mean())


def _inner(box: Box, scale: float) -> Box:
    """The middle of a gap region (shelf edges, tags and neighbours' borders left out)."""
    x1, y1, x2, y2 = box
    dx, dy = 0.15 * (x2 - x1), 0.2 * (y2 - y1)
    return ((x1 + dx) * scale, (y1 + dy) * scale, (x2 - dx) * scale, (y2 - dy) * scale)


def texture_ratio(
    tex: npt.NDArray[np.float32], scale: float, gap: Gap, facings: npt.NDArray[np.float32]
) -> float:
    """Texture of the gap's region over the median texture of its row's facings (boxes
    (M, 4) in photo pixels); nan when either cannot be measured."""
    own = _region_mean(tex, _inner(gap.xyxy, scale))
    boxes: list[Box] = [(float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in facings]
    ref = [_region_mean(tex, _inner(b, scale)) for b in boxes]
    ref = [v for v in ref if v == v]
    if not ref or own != own:
        return float("nan")
    return own / max(float(np.median(ref)), 1e-6)


def occupied(box: Box, products: npt.NDArray[np.float32]) -> float:
    """Share of a gap region (x1, y1, x2, y2) that product boxes (M, 4) cover, on a
    coarse grid (overlapping products are not counted twice)."""
    x1, y1, x2, y2 = box
    if x2 <= x1 or y2 <= y1 or len(products) == 0:
        return 0.0
    xs = np.linspace(x1, x2, 17)[:-1] + (x2 - x1) / 32
    ys = np.linspace(y1, y2, 9)[:-1] + (y2 - y1) / 16
    gx, gy = np.meshgrid(xs, ys)
    px, py = gx.reshape(-1, 1), gy.reshape(-1, 1)
    inside = (
        (px >= products[:, 0])
        & (px <= products[:, 2])
        & (py >= products[:, 1])
        & (py <= products[:, 3])
    )
    return float(inside.any(axis=1).mean())


def gap_confidence(
    row_facings: int,
    inside: bool,
    ratio: float,
    empty_score: float | None,
    width_facings: float = 1.0,
) -> float:
    """Confidence of one gap candidate (table-tested).

    Args:
        row_facings: facings on the gap's row.
        inside: facings stand on both sides of the gap within the bay.
        ratio: region texture / row facing texture (nan: no image).
        empty_score: the detector's score where it boxed the slot ``empty``, else None.
        width_facings: the gap's width in typical facings. In a photo (``ratio`` known),
            an empty stretch at the end of a row wider than ``END_FACINGS`` is more likely
            the end of the shelf run or a bay beside it than products out of stock
            (measured on the shared real photos: empty-share error 2.6 -> 1.5 points, the
            fully stocked photo's last false gap gone). Boxes alone (synthetic bays,
            rescoring) keep such ends as gaps: there a row short of the others is a row
            that lost its last facings.
    """
    if empty_score is not None:
        base = 0.5 + 0.5 * empty_score
        if ratio == ratio and ratio > BUSY:
            base -= 0.3
        return float(np.clip(base, 0.0, 1.0))
    if row_facings < MIN_ROW_FACINGS and not inside:
        return 0.0  # one or two boxes never make the rest of the shelf a gap
    if ratio != ratio:  # no image: the boxes alone
        return 0.6 if inside else 0.5
    if not inside and width_facings > END_FACINGS:
        return 0.2
    if ratio <= FLAT:
        conf = 0.9
    elif ratio >= BUSY:
        conf = 0.1
    else:
        conf = 0.9 - 0.8 * (ratio - FLAT) / (BUSY - FLAT)
    return float(conf if inside else conf - 0.2)


def score_gaps(
    dets: Detections,
    rows: list[ShelfRow],
    candidates: list[Gap],
    image: Image | None,
    image_size: tuple[int, int],
) -> GapEvidence:
    """Give each candidate its confidence and split them into confident and weak."""
    if not candidates:
        return GapEvidence((), ())
    tex, scale = (None, 1.0)
    if image is not None:
        tex, s = texture_map(image)
        scale = s * image.shape[1] / max(image_size[0], 1)
    is_empty = dets.class_id == CLASS_EMPTY
    empties = dets.xyxy[is_empty]
    empty_conf = dets.confidence[is_empty]
    empty_row = dets.column("row", -1)[is_empty]
    by_index = {r.index: r for r in rows}
    products = dets.xyxy[dets.class_id == CLASS_PRODUCT]
    confident: list[Gap] = []
    weak: list[Gap] = []
    for gap in candidates:
        row = by_index[gap.row]
        facing_boxes = (
            dets.xyxy[list(row.facing_ids)] if row.facing_ids else np.zeros((0, 4), np.float32)
        )
        x1, x2 = gap.xyxy[0], gap.xyxy[2]
        inside = bool(
            len(facing_boxes)
            and (facing_boxes[:, 2] <= x1 + 1).any()
            and (facing_boxes[:, 0] >= x2 - 1).any()
        )
        ratio = (
            texture_ratio(tex, scale, gap, facing_boxes)
            if tex is not None and len(facing_boxes)
            else float("nan")
        )
        score = None
        if len(empties):
            ov = np.minimum(empties[:, 2], x2) - np.maximum(empties[:, 0], x1)
            hit = (ov > 0.5 * (empties[:, 2] - empties[:, 0])) & (empty_row == gap.row)
            if hit.any():
                score = float(empty_conf[hit].max())
        conf = gap_confidence(row.facings, inside, ratio, score, gap.width_facings)
        if occupied(gap.xyxy, products) > OCCUPIED:
            conf = min(conf, 0.2)  # products of another shelf or bay stand there
        scored = replace(gap, confidence=round(conf, 3))
        (confident if conf >= CONFIDENT else weak).append(scored)
    return GapEvidence(tuple(confident), tuple(weak))
