"""``shelfscan scan``: photos in, KPIs in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from shelfscan.batch.local import scan_parallel
from shelfscan.catalog import catalog_spec
from shelfscan.cli._bay import bay_json, print_bay
from shelfscan.cli._common import (
    DbOption,
    DetectorOption,
    JsonOption,
    RepOption,
    StoreOption,
    ThreadsOption,
    VisitOption,
    console,
    err_console,
    guard,
    print_json,
)
from shelfscan.cli._output import outcome_json, summary_table
from shelfscan.config import load_settings
from shelfscan.imaging.quality import load_quality_settings
from shelfscan.pipeline import PhotoOutcome, expand_paths, merge_bay, visit_spec
from shelfscan.recognition.settings import load_recognition_settings
from shelfscan.store import batch_visit, delete_if_empty, ensure_visit, finish_batch, open_db
from shelfscan.store.db import db_path
from shelfscan.store.quality import photo_quality, quality_notes

__all__ = ["outcome_json", "scan"]


@guard
def scan(
    paths: Annotated[
        list[Path],
        # readable=False: unreadable paths are reported per path and the batch goes on
        typer.Argument(help="Photos and/or folders (searched recursively).", readable=False),
    ],
    store: StoreOption = None,
    visit: VisitOption = None,
    rep: RepOption = None,
    db: DbOption = None,
    detector: DetectorOption = None,
    threads: ThreadsOption = None,
    tiles: Annotated[str | None, typer.Option(help="Tile grid for huge photos, e.g. 2x2.")] = None,
    planogram: Annotated[
        str | None,
        typer.Option(help="Planogram id to check against (default: the store's planograms)."),
    ] = None,
    bay: Annotated[
        bool, typer.Option("--bay", help="The photos are one bay, left to right: merge them.")
    ] = False,
    strict_quality: Annotated[
        bool,
        typer.Option("--strict-quality", help="Refuse photos that fail the quality gate."),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes (default: one per CPU core); --threads is split over them.",
            show_default=False,
        ),
    ] = None,
    read_prices: Annotated[
        bool | None,
        typer.Option(
            "--prices/--no-prices",
            help="Read the price tags (OCR); default: when the store has a price list.",
        ),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Detect facings, shelf rows and gaps on photos; store results and KPIs in SQLite."""
    settings = load_settings(detector=detector, threads=threads, tiles=tiles, workers=workers)
    database = open_db(db)
    if visit is None:  # the same batch again after a kill resumes its visit (#17)
        visit_id, resumed = batch_visit(database, paths, store, rep)
        if resumed:
            err_console.print(
                f"resuming visit {escape(visit_id)} (the same photos were being scanned)"
            )
    else:
        visit_id = ensure_visit(database, visit, store, rep)
    spec, context = visit_spec(
        settings,
        database,
        visit_id,
        quality=load_quality_settings(strict=strict_quality or None),
        catalog=catalog_spec(database, load_recognition_settings()),  # None: empty catalog
        planogram_id=planogram,
        prices=read_prices,
    )
    items = list(expand_paths(paths))
    outcomes: list[PhotoOutcome] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=json_out or len(items) < 2,
        auto_refresh=False,  # no refresh thread: worker processes may then start by fork
    ) as bar:
        task = bar.add_task("scanning", total=len(items))
        for outcome in scan_parallel(spec, items, database, visit_id, context, settings.workers):
            outcomes.append(outcome)
            if outcome.error:
                where = "" if str(outcome.path) in outcome.error else f"{outcome.path}: "
                err_console.print(
                    f"[red]Error:[/red] {escape(where + outcome.error)}",
                    highlight=False,
                    soft_wrap=True,
                )
            bar.update(task, advance=1, refresh=True)
            if outcome.photo_id is not None and not json_out:
                for note in quality_notes(database, outcome.photo_id):
                    err_console.print(
                        f"[yellow]{escape(outcome.path.name)}:[/yellow] {escape(note)}"
                    )
    finish_batch(database, visit_id)
    bay_result = (
        merge_bay(outcomes, database, visit_id, settings.min_gap_facings, spec, context)
        if bay
        else None
    )
    duplicates = {
        o.photo_id: int(q["duplicate_of"])
        for o in outcomes
        if o.photo_id is not None
        and (q := photo_quality(database, o.photo_id)) is not None
        and q.get("duplicate_of") is not None
    }
    if json_out:
        print_json(
            {
                "visit": visit_id,
                "photos": [outcome_json(o, duplicates.get(o.photo_id or -1)) for o in outcomes],
                **({"bay": bay_json(*bay_result)} if bay_result else {}),
            }
        )
    else:
        console.print(summary_table(outcomes, duplicates))
        if bay_result:
            print_bay(*bay_result)
        if any(o.photo_id is not None for o in outcomes):
            console.print(
                f"visit [bold]{escape(visit_id)}[/bold] stored in "
                + escape(str(db_path(database))),
                highlight=False,
            )
    failed = sum(1 for o in outcomes if o.error)
    if not any(o.photo_id is not None for o in outcomes):
        delete_if_empty(database, visit_id)  # nothing stored: leave no empty visit behind
    if failed or not outcomes:
        err_console.print(
            f"[red]{failed} of {len(outcomes)} photo(s) failed.[/red]"
            if outcomes
            else "[red]No photos found.[/red]"
        )
        raise typer.Exit(1)
