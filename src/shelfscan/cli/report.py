"""``shelfscan report VISIT``: a visit's KPIs and actions; HTML page and annotated photos."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shelfscan.cli._common import (
    DbOption,
    JsonOption,
    console,
    guard,
    open_existing_db,
    print_json,
)
from shelfscan.cli._output import print_visit_report
from shelfscan.report import write_report
from shelfscan.report.visit import report_json


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
    result, written = write_report(open_existing_db(db), visit, html, images)
    if json_out:
        print_json({**report_json(result), "files": [str(p) for p in written]})
        return
    print_visit_report(result)
    for path in written:
        console.print(f"wrote {escape(str(path))}", highlight=False)
