"""``shelfscan visits`` and ``shelfscan show``: what the store holds."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from shelfscan.cli._common import (
    DbOption,
    JsonOption,
    console,
    guard,
    open_existing_db,
    print_json,
)
from shelfscan.store import list_visits, visit_detail


@guard
def visits(db: DbOption = None, json_out: JsonOption = False) -> None:
    """List stored visits, newest first."""
    rows = list_visits(open_existing_db(db))
    if json_out:
        print_json(rows)
        return
    table = Table(title="visits")
    for col in ("visit", "store", "rep", "started", "photos", "facings", "gaps"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["id"],
            r["store_id"] or "",
            r["rep"] or "",
            r["started_at"],
            str(r["photos"]),
            f"{r['facings']:.0f}",
            f"{r['gaps']:.0f}",
        )
    console.print(table)


@guard
def show(
    visit: Annotated[str, typer.Argument(help="Visit id (see `shelfscan visits`).")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show one visit: its photos and their KPIs."""
    detail = visit_detail(open_existing_db(db), visit)
    if json_out:
        print_json(detail)
        return
    console.print(
        f"[bold]{detail['id']}[/bold] store={detail['store_id']} rep={detail['rep']} "
        f"started={detail['started_at']}"
    )
    table = Table()
    for col in ("photo", "facings", "rows", "gaps", "empty share"):
        table.add_column(col)
    for p in detail["photos"]:
        k = p["kpis"]
        table.add_row(
            p["path"],
            f"{k.get('facings', 0):.0f}",
            f"{k.get('rows', 0):.0f}",
            f"{k.get('gaps', 0):.0f}",
            f"{k.get('empty_shelf_share', 0):.1%}",
        )
    console.print(table)
