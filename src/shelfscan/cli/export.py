"""``shelfscan export``: stored visits as CSV, Parquet or COCO for other tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shelfscan.cli._common import DbOption, console, guard, open_existing_db
from shelfscan.errors import ShelfscanError
from shelfscan.report.export import FORMATS, export


@guard
def export_(
    visits: Annotated[
        list[str] | None, typer.Argument(help="Visit ids (see `shelfscan visits`).")
    ] = None,
    all_visits: Annotated[bool, typer.Option("--all", help="Export every visit.")] = False,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "csv",
    out: Annotated[Path, typer.Option("--out", help="Folder to write into (created).")] = Path(
        "export"
    ),
    db: DbOption = None,
) -> None:
    """Write facings, gaps, planogram positions and KPIs (CSV or Parquet, one file per
    table) or the boxes as a COCO file for annotation tools."""
    if bool(visits) == all_visits:
        raise ShelfscanError("give visit ids or --all (not both)")
    written = export(open_existing_db(db), visits or [], fmt, out)
    for path in written:
        console.print(f"wrote {escape(str(path))}", highlight=False)
