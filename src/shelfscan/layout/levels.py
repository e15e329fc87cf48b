"""Which lines of boxes are shelf rows, and how far up a row's space reaches.

Pure functions over the bands (top, bottom) and boxes of one bay's lines (``build``):
a line inside a fuller row's band is a level of it (``inside_rows``); a line of few
short boxes against a row is clutter (``slight_rows``); short boxes under the bottom
shelf's products are its lip (``lip_rows``); a line of units in trays standing on like
units with no price tag under it is a tier of stacked cases (``tier_rows``). Such lines
join a row; ``shelf_space`` gives each row's top.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from shelfscan.types import CLASS_PRODUCT, Detections

CLEAR = 0.15  # lines closer than this share of a box height touch (a shelf board is farther)
INSIDE = 0.9  # a row whose band lies this much inside a fuller row's band is a level of it
SLIGHT = 0.6  # a row under this share of the bay's median row height and facings is clutter
HEADROOM = 0.5  # a row's space reaches up to the shelf line above, when that is this far up
TIER_SHARE = 0.5  # share of a line's units standing on like units of a line below ...
TIER_GAP = 0.8  # ... their bottoms within this share of their height of those units' tops
TIER_WIDTH = 0.15  # like units: widths within this share of each other, columns overlapping
TAGGED_LINES = 2  # tiers only where the shelf edges carry tags under this many lines
TAG_ABOVE = 0.2  # a line's shelf-edge tags: centres from this share of the boxes' height above
TAG_BELOW = 0.6  # ... to this share below the line


def overlap_1d(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Length of the overlap of intervals ``a`` and ``b`` (0 where apart)."""
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def inside_rows(
    bands: list[tuple[float, float]], n_products: list[int], rows: list[int]
) -> list[int]:
    """Of ``rows`` (indices into ``bands`` (top, bottom) and ``n_products``), those whose
    band lies at least ``INSIDE`` of its height inside the band of another of ``rows``
    with more products (ties: the row listed first wins). Two shelves cannot share one
    band: a line inside a fuller row's band is a level of stacked or set-back units on
    that shelf."""
    out: list[int] = []
    for i in rows:
        top, bottom = bands[i]
        height = max(bottom - top, 1e-6)
        for k in rows:
            if k == i or (n_products[k], -k) <= (n_products[i], -i):
                continue
            if overlap_1d((top, bottom), bands[k]) >= INSIDE * height:
                out.append(i)
                break
    return out


def slight_rows(
    bands: list[tuple[float, float]], n_products: list[int], rows: list[int]
) -> list[int]:
    """Of ``rows`` (indices into ``bands`` (top, bottom) and ``n_products``), those lower
    than ``SLIGHT`` of the median band height of ``rows``, with fewer than ``SLIGHT`` of
    their median products, and closer than ``CLEAR`` median heights to another row's
    band (or overlapping it): a line of short boxes, few of them, against a row (labels,
    items on the shelf lip), not a shelf. A short, sparse shelf clear of its neighbours
    (a shelf board between) stays. Needs three rows to have a median."""
    if len(rows) < 3:
        return []
    heights = np.array([bands[i][1] - bands[i][0] for i in rows])
    counts = np.array([n_products[i] for i in rows], float)
    low = (heights < SLIGHT * float(np.median(heights))) & (
        counts < SLIGHT * float(np.median(counts))
    )
    typical = float(np.median(heights))
    out = []
    for i, flag in zip(rows, low, strict=True):
        top, bottom = bands[i]
        apart = min(
            (max(top - b, t - bottom) for t, b in (bands[k] for k in rows if k != i)),
            default=np.inf,
        )
        if flag and apart < CLEAR * typical:
            out.append(i)
    return out


def lip_rows(bands: list[tuple[float, float]], rows: list[int]) -> list[int]:
    """Of ``rows`` (indices into ``bands`` (top, bottom)), the lowest one when it is lower
    than ``SLIGHT`` of the median band height of ``rows`` and closer than ``CLEAR`` median
    heights to the row above it (or overlapping it): below the bay's bottom shelf a line
    of short boxes touching that shelf's products is the shelf's front lip (a basket
    front, the first units of a bin, a price strip), however many boxes it holds; a low
    shelf of its own has a shelf board between. Needs three rows to have a median."""
    if len(rows) < 3:
        return []
    heights = [bands[i][1] - bands[i][0] for i in rows]
    typical = float(np.median(heights))
    lowest = max(rows, key=lambda i: bands[i][1])
    top, bottom = bands[lowest]
    above = [bands[k][1] for k in rows if k != lowest and bands[k][1] < bottom]
    if not above or bottom - top >= SLIGHT * typical:
        return []
    return [lowest] if top - max(above) < CLEAR * typical else []


def _stands_on(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    """Share of boxes ``a`` (N, 4) standing on a like box of ``b`` (M, 4): width within
    ``TIER_WIDTH``, the columns overlapping by as much, the bottom within ``TIER_GAP`` of
    its own height of the other's top."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    wa, wb = a[:, 2] - a[:, 0], b[:, 2] - b[:, 0]
    ha = (a[:, 3] - a[:, 1])[:, None]
    ov = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    narrow = np.minimum(wa[:, None], wb[None, :])
    like = (ov >= (1 - TIER_WIDTH) * narrow) & (
        np.abs(wa[:, None] - wb[None, :]) <= TIER_WIDTH * np.maximum(wa[:, None], wb[None, :])
    )
    gap = b[None, :, 1] - a[:, None, 3]
    on = like & (np.abs(gap) <= TIER_GAP * ha)
    return float(on.any(axis=1).mean())


def _tagged(a: npt.NDArray[np.float32], line: float, tags: npt.NDArray[np.float32]) -> bool:
    """Whether a price tag (``tags`` (M, 4)) lies on the shelf edge under a line at y
    ``line`` of boxes ``a`` (N, 4): its centre within their columns, from ``TAG_ABOVE``
    above to ``TAG_BELOW`` below the line (shares of the boxes' median height)."""
    if len(a) == 0 or len(tags) == 0:
        return False
    h = float(np.median(a[:, 3] - a[:, 1]))
    tx = (tags[:, 0] + tags[:, 2]) / 2
    ty = (tags[:, 1] + tags[:, 3]) / 2
    near = (ty >= line - TAG_ABOVE * h) & (ty <= line + TAG_BELOW * h)
    cols = (tx[:, None] >= a[None, :, 0]) & (tx[:, None] <= a[None, :, 2])
    return bool((cols & near[:, None]).any())


def tier_rows(
    dets: Detections,
    groups: list[npt.NDArray[np.int64]],
    lines: npt.NDArray[np.float64],
    tags: npt.NDArray[np.float32],
) -> dict[int, int]:
    """Tiers of stacked cases among one bay's lines (``groups`` of box indices into
    ``dets``, shelf line y ``lines``): {tier: the line it stands on}.

    Where the bay's shelf edges carry price tags (``tags`` (M, 4) under at least
    ``TAGGED_LINES`` lines), a line with no tag under it whose products stand, at least
    ``TIER_SHARE`` of them, on like units of a line below (``_stands_on``: units in
    trays on units) is a tier on that line: a shelf edge carries tags, a tray none. Of
    several lines below, the one carrying most of its units; tiers chain down to the
    line standing on the shelf. A bay with tags under fewer lines (a cooler, tags the
    detector misses) has no tiers: like units above like units are then shelves."""
    boxes = [dets.xyxy[g[dets.class_id[g] == CLASS_PRODUCT]] for g in groups]
    tagged = [_tagged(a, float(y), tags) for a, y in zip(boxes, lines, strict=True)]
    if sum(tagged) < TAGGED_LINES:
        return {}
    out: dict[int, int] = {}
    for i, a in enumerate(boxes):
        if len(a) == 0 or tagged[i]:
            continue
        h = float(np.median(a[:, 3] - a[:, 1]))
        below = [j for j in range(len(groups)) if 0 < lines[j] - lines[i] <= (2 + TIER_GAP) * h]
        share = {j: _stands_on(a, boxes[j]) for j in below}
        best = max(share, key=lambda j: share[j], default=None)
        if best is not None and share[best] >= TIER_SHARE:
            out[i] = best
    for i in list(out):  # a tier on a tier stands on the line under that
        seen = {i}
        while out[i] in out and out[i] not in seen:
            seen.add(out[i])
            out[i] = out[out[i]]
    return out


def shelf_space(bands: list[tuple[float, float]]) -> list[float]:
    """The top of each row's shelf space, for bands (top, bottom) of one bay's rows: the
    shelf line above (the lowest band bottom at least ``HEADROOM`` of the row's height
    above the row's bottom; a nearer one is a level or a side bay's shelf, not the
    shelf above) when that is higher than the row's products; else the products' top.
    The top row keeps its products' top."""
    out = []
    for top, bottom in bands:
        above = [b for _, b in bands if b < bottom - HEADROOM * (bottom - top)]
        out.append(min(top, max(above)) if above else top)
    return out
