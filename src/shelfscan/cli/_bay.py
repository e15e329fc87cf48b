"""Print a merged bay (shared by `scan --bay` and `capture --bay`)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from shelfscan.cli._common import console, err_console
from shelfscan.layout.bay import BayResult


def bay_json(bay_id: int, bay: BayResult) -> dict[str, Any]:
    return {
        "bay_id": bay_id,
        "method": bay.method,
        "facings": bay.facings,
        "merged_duplicates": bay.double_counted,
        "overlaps": [round(o, 3) for o in bay.overlaps],
        "kept_per_photo": bay.kept_per_photo,
        "kpis": dict(bay.kpis.values),
        "warnings": bay.warnings,
    }


def print_bay(bay_id: int, bay: BayResult) -> None:
    console.print(
        f"bay [bold]{bay_id}[/bold]: {bay.facings} facings from {len(bay.kept_per_photo)} photos"
        f" ({bay.method}; {bay.double_counted} duplicates in overlaps merged;"
        f" {bay.kpis.values.get('gaps', 0):.0f} gaps)"
        + (
            f"; planogram matched on the bay: compliance {k['planogram_compliance']:.1%},"
            f" OSA {k['osa']:.1%}"
            if "planogram_compliance" in (k := bay.kpis.values)
            else ""
        )
    )
    for warning in bay.warnings:
        err_console.print(f"[yellow]bay:[/yellow] {escape(warning)}", highlight=False)
