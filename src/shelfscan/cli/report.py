"""``shelfscan report VISIT``: a visit's KPIs and actions; HTML page and annotated photos."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from shelfscan.cli._common import DbOption, JsonOption, console, guard, print_json
from shelfscan.report import write_report
from shelfscan.report.visit import report_json
from shelfscan.store import open_db

PERCENT = (
    "planogram_compliance",
    "osa",
    "oos_rate",
    "facings_compliance",
    "empty_shelf_share",
    "share_of_shelf_deviation",
    "share_of_shelf_deviation_brand",
)


@guard
def report(
    visit: Annotated[str, typer.Argument(help="Visit id (see `shelfscan visits`).")],
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")
    ] = None,
    images: Annotated[
        Path | None, typer.Option("--images", help="Write annotated photos into this folder.")
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Print a visit's KPIs (planogram compliance, OSA/OOS, facings, gaps) and actions."""
    result, written = write_report(open_db(db), visit, html, images)
    if json_out:
        print_json({**report_json(result), "files": [str(p) for p in written]})
        return
    table = Table(title=f"visit {result.visit_id}")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for name, value in sorted(result.kpis.items()):
        table.add_row(name, f"{value:.1%}" if name in PERCENT else f"{value:.4g}")
    console.print(table)
    if result.actions:
        console.print(f"[bold]Actions ({len(result.actions)}):[/bold]")
        for n, action in enumerate(result.actions, start=1):
            console.print(f"{n:>3}. {action.text} [dim]({action.photo})[/dim]", highlight=False)
    else:
        console.print("No actions.")
    for path in written:
        console.print(f"wrote {path}", highlight=False)
