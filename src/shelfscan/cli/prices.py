"""``shelfscan prices import/show``: price lists per store or store group, and the tags read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shelfscan.cli._common import DbOption, JsonOption, console, guard, print_json
from shelfscan.errors import PriceListError
from shelfscan.store import open_db
from shelfscan.store.prices import import_price_list, photo_price_tags
from shelfscan.types import PriceReadings

app = typer.Typer(
    help="Import price lists; show the price tags read on a visit.", no_args_is_help=True
)


@app.command("import")
@guard
def import_(
    file: Annotated[Path, typer.Argument(help="CSV: sku,price[,promo_price,valid_from,valid_to].")],
    store: Annotated[
        str | None, typer.Option("--store", help="The store this list is for.")
    ] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", help="The store group this list is for (see planogram group)."),
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Replace a store's or a store group's price list; a bad line imports nothing."""
    if (store is None) == (group is None):
        raise PriceListError("give exactly one of --store or --group")
    n = import_price_list(open_db(db), file, store, group)
    scope = f"store {store}" if store else f"group {group}"
    if json_out:
        print_json({"file": str(file), "scope": scope, "lines": n})
    else:
        console.print(f"imported {n} price(s) for {scope} from {file}")


@app.command("show")
@guard
def show(
    visit: Annotated[str, typer.Argument(help="Visit id.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """The price tags read on a visit's photos, with the list price where there is one."""
    rows = photo_price_tags(open_db(db), visit)
    if json_out:
        print_json(rows)
        return
    table = Table(title=f"price tags of {visit}")
    for col in ("photo", "tag", "status", "price", "sku", "list", "ok"):
        table.add_column(col)
    for r in rows:
        ok = r["compliant"]
        table.add_row(
            str(r["photo_id"]), str(r["idx"]), str(r["status"]),
            "" if r["price"] is None else f"{r['price']:.2f}", str(r["sku"] or ""),
            "" if r["expected_price"] is None else f"{r['expected_price']:.2f}",
            "" if ok is None else "yes" if ok else "[red]no[/red]",
        )  # fmt: skip
    console.print(table)


def prices_json(readings: PriceReadings | None) -> dict[str, Any] | None:
    """The ``prices`` key of ``scan --json`` for one photo."""
    if readings is None:
        return None
    checks = {c.tag: c for c in readings.checks}
    return {
        "tags": [
            {
                "idx": t.det_index,
                "xyxy": [round(v, 1) for v in t.xyxy],
                "status": t.status,
                "price": t.price,
                "second_price": t.second_price,
                "second_role": t.second_role,
                "multi_qty": t.multi_qty,
                "unit_price": t.unit_price,
                "unit": t.unit,
                "currency": t.currency,
                "ean": t.ean,
                "kind": t.kind,
                "row": t.row,
                "facings": list(t.facing_ids),
                **(
                    {"sku": checks[k].sku, "list_price": checks[k].expected, "ok": checks[k].ok}
                    if k in checks
                    else {}
                ),
            }
            for k, t in enumerate(readings.tags)
        ],
        "facing_prices": {
            str(f): readings.tags[t].price for f, t in sorted(readings.facing_tag.items())
        },
        "untagged_facings": list(readings.untagged),
        "price_list": readings.has_price_list,
        "actions": list(readings.actions),
        "elapsed_ms": round(readings.elapsed_ms, 1),
    }
