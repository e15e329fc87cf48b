"""Synthetic bays with exact truth for testing and evaluating planogram matching.

A bay is laid out from a planogram (facing widths in mm), perturbed with known edits,
and turned into ground-truth boxes (``Detections`` with a ``sku`` column). The true
status of every position follows from the construction, with the same definitions the
matchers use (see ``PositionMatch``). No rendering: for photos see
``shelfscan.datasets.synthetic``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shelfscan.planogram.match import position_status
from shelfscan.planogram.model import Planogram
from shelfscan.planogram.result import PositionStatus
from shelfscan.types import Detections

MIN_VISIBLE = 0.3  # share of a box inside the photo for it to be detected
EDIT_KINDS = ("remove_facings", "remove_sku", "swap", "competitor", "replace", "extra_facings")


@dataclass
class Item:
    """One slot as built: a facing of ``sku`` or (sku "") an empty hole."""

    sku: str
    width_mm: float
    owner: tuple[int, int] | None  # the planogram position whose block it belongs to


@dataclass
class SyntheticBay:
    planogram: Planogram
    shelves: list[list[Item]]
    edits: list[str] = field(default_factory=list)


def widths_of(planogram: Planogram, default_mm: float = 70.0) -> dict[str, float]:
    return {pos.sku: pos.width_mm or default_mm for _, _, pos in planogram}


def build_bay(planogram: Planogram) -> SyntheticBay:
    widths = widths_of(planogram)
    shelves = [
        [
            Item(pos.sku, widths[pos.sku], (s, p))
            for p, pos in enumerate(sh.positions)
            for _ in range(pos.facings)
        ]
        for s, sh in enumerate(planogram.shelves)
    ]
    return SyntheticBay(planogram, shelves)


def _block(bay: SyntheticBay, s: int, p: int) -> list[int]:
    return [k for k, it in enumerate(bay.shelves[s]) if it.owner == (s, p)]


def perturb(
    bay: SyntheticBay, rng: np.random.Generator, n_edits: int, competitors: list[tuple[str, float]]
) -> SyntheticBay:
    """Apply ``n_edits`` random edits to distinct, non-neighbouring positions."""
    keys = [(s, p) for s, p, _ in bay.planogram]
    order = [keys[int(i)] for i in rng.permutation(len(keys))]
    touched: set[tuple[int, int]] = set()

    def free(key: tuple[int, int]) -> bool:
        s, p = key
        return all((s, p + d) not in touched for d in (-1, 0, 1))

    for key in order:
        if len(bay.edits) >= n_edits:
            break
        if not free(key):
            continue
        s, p = key
        kind = EDIT_KINDS[int(rng.integers(len(EDIT_KINDS)))]
        idx = _block(bay, s, p)
        row = bay.shelves[s]
        if kind == "remove_facings" and len(idx) > 1:
            for k in idx[len(idx) - int(rng.integers(1, len(idx))) :]:
                row[k] = Item("", row[k].width_mm, (s, p))
        elif kind in ("remove_sku", "remove_facings"):
            kind = "remove_sku"
            for k in idx:
                row[k] = Item("", row[k].width_mm, (s, p))
        elif kind == "swap":
            others = [
                o
                for o in order
                if o != key and free(o) and o not in touched and abs(o[1] - p) + abs(o[0] - s) > 0
            ]
            if not others:
                continue
            other = others[0]
            idx2 = _block(bay, *other)
            a, b = bay.shelves[s][idx[0]], bay.shelves[other[0]][idx2[0]]
            for k in idx:
                row[k] = Item(b.sku, b.width_mm, (s, p))
            for k in idx2:
                bay.shelves[other[0]][k] = Item(a.sku, a.width_mm, other)
            touched.add(other)
        elif kind == "competitor":
            sku, width = competitors[int(rng.integers(len(competitors)))]
            n = int(rng.integers(1, 3))
            for _ in range(n):
                row.insert(idx[-1] + 1, Item(sku, width, None))
        elif kind == "replace":
            sku, width = competitors[int(rng.integers(len(competitors)))]
            for k in idx:
                row[k] = Item(sku, width, (s, p))
        else:  # extra_facings
            for _ in range(int(rng.integers(1, 3))):
                row.insert(idx[-1] + 1, Item(row[idx[0]].sku, row[idx[0]].width_mm, (s, p)))
        touched.add(key)
        bay.edits.append(f"{kind} shelf {s + 1} position {p + 1}")
    return bay


@dataclass(frozen=True)
class BayPhoto:
    """Ground-truth boxes of a synthetic bay, plus what each box belongs to."""

    detections: Detections  # products (with ``sku``) and nothing else
    image_size: tuple[int, int]
    owner: list[tuple[int, int] | None]  # per detection
    visible_slots: dict[tuple[int, int], int]  # slots of each position inside the photo


def photograph(
    bay: SyntheticBay,
    rng: np.random.Generator,
    image_size: tuple[int, int] = (1600, 1200),
    crop: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    jitter_px: float = 2.0,
) -> BayPhoto:
    """Boxes of every facing; ``crop`` (x0, y0, x1, y1 as bay fractions) frames a part."""
    gap_mm = 4.0
    bay_mm = max(sum(it.width_mm + gap_mm for it in row) for row in bay.shelves) + 20
    cx0, cy0, cx1, cy1 = crop
    sx = image_size[0] / ((cx1 - cx0) * bay_mm)
    shelf_h = image_size[1] / ((cy1 - cy0) * len(bay.shelves))
    boxes, skus, owners = [], [], []
    visible: dict[tuple[int, int], int] = {}
    heights: dict[str, float] = {}
    for s, row in enumerate(bay.shelves):
        x = 10.0
        base = (s + 1) * shelf_h - cy0 * len(bay.shelves) * shelf_h - 0.08 * shelf_h
        for it in row:
            x1 = (x - cx0 * bay_mm) * sx
            x2 = x1 + it.width_mm * sx
            h = heights.setdefault(it.sku, float(rng.uniform(0.55, 0.85)) * shelf_h)
            y1, y2 = base - h, base
            vis_w = min(x2, image_size[0]) - max(x1, 0.0)
            vis_h = min(y2, image_size[1]) - max(y1, 0.0)
            inside = (
                vis_w > 0 and vis_h > 0 and vis_w * vis_h >= MIN_VISIBLE * (x2 - x1) * (y2 - y1)
            )
            if inside and it.owner is not None:
                visible[it.owner] = visible.get(it.owner, 0) + 1
            if it.sku and inside:
                j = rng.normal(0, jitter_px, 4)
                box = [x1 + j[0], y1 + j[1], x2 + j[2], y2 + j[3]]
                box = [
                    min(max(v, 0.0), float(lim))
                    for v, lim in zip(box, (*image_size, *image_size), strict=True)
                ]
                boxes.append(box)
                skus.append(it.sku)
                owners.append(it.owner)
            x += it.width_mm + gap_mm
    dets = Detections.from_boxes(
        np.array(boxes, dtype=np.float32).reshape(-1, 4), sku=np.array(skus, dtype=object)
    )
    return BayPhoto(dets, image_size, owners, visible)


def true_statuses(bay: SyntheticBay, photo: BayPhoto) -> dict[tuple[int, int], PositionStatus]:
    """The status of every position by construction (same definitions as the matchers)."""
    skus = [str(v) for v in photo.detections.column("sku", "")]
    present: dict[tuple[int, int], int] = {}
    elsewhere: set[str] = set()
    plan = bay.planogram
    for sku, own in zip(skus, photo.owner, strict=True):
        if own is not None and plan.shelves[own[0]].positions[own[1]].sku == sku:
            present[own] = present.get(own, 0) + 1
        else:
            elsewhere.add(sku)
    out = {}
    for s, p, pos in plan:
        vis = photo.visible_slots.get((s, p), 0)
        out[(s, p)] = position_status(
            pos.facings, present.get((s, p), 0), vis, pos.sku in elsewhere
        )
    return out


def random_planogram(
    rng: np.random.Generator,
    catalog: list[tuple[str, float]],
    shelves: int = 5,
    facings_per_shelf: int = 25,
    max_block: int = 5,
    planogram_id: str = "synthetic",
) -> Planogram:
    """A bay of distinct SKUs drawn from ``catalog`` ((sku, width_mm) pairs)."""
    order = [catalog[int(i)] for i in rng.permutation(len(catalog))]
    blocks: list[list[tuple[str, int, float | None]]] = []
    k = 0
    for _ in range(shelves):
        shelf: list[tuple[str, int, float | None]] = []
        left = facings_per_shelf
        while left > 0 and k < len(order):
            n = min(left, int(rng.integers(1, max_block + 1)))
            shelf.append((order[k][0], n, order[k][1]))
            k += 1
            left -= n
        blocks.append(shelf)
    return Planogram.from_blocks(planogram_id, blocks)
