"""``shelfscan planogram import/list/show/assign/group``: manage planograms in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shelfscan.cli._common import DbOption, JsonOption, console, guard, print_json
from shelfscan.planogram import FORMATS, planogram_files, read_planograms
from shelfscan.store import open_db
from shelfscan.store.planogram import (
    add_stores_to_group,
    assign_planogram,
    get_planogram,
    known_skus,
    list_planograms,
    save_planogram,
)

app = typer.Typer(
    help="Import planograms, list and show them, assign them to stores.", no_args_is_help=True
)


@app.command("import")
@guard
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(help="Planogram files (.json, .csv, .psa) or folders of them."),
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"One of {', '.join(FORMATS)} (default: by extension)."),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite planograms already imported.")
    ] = False,
    store: Annotated[
        str | None, typer.Option("--store", help="Also assign every imported planogram here.")
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Read planogram files (every bay in them) and store them; SKUs are checked against
    the catalog when the store has one."""
    database = open_db(db)
    skus = known_skus(database)
    bays = [
        (bay, fmt or path.suffix.lstrip(".").lower())
        for path in planogram_files(files)
        for bay in read_planograms(path, fmt, skus)
    ]
    for bay, kind in bays:
        save_planogram(database, bay, kind, replace)
        if store:
            assign_planogram(database, bay.id, store)
    if json_out:
        print_json(
            [
                {
                    "id": b.id,
                    "shelves": len(b.shelves),
                    "positions": b.n_positions,
                    "facings": b.facings,
                    "source": b.source,
                }
                for b, _ in bays
            ]
        )
        return
    for bay, _ in bays:
        console.print(
            f"imported [bold]{escape(bay.id)}[/bold]: {len(bay.shelves)} shelves, "
            f"{bay.n_positions} positions, {bay.facings} facings ({escape(bay.source)})",
            highlight=False,
        )
    if store:
        console.print(
            escape(f"assigned {len(bays)} planogram(s) to store {store}"), highlight=False
        )


@app.command("list")
@guard
def list_(db: DbOption = None, json_out: JsonOption = False) -> None:
    """List stored planograms and where they are assigned."""
    rows = list_planograms(open_db(db))
    if json_out:
        print_json(rows)
        return
    table = Table(title="planograms")
    for col in ("id", "shelves", "positions", "facings", "stores", "groups", "imported"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["id"],
            str(r["shelves"]),
            str(r["positions"]),
            str(r["facings"]),
            ", ".join(r["stores"]),
            ", ".join(r["groups"]),
            r["imported_at"],
        )
    console.print(table)


@app.command("show")
@guard
def show(
    planogram: Annotated[
        str, typer.Argument(help="Planogram id (see `shelfscan planogram list`).")
    ],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show a planogram shelf by shelf."""
    bay = get_planogram(open_db(db), planogram)
    if json_out:
        print_json(bay.to_json())
        return
    console.print(
        f"[bold]{escape(bay.id)}[/bold] {escape(bay.name)}: {len(bay.shelves)} shelves, "
        f"{bay.facings} facings",
        highlight=False,
    )
    for s, shelf in enumerate(bay.shelves):
        blocks = "  ".join(f"{p.sku}x{p.facings}" for p in shelf.positions)
        console.print(escape(f"shelf {s + 1}: {blocks}"), highlight=False)


@app.command("assign")
@guard
def assign(
    planogram: Annotated[str, typer.Argument(help="Planogram id.")],
    store: Annotated[str | None, typer.Option("--store", help="Store id.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Store group id.")] = None,
    db: DbOption = None,
) -> None:
    """Assign a planogram to a store or to a store group (one of --store / --group)."""
    assign_planogram(open_db(db), planogram, store, group)
    console.print(
        escape(f"assigned {planogram} to " + (f"store {store}" if store else f"group {group}")),
        highlight=False,
    )


@app.command("group")
@guard
def group(
    group_id: Annotated[str, typer.Argument(help="Store group id.")],
    stores: Annotated[list[str], typer.Argument(help="Store ids to add to the group.")],
    db: DbOption = None,
) -> None:
    """Add stores to a store group (planograms assigned to the group apply to them)."""
    add_stores_to_group(open_db(db), group_id, stores)
    console.print(escape(f"group {group_id}: added {', '.join(stores)}"), highlight=False)
