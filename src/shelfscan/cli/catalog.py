"""``shelfscan catalog``: SKUs and their reference photos; ``review`` and ``rescore``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from shelfscan import catalog as lib
from shelfscan.cli._common import DbOption, JsonOption, console, err_console, guard, print_json
from shelfscan.config import load_settings
from shelfscan.errors import CatalogError
from shelfscan.pipeline import build_pipeline, rescore_visit
from shelfscan.recognition.embedder import Embedder
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.settings import load_recognition_settings
from shelfscan.store import catalog as store
from shelfscan.store import open_db

app = typer.Typer(
    help="Manage the SKU catalog: reference photos in, recognition at once.", no_args_is_help=True
)

EmbedderOption = Annotated[
    str | None, typer.Option("--embedder", help="Embedder model file or name under models/.")
]
AppendOption = Annotated[
    bool, typer.Option("--append", help="Add photos to SKUs that already exist.")
]


def _embedder(name: str | None) -> Embedder:
    settings = load_recognition_settings(embedder=name)
    return Embedder.from_path(settings.embedder_path, settings.threads)


def _report(report: lib.AddReport, json_out: bool) -> None:
    for warning in report.warnings:
        err_console.print(
            f"[yellow]Warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True
        )
    if json_out:
        print_json({"skus": report.skus, "images": report.images, "warnings": report.warnings})
    else:
        console.print(f"added {report.images} reference image(s) to {len(report.skus)} SKU(s)")


@app.command("add")
@guard
def add(
    sku: Annotated[str, typer.Argument(help="SKU id (your own article number).")],
    images: Annotated[
        list[Path] | None, typer.Argument(help="Reference photos (packshots, photos in hand).")
    ] = None,
    from_photo: Annotated[
        Path | None, typer.Option("--from-photo", help="Shelf photo to cut --box from.")
    ] = None,
    box: Annotated[
        list[str] | None,
        typer.Option("--box", help="x1,y1,x2,y2 in pixels of --from-photo (repeatable)."),
    ] = None,
    facing: Annotated[
        list[int] | None,
        typer.Option("--facing", help="Id of a stored product facing of a scan (repeatable)."),
    ] = None,
    name: Annotated[str, typer.Option(help="Product name.")] = "",
    brand: Annotated[str, typer.Option(help="Brand.")] = "",
    category: Annotated[str, typer.Option(help="Category.")] = "",
    ean: Annotated[str, typer.Option(help="EAN/GTIN.")] = "",
    width_mm: Annotated[float | None, typer.Option(help="Physical width in mm.")] = None,
    append: AppendOption = False,
    embedder: EmbedderOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Add a SKU from reference photos, boxes on a shelf photo or stored facings (any
    mix, several combine well); recognised from the next scan on.

    Example: shelfscan catalog add WEST-RED --from-photo shelf.jpg --box 308,1108,632,1624
    """
    info = SkuInfo(sku, ean, name, brand, category, width_mm)
    if bool(from_photo) != bool(box):
        raise CatalogError("--from-photo and --box go together")
    boxes = [(from_photo, lib.parse_box(b)) for b in box or []] if from_photo else []
    if not (images or boxes or facing):
        raise CatalogError("give reference photos, --from-photo with --box, or --facing")
    report = lib.add_sku(
        open_db(db), _embedder(embedder), info, images or [], boxes, facing or [], append
    )
    _report(report, json_out)


@app.command("import")
@guard
def import_(
    folder: Annotated[
        Path, typer.Argument(help="One sub-folder of photos per SKU (+ catalog.csv).")
    ],
    append: AppendOption = False,
    embedder: EmbedderOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import a catalog folder in one transaction: every SKU or none."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=json_out,
    ) as bar:
        task = bar.add_task("reading", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"{stage} SKUs", completed=done, total=total)

        report = lib.import_folder(open_db(db), _embedder(embedder), folder, append, progress)
    _report(report, json_out)


@app.command("list")
@guard
def list_(db: DbOption = None, json_out: JsonOption = False) -> None:
    """List SKUs with their attributes and number of reference photos."""
    rows = store.list_skus(open_db(db))
    if json_out:
        print_json(rows)
        return
    table = Table(title=f"catalog: {len(rows)} SKU(s)")
    for col in ("sku", "ean", "name", "brand", "category", "width_mm", "images"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            *(
                "" if r[c] is None else str(r[c])
                for c in ("sku", "ean", "name", "brand", "category", "width_mm", "images")
            )
        )
    console.print(table)


@app.command("remove")
@guard
def remove(
    skus: Annotated[list[str], typer.Argument(help="SKU ids to remove.")],
    db: DbOption = None,
) -> None:
    """Remove SKUs and their reference photos (all or none)."""
    console.print(f"removed {store.remove_skus(open_db(db), skus)} SKU(s)")


@app.command("export")
@guard
def export(
    out: Annotated[Path, typer.Argument(help="New or empty folder.")],
    db: DbOption = None,
) -> None:
    """Write the catalog as an import folder (catalog.csv + one photo folder per SKU)."""
    count = lib.export_folder(open_db(db), out)
    console.print(f"wrote {count} reference image(s) to {escape(str(out))}", highlight=False)


@app.command("must-have")
@guard
def must_have(
    store_id: Annotated[str, typer.Argument(help="Store id, or '*' for every store.")],
    skus: Annotated[list[str] | None, typer.Argument(help="SKUs (none: show the list).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Empty the list.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Set (or show) the must-have SKUs of a store, for the assortment-presence KPI."""
    database = open_db(db)
    if skus or clear:
        store.set_must_have(database, store_id, skus or [])
    current = sorted(store.must_have(database, store_id))
    if json_out:
        print_json({"store": store_id, "must_have": current})
    else:
        console.print(
            escape(f"{store_id}: {len(current)} must-have SKU(s) {' '.join(current)}"),
            highlight=False,
        )


@guard
def rescore(
    visit: Annotated[str, typer.Argument(help="Visit id (see `shelfscan visits`).")],
    embedder: EmbedderOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Re-run SKU recognition on a stored visit after the catalog changed."""
    database = open_db(db)
    catalog = lib.catalog_spec(database, load_recognition_settings(embedder=embedder))
    if catalog is None:
        raise CatalogError("the catalog is empty: add SKUs with `shelfscan catalog add`")
    pipeline, context = build_pipeline(
        load_settings(), database, visit, catalog=catalog, detect=False
    )
    outcomes = rescore_visit(pipeline, database, visit, context)
    if json_out:
        print_json([o.__dict__ for o in outcomes])
    else:
        for o in outcomes:
            line = (
                f"[red]failed[/red] {o.error}"
                if o.error
                else f"{o.recognized} recognised, {o.unknown} unknown"
            )
            console.print(f"{escape(Path(o.path).name)}: {line}", highlight=False)
    if any(o.error for o in outcomes):
        raise typer.Exit(1)
