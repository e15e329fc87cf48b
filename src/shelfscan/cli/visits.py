"""``shelfscan visits`` and ``shelfscan show``: what the store holds."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from shelfscan.cli._common import (
    DbOption,
    JsonOption,
    console,
    guard,
    open_existing_db,
    print_json,
)
from shelfscan.errors import ShelfscanError


def _day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ShelfscanError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from None


@guard
def visits(
    store: Annotated[str | None, typer.Option("--store", help="Only this store's visits.")] = None,
    rep: Annotated[str | None, typer.Option("--rep", help="Only this rep's visits.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Started on or after this date (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Started on or before this date (YYYY-MM-DD).")
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List stored visits, newest first (filter by store, rep and dates)."""
    from shelfscan.store import list_visits  # imported when run: `--help` needs no SQLite

    rows = list_visits(
        open_existing_db(db), store, rep, _day(since, "--since"), _day(until, "--until")
    )
    if json_out:
        print_json(rows)
        return
    table = Table(title="visits")
    for col in ("visit", "store", "rep", "started", "photos", "facings", "gaps"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            escape(r["id"]),
            escape(r["store_id"] or ""),
            escape(r["rep"] or ""),
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
    from shelfscan.store import visit_detail

    detail = visit_detail(open_existing_db(db), visit)
    if json_out:
        print_json(detail)
        return
    console.print(
        f"[bold]{escape(detail['id'])}[/bold] store={escape(str(detail['store_id']))} "
        f"rep={escape(str(detail['rep']))} started={detail['started_at']}",
        highlight=False,
    )
    console.print(photo_kpi_table(detail["photos"]))


# the per-photo KPIs `show` lists (those the photos have), in this order
SHOW_KPIS = (
    "facings",
    "rows",
    "gaps",
    "empty_shelf_share",
    "planogram_compliance",
    "osa",
    "recognized_facings",
    "unknown_share",
)


def photo_kpi_table(photos: list[dict[str, Any]]) -> Table:
    """One row per photo, a column per headline KPI it has: labels and formatting as in
    the report (``report.terminal``)."""
    from shelfscan.report.terminal import kpi_value, label  # the report package is heavy

    present = {name for p in photos for name in p["kpis"]}
    names = [n for n in SHOW_KPIS if n in present] or ["facings"]
    table = Table()
    table.add_column("Photo")
    for name in names:
        table.add_column(label(name), justify="right")
    for p in photos:
        k = p["kpis"]
        table.add_row(
            escape(str(p["path"])),
            *(kpi_value(n, k[n]) if n in k else "-" for n in names),
        )
    return table


@guard
def delete(
    visit: Annotated[str, typer.Argument(help="Visit id (see `shelfscan visits`).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete a visit: its photos' results, KPIs and unsynced outbox rows (the photo
    files and records already in the CRM stay)."""
    from shelfscan.store import delete_visit, visit_detail

    database = open_existing_db(db)
    visit_detail(database, visit)  # unknown visit: one red line before asking
    if not yes:
        typer.confirm(f"Delete visit {visit} and everything stored for it?", abort=True)
    photos = delete_visit(database, visit)
    console.print(f"deleted visit {escape(visit)} ({photos} photo(s))", highlight=False)
