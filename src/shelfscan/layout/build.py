"""Build a ``ShelfLayout`` (bays, rows and gaps) from one photo's detections.

Order: facing clean-up -> shelf slope -> bays -> rows per bay -> gaps with evidence.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from shelfscan.layout.cleanup import RULES, clean_facings
from shelfscan.layout.evidence import score_gaps
from shelfscan.layout.gaps import MIN_GAP_FACINGS, find_row_gaps
from shelfscan.layout.levels import (
    CLEAR,
    inside_rows,
    lip_rows,
    overlap_1d,
    shelf_space,
    slight_rows,
    tier_rows,
)
from shelfscan.layout.rows import cluster_rows, rows_on_lines
from shelfscan.layout.structure import Bay, deslant, find_bays, shelf_slope
from shelfscan.types import (
    CLASS_EMPTY,
    CLASS_PRICE_TAG,
    CLASS_PRODUCT,
    Detections,
    Gap,
    ShelfLayout,
    ShelfRow,
)

Image = npt.NDArray[np.uint8]

MIN_ROW_FACINGS = 2  # a row of fewer facings is a sign, a shelf edge or clutter, not a row
MIN_ROW_SPAN = 0.3  # and its facings must cover this share of the bay width
OWN_FACINGS = 3  # ... or this many facings on a line clear of the rows above and below
OWN_HEIGHT = 0.8  # ... whose boxes are at least this share of the bay's median height
SPREAD_FACINGS = 8  # ... or this many facings spread over
SPREAD_SPAN = 0.6  # ... this share of the bay (a shelf with gaps)
STANDS = 0.35  # an empty slot's bottom is this close to its row's shelf line (band heights)
LEVEL = 0.003  # slopes below this are level enough to cluster as they are


def covered(xyxy: npt.NDArray[np.float32]) -> float:
    """Length of the union of the boxes' (N, 4) x-intervals."""
    if len(xyxy) == 0:
        return 0.0
    order = np.argsort(xyxy[:, 0])
    total, cur_l, cur_r = 0.0, float(xyxy[order[0], 0]), float(xyxy[order[0], 2])
    for i in order[1:]:
        x1, x2 = float(xyxy[i, 0]), float(xyxy[i, 2])
        if x1 > cur_r:
            total += cur_r - cur_l
            cur_l, cur_r = x1, x2
        else:
            cur_r = max(cur_r, x2)
    return total + cur_r - cur_l


def _rows_of(boxes: npt.NDArray[np.float64], width: float) -> tuple[list[list[int]], float]:
    """Rows (box indices) clustered along the shelf slope, and the slope."""
    rows = cluster_rows(boxes.astype(np.float32))
    slope = shelf_slope(boxes, rows)
    if abs(slope) >= LEVEL:
        rows = cluster_rows(deslant(boxes, slope, width / 2).astype(np.float32))
    return rows, slope


def _on_row(
    box: npt.NDArray[np.float32], products: npt.NDArray[np.float32], band: tuple[float, float]
) -> bool:
    """An empty-slot box is a slot of the row when it stands on the row's shelf (its bottom
    within ``STANDS`` band heights of the shelf line, no taller than 1.5 bands) and
    products cover at most a third of it (a box over standing products, the wall above
    the bay or the floor is not an empty slot)."""
    top, bottom = band
    height = bottom - top
    if abs(float(box[3]) - bottom) > STANDS * height or float(box[3] - box[1]) > 1.5 * height:
        return False
    ix = np.clip(np.minimum(products[:, 2], box[2]) - np.maximum(products[:, 0], box[0]), 0, None)
    iy = np.clip(np.minimum(products[:, 3], box[3]) - np.maximum(products[:, 1], box[1]), 0, None)
    area = max(float((box[2] - box[0]) * (box[3] - box[1])), 1e-6)
    return float((ix * iy).sum()) <= area / 3


def _row_gaps(
    dets: Detections,
    r: int,
    products: npt.NDArray[np.int64],
    empties: npt.NDArray[np.int64],
    band: tuple[float, float],
    bay: Bay,
    min_gap_facings: float,
) -> list[Gap]:
    """Holes between a row's products (measured against the bay) plus empty-slot boxes."""
    y_top, y_bottom = band
    widths = dets.width[products]
    typical = float(np.median(widths)) if len(products) else float(np.median(dets.width[empties]))
    holes = find_row_gaps(dets.xyxy[products], bay.x_left, bay.x_right, min_gap_facings)
    gaps = [Gap(r, (x1, y_top, x2, y_bottom), w) for x1, x2, w in holes]
    for e in empties:
        ex1 = max(float(dets.xyxy[e, 0]), bay.x_left)  # the part inside the bay
        ex2 = min(float(dets.xyxy[e, 2]), bay.x_right)
        if ex2 - ex1 < min_gap_facings * typical:  # narrower than a facing: no slot
            continue
        covered = sum(overlap_1d((ex1, ex2), (g.xyxy[0], g.xyxy[2])) for g in gaps)
        if covered < 0.5 * (ex2 - ex1):
            box = (ex1, float(dets.xyxy[e, 1]), ex2, float(dets.xyxy[e, 3]))
            gaps.append(Gap(r, box, (ex2 - ex1) / max(typical, 1e-6)))
    return sorted(gaps, key=lambda g: g.xyxy[0])


def _is_row(
    dets: Detections, group: npt.NDArray[np.int64], n_products: int, bay: Bay, typical_h: float
) -> bool:
    """A shelf row: enough products over enough of the bay, or an empty shelf (empty-slot
    boxes over enough of the bay, no taller than 1.5 facings: not the floor or a wall)."""
    if n_products == 0:
        empty = dets.xyxy[group]
        return bool(
            covered(empty) >= MIN_ROW_SPAN * bay.width
            and float(np.median(empty[:, 3] - empty[:, 1])) <= 1.5 * typical_h
        )
    products = dets.xyxy[group[dets.class_id[group] == CLASS_PRODUCT]]
    if n_products < MIN_ROW_FACINGS:
        return False
    if covered(products) >= MIN_ROW_SPAN * bay.width:
        return True
    spread = float(products[:, 2].max() - products[:, 0].min())
    return n_products >= SPREAD_FACINGS and spread >= SPREAD_SPAN * bay.width


def _band(dets: Detections, group: npt.NDArray[np.int64]) -> tuple[float, float]:
    """A line's band (10th percentile top, 90th percentile bottom) from its own products
    (its empty-slot boxes when it has none), not from boxes that join it later."""
    own_products = group[dets.class_id[group] == CLASS_PRODUCT]
    b = dets.xyxy[own_products if len(own_products) else group]
    return float(np.percentile(b[:, 1], 10)), float(np.percentile(b[:, 3], 90))


def _bay_rows(
    dets: Detections,
    ids: npt.NDArray[np.int64],
    bay: Bay,
    first_index: int,
) -> list[tuple[ShelfRow, npt.NDArray[np.int64], bool, tuple[float, float]]]:
    """Rows of one bay (with the empty-slot boxes on each), top row first.

    ``ids`` index the bay's product and empty boxes in ``dets``. A row needs
    ``MIN_ROW_FACINGS`` products whose boxes cover ``MIN_ROW_SPAN`` of the bay's width
    (or ``SPREAD_FACINGS`` spread over ``SPREAD_SPAN`` of it). A shorter line is still
    a row (a short shelf, measured against itself: flag False) when it holds
    ``OWN_FACINGS`` full-height facings clear of the rows above and below; the boxes of
    any other short line (a sign, clutter, a level of stacked units) join the nearest
    row, so their facings still count. A bay whose every line is short keeps its longest.
    A row's ``y_top`` reaches up to the shelf line above it (``shelf_space``); its
    products' band stays for the gaps.
    Returns (row, its empty-slot boxes, whether the row spans the bay, its products'
    band) top row first.
    """
    if len(ids) == 0:
        return []
    sub = dets.xyxy[ids].astype(np.float64)
    typical_h = float(np.median(sub[:, 3] - sub[:, 1]))
    groups = [ids[m] for m in rows_on_lines(sub, typical_h)]
    if not groups:
        return []
    n_products = [int((dets.class_id[g] == CLASS_PRODUCT).sum()) for g in groups]
    ok = [_is_row(dets, g, n, bay, typical_h) for g, n in zip(groups, n_products, strict=True)]
    stocked = [i for i, n in enumerate(n_products) if n > 0 and ok[i]]
    for i, n in enumerate(n_products):  # "empty" above the top shelf or below the bottom
        if n == 0 and (not stocked or i < stocked[0] or i > stocked[-1]):  # one: wall, floor
            ok[i] = False
    if not any(ok):
        if max(n_products) == 0:
            return []
        ok[int(np.argmax(n_products))] = True
    lines = np.array([float(np.median(dets.xyxy[g, 3])) for g in groups])
    heights = [float(np.median(dets.xyxy[g, 3] - dets.xyxy[g, 1])) for g in groups]
    tops = [float(np.median(dets.xyxy[g, 1])) for g in groups]
    passing = [i for i, good in enumerate(ok) if good]
    for i, good in enumerate(ok):  # a short shelf of its own, clear of the rows beside it
        if good or n_products[i] < OWN_FACINGS or heights[i] < OWN_HEIGHT * typical_h:
            continue
        below = [k for k in passing if lines[k] > lines[i]]
        above = [k for k in passing if lines[k] < lines[i]]
        gap_below = min((tops[k] - lines[i] for k in below), default=np.inf)
        gap_above = min((tops[i] - lines[k] for k in above), default=np.inf)
        ok[i] = min(gap_below, gap_above) >= CLEAR * heights[i]
    bands = [_band(dets, g) for g in groups]
    for i in slight_rows(bands, n_products, [i for i, good in enumerate(ok) if good]):
        ok[i] = False  # short boxes, few of them: shelf-edge clutter, joins the nearest row
    for i in inside_rows(bands, n_products, [i for i, good in enumerate(ok) if good]):
        ok[i] = False  # a level of stacked units inside a fuller row's band: joins it
    for i in lip_rows(bands, [i for i, good in enumerate(ok) if good]):
        ok[i] = False  # short boxes under the bottom shelf's products: its lip, joins it
    tags = dets.xyxy[dets.class_id == CLASS_PRICE_TAG]
    tiers = tier_rows(dets, groups, lines, tags)
    tiers = {i: base for i, base in tiers.items() if ok[base]}  # down to a kept row
    for i, base in tiers.items():
        ok[i] = False  # a tier of cases stacked on the row below: one shelf row with it
        bands[base] = (min(bands[base][0], bands[i][0]), bands[base][1])
    kept = [i for i, good in enumerate(ok) if good]
    members: dict[int, list[int]] = {i: list(groups[i]) for i in kept}
    for i, good in enumerate(ok):
        if i in tiers:
            members[tiers[i]] += list(groups[i])
        elif not good:
            nearest = min(kept, key=lambda k: abs(lines[k] - lines[i]))
            members[nearest] += list(groups[i])
    out: list[tuple[ShelfRow, npt.NDArray[np.int64], bool, tuple[float, float]]] = []
    space = shelf_space([bands[i] for i in kept])
    for j, i in enumerate(kept):
        row_ids = np.asarray(members[i], np.int64)
        row_ids = row_ids[np.argsort(dets.xyxy[row_ids, 0], kind="stable")]
        products = row_ids[dets.class_id[row_ids] == CLASS_PRODUCT]
        b = dets.xyxy[groups[i]]
        pb = dets.xyxy[products] if len(products) else b
        row = ShelfRow(
            index=first_index + len(out),
            y_top=space[j],
            y_bottom=bands[i][1],
            x_left=float(pb[:, 0].min()),
            x_right=float(pb[:, 2].max()),
            facing_ids=tuple(int(i) for i in products),
            typical_width=float(np.median(pb[:, 2] - pb[:, 0])),
        )
        out.append((row, row_ids[dets.class_id[row_ids] == CLASS_EMPTY], i in passing, bands[i]))
    return out


def _bay_extent(bay: Bay, rows: list[ShelfRow]) -> Bay:
    """The bay's left and right ends: the outermost ends of its rows (its columns end
    up to a bin short of the photo's border, its rows do not)."""
    left = min(r.x_left for r in rows)
    right = max(r.x_right for r in rows)
    return Bay(left, right, bay.main)


def build_layout(
    dets: Detections,
    image_size: tuple[int, int],
    min_gap_facings: float = MIN_GAP_FACINGS,
    rules: tuple[str, ...] = RULES,
    image: Image | None = None,
    side_bays: bool = True,
) -> tuple[Detections, ShelfLayout]:
    """Clean the facings, find the bays and their rows, and the gaps on each row.

    Products and detected empty slots are clustered together so an empty stretch keeps
    its row. Boxes outside the kept bays (side bays) and on rows too short to be a shelf
    get row -1 and stay out of the rows and the KPIs. Gaps are holes between products
    wider than ``min_gap_facings`` typical facings, measured against the bay's extent,
    plus empty-slot detections no hole covers; each gets a confidence from the evidence
    (``layout.evidence``); ``layout.gaps`` holds the confident ones.

    ``image`` (H, W, 3) at any scale of ``image_size`` gives the gaps their texture
    evidence; without it, gaps are judged on the boxes alone. ``side_bays=False`` takes
    all boxes as one bay (a bay stitched from several shots is the whole run).

    Returns the cleaned detections with a ``row`` column and the layout.
    """
    t0 = time.perf_counter()
    cleaned = clean_facings(dets, rules)
    dets = cleaned.detections
    row_col = np.full(len(dets), -1, dtype=np.int64)
    on_shelf = np.flatnonzero((dets.class_id == CLASS_PRODUCT) | (dets.class_id == CLASS_EMPTY))
    if len(on_shelf) == 0:
        layout = ShelfLayout((), (), image_size, (time.perf_counter() - t0) * 1000)
        return dets.with_data(row=row_col), layout
    boxes = dets.xyxy[on_shelf].astype(np.float64)
    width = float(image_size[0])
    rows_all, slope = _rows_of(boxes, width)
    whole = [Bay(float(boxes[:, 0].min()), float(boxes[:, 2].max()), True)]
    bays = (
        find_bays(deslant(boxes, slope, width / 2), rows_all, width) if side_bays else []
    ) or whole
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    rows: list[ShelfRow] = []
    candidates: list[Gap] = []
    kept_bays: list[Bay] = []
    for bay in bays:
        in_bay = on_shelf[(cx >= bay.x_left) & (cx < bay.x_right)]
        bay_rows = _bay_rows(dets, in_bay, bay, len(rows))
        if not bay_rows:
            continue
        bay = _bay_extent(bay, [r for r, _, _, _ in bay_rows])
        kept_bays.append(bay)
        for row, empties, full, band in bay_rows:
            rows.append(row)
            row_col[list(row.facing_ids)] = row.index
            products = np.asarray(row.facing_ids, np.int64)
            if len(products):
                slots = [_on_row(dets.xyxy[e], dets.xyxy[products], band) for e in empties]
                empties = empties[np.asarray(slots, bool)] if len(empties) else empties
            row_col[empties] = row.index  # empty boxes off the shelf stay on no row
            # a short shelf of its own is measured against itself: holes only, no ends
            reach = bay if full else Bay(row.x_left, row.x_right, bay.main)
            candidates += _row_gaps(
                dets, row.index, products, empties, band, reach, min_gap_facings
            )
    evidence = score_gaps(dets.with_data(row=row_col), rows, candidates, image, image_size)
    layout = ShelfLayout(
        tuple(rows),
        evidence.confident,
        image_size,
        (time.perf_counter() - t0) * 1000,
        weak_gaps=evidence.weak,
        bays=tuple((b.x_left, b.x_right) for b in kept_bays),
        slope=slope,
        dropped=dict(cleaned.dropped),
    )
    return dets.with_data(row=row_col), layout
