"""Everything a visit report shows, read from the store: photos, boxes, KPIs, actions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from shelfscan.kpi.planogram import position_kpis
from shelfscan.planogram.result import PlanogramMatch
from shelfscan.store import visit_detail
from shelfscan.store.planogram import photo_match
from shelfscan.store.results import photo_detections, photo_gaps, photo_kpis
from shelfscan.types import Detections, ShelfLayout, ShelfRow

SUMMED = ("facings", "rows", "gaps", "gap_width_px", "gap_width_facings")
PLANOGRAM_KPIS = ("planogram_compliance", "osa", "oos_rate", "facings_compliance")


@dataclass(frozen=True)
class Action:
    """One thing for the rep to do, most urgent first (priority 1)."""

    priority: int
    text: str
    photo: str = ""
    shelf: int = 0  # 1-based, 0 when not tied to a shelf
    sku: str = ""


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


@dataclass(frozen=True)
class VisitReport:
    visit_id: str
    store_id: str | None
    rep: str | None
    started_at: str
    photos: list[PhotoReport]
    kpis: dict[str, float]
    actions: list[Action] = field(default_factory=list)


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


def visit_kpis(photos: list[PhotoReport]) -> dict[str, float]:
    """Visit totals: counts summed, other per-photo KPIs averaged, planogram KPIs pooled
    over every matched position of every photo."""
    out: dict[str, float] = {}
    names = {n for p in photos for n in p.kpis}
    for name in sorted(names):
        vals = [p.kpis[name] for p in photos if name in p.kpis]
        out[name] = float(sum(vals)) if name in SUMMED else float(np.mean(vals))
    positions = [pos for p in photos if p.match for pos in p.match.positions]
    if positions:
        out.update(position_kpis(positions))
    out["photos"] = float(len(photos))
    return out


def load_visit_report(db: sqlite_utils.Database, visit_id: str) -> VisitReport:
    """Read a stored visit (``StoreError`` when unknown) into a ``VisitReport``."""
    visit = visit_detail(db, visit_id)
    photos = []
    for p in visit["photos"]:
        dets = photo_detections(db, p["id"])
        size = (int(p["width"]), int(p["height"]))
        values, breakdowns = photo_kpis(db, p["id"])
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
            )
        )
    report = VisitReport(
        visit["id"],
        visit.get("store_id"),
        visit.get("rep"),
        str(visit.get("started_at", "")),
        photos,
        visit_kpis(photos),
    )
    return VisitReport(
        report.visit_id,
        report.store_id,
        report.rep,
        report.started_at,
        photos,
        report.kpis,
        actions_for(photos),
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def actions_for(photos: Iterable[PhotoReport]) -> list[Action]:
    """The rep's to-do list: refill, fix facings, move back, remove foreign products;
    without a planogram, check every gap."""
    out: list[Action] = []
    for photo in photos:
        name = photo.path.name
        if photo.match is None:
            for g in photo.layout.gaps:
                out.append(
                    Action(
                        2,
                        f"Check the empty gap on row {g.row + 1} "
                        f"({g.width_facings:.1f} facings wide)",
                        name,
                        g.row + 1,
                    )
                )
            continue
        for p in photo.match.positions:
            shelf = p.shelf + 1
            if p.status == "missing":
                text = (
                    f"Refill SKU {p.sku} on shelf {shelf} (position {p.position + 1}, "
                    f"{_plural(p.expected, 'facing')})"
                )
                out.append(Action(1, text, name, shelf, p.sku))
            elif p.status == "wrong_facings" and p.observed < p.expected:
                text = (
                    f"Add {_plural(p.expected - p.observed, 'facing')} of SKU {p.sku} "
                    f"on shelf {shelf} ({p.observed} of {p.expected} there)"
                )
                out.append(Action(2, text, name, shelf, p.sku))
            elif p.status == "wrong_facings":
                text = (
                    f"Reduce SKU {p.sku} on shelf {shelf} to "
                    f"{_plural(p.expected, 'facing')} ({p.observed} there)"
                )
                out.append(Action(3, text, name, shelf, p.sku))
            elif p.status == "misplaced":
                text = f"Move SKU {p.sku} to shelf {shelf}, position {p.position + 1}"
                out.append(Action(2, text, name, shelf, p.sku))
        out.extend(_foreign_actions(photo))
    return sorted(out, key=lambda a: (a.priority, a.photo, a.shelf, a.sku))


def _foreign_actions(photo: PhotoReport) -> list[Action]:
    match = photo.match
    if match is None:
        return []
    row_col = photo.detections.column("row", -1)
    per_shelf: dict[int, int] = {}
    for i, status in enumerate(match.facing_status):
        if status == "unexpected":
            r = int(row_col[i])
            shelf = match.shelf_of_row[r] + 1 if 0 <= r < len(match.shelf_of_row) else 0
            per_shelf[shelf] = per_shelf.get(shelf, 0) + 1
    return [
        Action(
            3,
            f"Remove {_plural(n, 'product')} not in the planogram from "
            + (f"shelf {shelf}" if shelf > 0 else "row(s) outside the planogram"),
            photo.path.name,
            shelf,
        )
        for shelf, n in sorted(per_shelf.items())
    ]


def report_json(report: VisitReport) -> dict[str, Any]:
    return {
        "visit": report.visit_id,
        "store": report.store_id,
        "rep": report.rep,
        "started_at": report.started_at,
        "kpis": report.kpis,
        "photos": [
            {
                "photo_id": p.photo_id,
                "path": str(p.path),
                "kpis": p.kpis,
                "planogram": p.match.planogram_id if p.match else None,
                "positions": p.match.status_counts() if p.match else None,
            }
            for p in report.photos
        ],
        "actions": [a.__dict__ for a in report.actions],
    }
