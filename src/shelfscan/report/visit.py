"""Everything a visit report shows, read from the store: photos, boxes, KPIs, actions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from shelfscan.planogram.result import PlanogramMatch
from shelfscan.recognition.records import SkuInfo
from shelfscan.report.aggregate import PhotoFigures, visit_figures
from shelfscan.report.terminal import label, share_rows
from shelfscan.store import visit_detail
from shelfscan.store.catalog import sku_infos
from shelfscan.store.planogram import bay_matches, photo_match
from shelfscan.store.prices import price_checks
from shelfscan.store.quality import bay_kpis, photo_bays, photo_quality
from shelfscan.store.results import photo_detections, photo_gaps, photo_kpis
from shelfscan.types import CLASS_PRODUCT, Detections, ShelfLayout, ShelfRow

PLANOGRAM_KPIS = ("planogram_compliance", "osa", "oos_rate", "facings_compliance")
# photo breakdowns the visit's share-vs-plan is summed from; a matched bay gives its own
PLAN_BREAKDOWNS = (
    "facings_planned_sku",
    "facings_observed_sku",
    "share_of_shelf_brand",
    "share_of_shelf_target_brand",
)
# counts a merged bay holds once for its overlapping photos
BAY_COUNTS = (
    "facings",
    "gaps",
    "gap_width_px",
    "gap_width_facings",
    "facings_expected",
    "facings_misplaced",
    "facings_unexpected",
    "facings_unknown",
)
UNKNOWN_SKU = "unknown"
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Action:
    """One thing for the rep to do, most urgent first (priority 1)."""

    priority: int
    text: str
    photo: str = ""
    shelf: int = 0  # 1-based, 0 when not tied to a shelf
    sku: str = ""
    box: tuple[float, float, float, float] | None = None  # where on the photo (drawn)
    photo_id: int = 0


@dataclass(frozen=True)
class PhotoReport:
    photo_id: int
    path: Path
    width: int
    height: int
    detections: Detections
    layout: ShelfLayout
    kpis: dict[str, float]
    breakdowns: dict[str, dict[str, float]]
    match: PlanogramMatch | None = None
    duplicate_of: int | None = None  # an earlier photo this one repeats: nothing counted
    bay_id: int | None = None  # the merged bay this photo belongs to


@dataclass(frozen=True)
class BayMatch:
    """A merged bay matched against its planogram as one (``pipeline.match_bay``).

    ``facings`` (as stored): ``photo_ids`` of the bay's photos, left to right; per bay
    facing its ``shot`` (index into ``photo_ids``), ``xyxy`` (bay frame), ``row`` and
    ``sku``; per photo ``to_photo``, the bay-to-photo transform (9 numbers, row-major).
    """

    bay_id: int
    match: PlanogramMatch
    facings: dict[str, Any]
    breakdowns: dict[str, dict[str, float]] = field(default_factory=dict)

    def place(self, i: int) -> tuple[int, Box]:
        """Bay facing ``i``: the photo it was kept from, and its box on that photo."""
        shot = int(self.facings["shot"][i])
        return shot, self.to_photo(shot, tuple(self.facings["xyxy"][i]))

    def to_photo(self, shot: int, box: Box) -> Box:
        m = np.asarray(self.facings["to_photo"][shot], np.float64).reshape(3, 3)
        x1, y1, x2, y2 = box
        pts = np.array([[x1, y1, 1], [x2, y1, 1], [x1, y2, 1], [x2, y2, 1]], np.float64) @ m.T
        xy = pts[:, :2] / pts[:, 2:3]
        return (
            float(xy[:, 0].min()),
            float(xy[:, 1].min()),
            float(xy[:, 0].max()),
            float(xy[:, 1].max()),
        )


@dataclass(frozen=True)
class VisitReport:
    visit_id: str
    store_id: str | None
    rep: str | None
    started_at: str
    photos: list[PhotoReport]
    kpis: dict[str, float]
    actions: list[Action] = field(default_factory=list)
    breakdowns: dict[str, dict[str, float]] = field(default_factory=dict)
    products: dict[str, SkuInfo] = field(default_factory=dict)  # catalog, by SKU id
    bays: dict[int, BayMatch] = field(default_factory=dict)  # matched bays, by bay id

    @property
    def counted(self) -> list[PhotoReport]:
        """The photos whose figures count (duplicates left out)."""
        return [p for p in self.photos if p.duplicate_of is None]


def _layout(
    db: sqlite_utils.Database, photo_id: int, dets: Detections, size: tuple[int, int]
) -> ShelfLayout:
    gaps = photo_gaps(db, photo_id)
    rows = []
    row_col = dets.column("row", -1)
    for r in sorted({int(v) for v in row_col if int(v) >= 0}):
        ids = np.flatnonzero(row_col == r)
        prods = [int(i) for i in ids if dets.class_id[i] == 0]
        prods.sort(key=lambda i: float(dets.xyxy[i, 0]))
        box = dets.xyxy[ids]
        rows.append(
            ShelfRow(
                r,
                float(box[:, 1].min()),
                float(box[:, 3].max()),
                float(box[:, 0].min()),
                float(box[:, 2].max()),
                tuple(prods),
                float(np.median(dets.width[prods])) if prods else 0.0,
            )
        )
    return ShelfLayout(tuple(rows), gaps, size)


def _figures(photo: PhotoReport, plan: bool = True) -> PhotoFigures:
    """The photo's figures; without ``plan`` (its bay is matched as one) none of its
    planogram breakdowns."""
    dets = photo.detections
    on_rows = [i for r in photo.layout.rows for i in r.facing_ids]
    products = dets.class_id == CLASS_PRODUCT
    breakdowns = {k: v for k, v in photo.breakdowns.items() if plan or k not in PLAN_BREAKDOWNS}
    return PhotoFigures(
        photo.kpis,
        breakdowns,
        float(dets.width[on_rows].sum()) if on_rows else 0.0,
        float(dets.width[products].sum()),
    )


def visit_figures_of(
    photos: list[PhotoReport],
    bays: dict[int, dict[str, float]] | None = None,
    matched: Mapping[int, BayMatch] | None = None,
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Visit values and breakdowns: duplicates left out, sums and recomputed shares
    (``report.aggregate``); the photos of a merged bay count through the bay's own
    figures, so a facing seen in two overlapping photos counts once, and a bay matched
    as one (``matched``) gives its planogram positions instead of its photos'."""
    matched = matched or {}
    counted = [p for p in photos if p.duplicate_of is None]
    alone = [p for p in counted if p.bay_id not in matched]
    values, breakdowns = visit_figures(
        [_figures(p, p.bay_id not in matched) for p in counted]
        + [
            PhotoFigures({}, {k: v for k, v in b.breakdowns.items() if k in PLAN_BREAKDOWNS})
            for b in matched.values()
        ],
        [pos for p in alone if p.match for pos in p.match.positions]
        + [pos for b in matched.values() for pos in b.match.positions],
    )
    for bay_id, bay in (bays or {}).items():
        members = [p for p in counted if p.bay_id == bay_id]
        for name in BAY_COUNTS:
            if name in bay and name in values:
                values[name] += bay[name] - sum(p.kpis.get(name, 0.0) for p in members)
    values["photos"] = float(len(photos))
    duplicates = len(photos) - len(counted)
    if duplicates:
        values["photos_duplicate"] = float(duplicates)
    return values, breakdowns


def category_targets(
    breakdowns: Mapping[str, Mapping[str, float]], products: Mapping[str, SkuInfo]
) -> dict[str, dict[str, float]]:
    """The planogram's target share by category, from its target share by SKU and the
    catalog's categories (SKUs without one count as ``other``)."""
    target: dict[str, float] = {}
    for sku, share in breakdowns.get("share_of_shelf_target_sku", {}).items():
        info = products.get(sku)
        key = info.category if info is not None and info.category else "other"
        target[key] = target.get(key, 0.0) + share
    return {"share_of_shelf_target_category": dict(sorted(target.items()))} if target else {}


def visit_kpis(photos: list[PhotoReport]) -> dict[str, float]:
    """Visit totals (see ``visit_figures_of``)."""
    return visit_figures_of(photos)[0]


def load_visit_report(db: sqlite_utils.Database, visit_id: str) -> VisitReport:
    """Read a stored visit (``StoreError`` when unknown) into a ``VisitReport``."""
    visit = visit_detail(db, visit_id)
    bay_of = photo_bays(db, visit_id)
    photos = []
    for p in visit["photos"]:
        dets = photo_detections(db, p["id"])
        size = (int(p["width"]), int(p["height"]))
        values, breakdowns = photo_kpis(db, p["id"])
        quality = photo_quality(db, int(p["id"]))
        photos.append(
            PhotoReport(
                int(p["id"]),
                Path(p["path"]),
                size[0],
                size[1],
                dets,
                _layout(db, p["id"], dets, size),
                values,
                breakdowns,
                photo_match(db, p["id"]),
                None
                if quality is None or quality.get("duplicate_of") is None
                else int(quality["duplicate_of"]),
                bay_of.get(int(p["id"])),
            )
        )
    matched = {
        bay_id: BayMatch(bay_id, match, facings, breakdowns)
        for bay_id, (match, facings, breakdowns) in bay_matches(db, visit_id).items()
    }
    values, breakdowns = visit_figures_of(photos, bay_kpis(db, visit_id), matched)
    products = sku_infos(db)
    breakdowns.update(category_targets(breakdowns, products))
    return VisitReport(
        visit["id"],
        visit.get("store_id"),
        visit.get("rep"),
        str(visit.get("started_at", "")),
        photos,
        values,
        sorted(
            actions_for(photos, products, matched) + price_actions(db, visit_id),
            key=lambda a: (a.priority, a.photo, a.shelf, a.sku),
        ),
        breakdowns,
        products,
        matched,
    )


def price_actions(db: sqlite_utils.Database, visit_id: str) -> list[Action]:
    """Tags whose price differs from the price list (or lack the running promo price)."""
    return [
        Action(2, text, Path(path).name, row + 1 if row >= 0 else 0, check.sku)
        for path, row, check in price_checks(db, visit_id)
        if (text := check.action) is not None
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _box(dets: Detections, i: int) -> Box:
    x1, y1, x2, y2 = (float(v) for v in dets.xyxy[i])
    return (x1, y1, x2, y2)


def _union(boxes: Iterable[Box]) -> Box | None:
    items = list(boxes)
    if not items:
        return None
    arr = np.asarray(items, np.float64)
    return (
        float(arr[:, 0].min()),
        float(arr[:, 1].min()),
        float(arr[:, 2].max()),
        float(arr[:, 3].max()),
    )


def product_name(sku: str, products: Mapping[str, SkuInfo] | None) -> str:
    """What a rep reads on the pack: the catalog name, else the SKU id."""
    info = (products or {}).get(sku)
    return info.name if info is not None and info.name else f"SKU {sku}"


# where an action is drawn: (photo name, photo id, box on it) from the match's facing ids
# and the estimated boxes of missing facings
Placer = Callable[[Sequence[int], Sequence[Box]], tuple[str, int, Box | None]]


def actions_for(
    photos: Iterable[PhotoReport],
    products: Mapping[str, SkuInfo] | None = None,
    bays: Mapping[int, BayMatch] | None = None,
) -> list[Action]:
    """The rep's to-do list: refill, fix facings, move back, remove foreign products;
    without a planogram, check every gap at least one facing wide. Duplicate photos
    give no action. A bay matched as one (``bays``) gives its own actions, once, instead
    of its photos'; otherwise an action repeated by two photos of one bay is listed once."""
    photos = list(photos)
    bays = bays or {}
    out: list[Action] = []
    seen: set[tuple[int | None, str]] = set()
    for photo in photos:
        if photo.duplicate_of is not None or photo.bay_id in bays:
            continue
        for action in _photo_actions(photo, products):
            key = (photo.bay_id, action.text)
            if photo.bay_id is not None and key in seen:
                continue
            seen.add(key)
            out.append(action)
    by_id = {p.photo_id: p for p in photos}
    for bay in bays.values():
        out.extend(_bay_actions(bay, by_id, products))
    return sorted(out, key=lambda a: (a.priority, a.photo, a.shelf, a.sku))


def _photo_actions(photo: PhotoReport, products: Mapping[str, SkuInfo] | None) -> list[Action]:
    name, pid = photo.path.name, photo.photo_id
    out: list[Action] = []
    if photo.match is None:
        for g in photo.layout.gaps:
            if g.width_facings < 1.0:  # narrower than a facing: nothing to refill
                continue
            text = f"Check the empty gap on row {g.row + 1} ({g.width_facings:.1f} facings wide)"
            out.append(Action(2, text, name, g.row + 1, box=g.xyxy, photo_id=pid))
        return out
    dets = photo.detections

    def place(ids: Sequence[int], slots: Sequence[Box]) -> tuple[str, int, Box | None]:
        return name, pid, _union([*slots, *(_box(dets, i) for i in ids if i < len(dets))])

    return _match_actions(
        photo.match,
        [int(r) for r in dets.column("row", -1)],
        list(dets.column("sku", None)),
        place,
        products,
    )


def _bay_actions(
    bay: BayMatch, photos: Mapping[int, PhotoReport], products: Mapping[str, SkuInfo] | None
) -> list[Action]:
    """The bay's actions, each drawn on the bay photo that holds it: the photo its
    facings were kept from, else (missing facings) the one that holds the empty slots
    best inside its frame."""
    ids = [int(v) for v in bay.facings["photo_ids"]]

    def place(facing_ids: Sequence[int], slots: Sequence[Box]) -> tuple[str, int, Box | None]:
        if facing_ids:
            shot = bay.place(facing_ids[0])[0]
        else:
            shot = max(range(len(ids)), key=lambda s: _inside(bay, s, slots, photos.get(ids[s])))
        boxes = [bay.place(i)[1] for i in facing_ids if bay.place(i)[0] == shot]
        photo = photos.get(ids[shot])
        name = photo.path.name if photo is not None else ""
        return name, ids[shot], _union([*(bay.to_photo(shot, b) for b in slots), *boxes])

    return _match_actions(bay.match, bay.facings["row"], bay.facings["sku"], place, products)


def _inside(bay: BayMatch, shot: int, slots: Sequence[Box], photo: PhotoReport | None) -> float:
    """How far inside the photo's frame the slots lie (px; negative: outside)."""
    box = _union(bay.to_photo(shot, b) for b in slots)
    if box is None or photo is None:
        return -np.inf
    x1, y1, x2, y2 = box
    return min(x1, y1, photo.width - x2, photo.height - y2)


def _match_actions(
    match: PlanogramMatch,
    rows: Sequence[int],
    skus: Sequence[object],
    place: Placer,
    products: Mapping[str, SkuInfo] | None,
) -> list[Action]:
    """Actions from a planogram match; ``rows``/``skus`` per matched facing."""
    out: list[Action] = []
    for p in match.positions:
        shelf, product = p.shelf + 1, product_name(p.sku, products)
        where = f"on shelf {shelf}, position {p.position + 1}"
        name, pid, box = place(p.facing_ids, p.slot_boxes)
        if p.status == "missing":
            text = f"Refill {product} {where} ({_plural(p.expected, 'facing')})"
            out.append(Action(1, text, name, shelf, p.sku, box, pid))
        elif p.status == "wrong_facings" and p.observed < p.expected:
            text = (
                f"Add {_plural(p.expected - p.observed, 'facing')} of {product} {where} "
                f"({p.observed} of {p.expected} there)"
            )
            out.append(Action(2, text, name, shelf, p.sku, box, pid))
        elif p.status == "wrong_facings":
            text = (
                f"Reduce {product} {where} to {_plural(p.expected, 'facing')} ({p.observed} there)"
            )
            out.append(Action(3, text, name, shelf, p.sku, box, pid))
        elif p.status == "misplaced":
            text = f"Move {product} back to shelf {shelf}, position {p.position + 1}"
            out.append(Action(2, text, name, shelf, p.sku, box, pid))
    out.extend(_foreign_actions(match, rows, skus, place, products))
    return out


def _foreign_actions(
    match: PlanogramMatch,
    rows: Sequence[int],
    skus: Sequence[object],
    place: Placer,
    products: Mapping[str, SkuInfo] | None,
) -> list[Action]:
    groups: dict[tuple[int, str], list[int]] = {}
    for i, status in enumerate(match.facing_status):
        if status == "unexpected":
            r = int(rows[i])
            shelf = match.shelf_of_row[r] + 1 if 0 <= r < len(match.shelf_of_row) else 0
            sku = "" if skus[i] in (None, "", UNKNOWN_SKU) else str(skus[i])
            groups.setdefault((shelf, sku), []).append(i)
    out = []
    for (shelf, sku), ids in sorted(groups.items()):
        what = (
            f"{_plural(len(ids), 'facing')} of {product_name(sku, products)}"
            if sku
            else _plural(len(ids), "unrecognised product")
        )
        where = f"shelf {shelf}" if shelf > 0 else "the rows outside the planogram"
        name, pid, box = place(ids, ())
        text = f"Remove {what} from {where}: not in the planogram"
        out.append(Action(3, text, name, shelf, sku, box, pid))
    return out


def report_json(report: VisitReport) -> dict[str, Any]:
    return {
        "visit": report.visit_id,
        "store": report.store_id,
        "rep": report.rep,
        "started_at": report.started_at,
        "kpis": report.kpis,
        "kpi_labels": {name: label(name) for name in report.kpis},
        "breakdowns": report.breakdowns,
        "share_of_shelf": {
            dim: [
                {"name": n, "facings": c, "share": s, "share_linear": w, "target": t}
                for n, c, s, w, t in share_rows(report.breakdowns, dim)
            ]
            for dim in ("brand", "category")
        },
        "photos": [
            {
                "photo_id": p.photo_id,
                "path": str(p.path),
                "kpis": p.kpis,
                "planogram": p.match.planogram_id if p.match else None,
                "positions": p.match.status_counts() if p.match else None,
                "duplicate_of": p.duplicate_of,
                "bay_id": p.bay_id,
            }
            for p in report.photos
        ],
        "actions": [a.__dict__ for a in report.actions],
    }
