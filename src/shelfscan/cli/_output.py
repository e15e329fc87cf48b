"""What `shelfscan scan` prints: the summary table and the per-photo JSON.

Kept apart from ``cli/scan.py`` so the command stays a thin shell. JSON keys are only
ever added: scripts and the shared scorecard read ``path``, ``width``, ``height``,
``rows[].y_top/y_bottom``, ``gaps``, ``kpis`` and ``timings_ms``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from shelfscan.cli._common import console
from shelfscan.cli.prices import prices_json
from shelfscan.pipeline import PhotoOutcome
from shelfscan.planogram.result import PlanogramMatch
from shelfscan.report.terminal import (
    kpi_value,
    label,
    number,
    ordered,
    percent,
    share_name,
    share_rows,
)
from shelfscan.report.visit import VisitReport
from shelfscan.types import CLASS_NAMES, Detections, ScanResult


def planogram_of(result: ScanResult) -> PlanogramMatch | None:
    """The planogram match of a scan, if that stage ran."""
    return result.planogram


def _opt(value: Any) -> Any:
    if value is None:
        return None
    text = str(value)
    return text or None


def facings_json(dets: Detections, match: PlanogramMatch | None) -> list[dict[str, Any]]:
    """Every box: xyxy, class, score, row, SKU, brand, match score, planogram status."""
    rows = dets.column("row", -1)
    sku = dets.column("sku", None)
    brand = dets.column("brand", None)
    score = dets.column("match_score", None)
    out = []
    for i in range(len(dets)):
        cls = int(dets.class_id[i])
        item: dict[str, Any] = {
            "index": i,
            "xyxy": [round(float(v), 1) for v in dets.xyxy[i]],
            "class": CLASS_NAMES[cls] if 0 <= cls < len(CLASS_NAMES) else str(cls),
            "score": round(float(dets.confidence[i]), 4),
            "row": int(rows[i]) if rows[i] is not None and int(rows[i]) >= 0 else None,
            "sku": _opt(sku[i]),
            "brand": _opt(brand[i]),
            "match_score": None if score[i] is None else round(float(score[i]), 4),
        }
        if match is not None and i < len(match.facing_status):
            item["planogram_status"] = match.facing_status[i] or None
        out.append(item)
    return out


def positions_json(match: PlanogramMatch) -> list[dict[str, Any]]:
    """Every planogram position with its status (shelf and position 1-based)."""
    return [
        {
            "shelf": p.shelf + 1,
            "position": p.position + 1,
            "sku": p.sku,
            "expected": p.expected,
            "observed": p.observed,
            "status": p.status,
            "row": p.row if p.row >= 0 else None,
            "facings": list(p.facing_ids),
        }
        for p in match.positions
    ]


def outcome_json(outcome: PhotoOutcome, duplicate_of: int | None = None) -> dict[str, Any]:
    """The machine-readable summary of one photo."""
    if outcome.result is None:
        return {"path": str(outcome.path), "error": outcome.error}
    r = outcome.result
    match = planogram_of(r)
    return {
        "path": str(outcome.path),
        "photo_id": outcome.photo_id,
        "sha256": r.photo.sha256,
        "width": r.photo.width,
        "height": r.photo.height,
        "facings": r.layout.facings,
        "rows": [
            {
                "row": row.index,
                "facings": row.facings,
                "y_top": round(row.y_top, 1),
                "y_bottom": round(row.y_bottom, 1),
            }
            for row in r.layout.rows
        ],
        "gaps": [
            {
                "row": g.row,
                "xyxy": [round(v, 1) for v in g.xyxy],
                "width_facings": round(g.width_facings, 2),
                "confidence": round(float(getattr(g, "confidence", 1.0)), 3),
            }
            for g in r.layout.gaps
        ],
        "kpis": dict(r.kpis.values),
        "kpi_breakdowns": {k: dict(v) for k, v in r.kpis.breakdowns.items()},
        "quality": None if r.quality is None else r.quality.to_dict(),
        "prices": prices_json(r.prices),
        "timings_ms": {k: round(v, 1) for k, v in r.timings_ms.items()},
        "duplicate_of": duplicate_of,
        "boxes": facings_json(r.detections, match),
        "planogram": None
        if match is None
        else {
            "id": match.planogram_id,
            "matcher": match.matcher,
            "positions": positions_json(match),
        },
    }


def _has(outcomes: list[PhotoOutcome], key: str) -> bool:
    return any(o.result is not None and key in o.result.kpis.values for o in outcomes)


def summary_table(
    outcomes: list[PhotoOutcome], duplicates: Mapping[int, int] | None = None
) -> Table:
    """One line per photo; recognition and planogram columns when those stages ran."""
    duplicates = duplicates or {}
    recog = _has(outcomes, "recognized_facings")
    plan = _has(outcomes, "planogram_compliance")
    table = Table(
        title="shelfscan summary", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    cols = ["photo", "facings", "rows", "gaps", "empty"]
    cols += ["known", "SKUs"] if recog else []
    cols += ["compliance", "OSA"] if plan else []
    for col in [*cols, "ms"]:
        if col == "photo":
            table.add_column(col, overflow="fold")
        else:
            table.add_column(col, justify="right", no_wrap=True, min_width=len(col))
    width = len(cols) + 1
    for o in outcomes:
        name = escape(o.path.name)
        if o.result is None:
            table.add_row(name, *["-"] * (width - 2), "[red]failed[/red]")
            continue
        ms = number(round(o.result.elapsed_ms))
        if o.photo_id is not None and o.photo_id in duplicates:
            note = f"[yellow]duplicate of photo {duplicates[o.photo_id]}: not counted[/yellow]"
            table.add_row(name, note, *[""] * (width - 3), ms)
            continue
        k = o.result.kpis.values
        cells = [
            number(k["facings"]),
            number(k["rows"]),
            number(k["gaps"]),
            percent(k["empty_shelf_share"]),
        ]
        if recog:
            total = k.get("recognized_facings", 0.0) + k.get("unknown_facings", 0.0)
            cells.append(
                f"{number(k.get('recognized_facings', 0.0))}/{number(total)}"
                if "recognized_facings" in k
                else "-"
            )
            cells.append(number(k["distinct_skus"]) if "distinct_skus" in k else "-")
        if plan:
            cells.append(percent(k["planogram_compliance"]) if "planogram_compliance" in k else "-")
            cells.append(percent(k["osa"]) if "osa" in k else "-")
        table.add_row(name, *cells, ms)
    return table


def _points(diff: float) -> str:
    text = f"{diff * 100:+.1f} pts"
    return "+0.0 pts" if text == "-0.0 pts" else text


def _kpi_table(report: VisitReport) -> Table:
    table = Table(title=f"visit {escape(report.visit_id)}", box=box.SIMPLE_HEAD)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for name in ordered(list(report.kpis)):
        table.add_row(escape(label(name)), kpi_value(name, report.kpis[name]))
    return table


def _share_table(report: VisitReport, dim: str) -> Table | None:
    rows = share_rows(report.breakdowns, dim)
    if not rows:
        return None
    has_target = any(r[4] is not None for r in rows)
    table = Table(title=f"share of shelf by {dim}", box=box.SIMPLE_HEAD)
    table.add_column(dim)
    for col in ("facings", "share", "by width", *(("target", "vs target") if has_target else ())):
        table.add_column(col, justify="right")
    for name, count, share, linear, target in rows:
        cells = [
            "-" if count is None else number(count),
            percent(share),
            "-" if linear is None else percent(linear),
        ]
        if has_target:
            cells += ["-", "-"] if target is None else [percent(target), _points(share - target)]
        table.add_row(escape(share_name(name)), *cells)
    return table


def print_visit_report(report: VisitReport) -> None:
    """A visit's KPIs, share of shelf by brand and category, and the numbered actions."""
    console.print(
        f"[bold]visit {escape(report.visit_id)}[/bold]"
        + (f"  store {escape(report.store_id)}" if report.store_id else "")
        + (f"  rep {escape(report.rep)}" if report.rep else ""),
        highlight=False,
    )
    for p in report.photos:
        if p.duplicate_of is not None:
            console.print(
                f"[yellow]{escape(p.path.name)}: duplicate of photo {p.duplicate_of}, "
                "nothing from it is counted[/yellow]",
                highlight=False,
            )
    console.print(_kpi_table(report))
    for dim in ("brand", "category"):
        table = _share_table(report, dim)
        if table is not None:
            console.print(table)
    if not report.actions:
        console.print("No actions.")
        return
    console.print(f"[bold]Actions ({len(report.actions)}):[/bold]")
    for n, action in enumerate(report.actions, start=1):
        where = f" [dim]({escape(action.photo)})[/dim]" if action.photo else ""
        console.print(f"{n:>3}. {escape(action.text)}{where}", highlight=False)
