"""``shelfscan scan``: photos in, KPIs in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

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
from shelfscan.config import load_settings
from shelfscan.imaging.quality import load_quality_settings
from shelfscan.pipeline import PhotoOutcome, build_pipeline, expand_paths, merge_bay, scan_batch
from shelfscan.recognition.settings import load_recognition_settings
from shelfscan.store import batch_visit, ensure_visit, finish_batch, open_db
from shelfscan.store.db import db_path
from shelfscan.store.quality import quality_notes


def outcome_json(outcome: PhotoOutcome) -> dict[str, Any]:
    """The machine-readable summary of one photo."""
    if outcome.result is None:
        return {"path": str(outcome.path), "error": outcome.error}
    r = outcome.result
    return {
        "path": str(outcome.path),
        "photo_id": outcome.photo_id,
        "sha256": r.photo.sha256,
        "width": r.photo.width,
        "height": r.photo.height,
        "facings": r.layout.facings,
        "rows": [
            {
                "row": row.index,
                "facings": row.facings,
                "y_top": round(row.y_top, 1),
                "y_bottom": round(row.y_bottom, 1),
            }
            for row in r.layout.rows
        ],
        "gaps": [
            {
                "row": g.row,
                "xyxy": [round(v, 1) for v in g.xyxy],
                "width_facings": round(g.width_facings, 2),
            }
            for g in r.layout.gaps
        ],
        "kpis": dict(r.kpis.values),
        "quality": None if r.quality is None else r.quality.to_dict(),
        "timings_ms": {k: round(v, 1) for k, v in r.timings_ms.items()},
    }


def _summary_table(outcomes: list[PhotoOutcome]) -> Table:
    table = Table(title="shelfscan summary")
    for col in ("photo", "facings", "rows", "gaps", "empty share", "ms"):
        table.add_column(col, justify="left" if col == "photo" else "right")
    for o in outcomes:
        if o.result is None:
            table.add_row(o.path.name, "-", "-", "-", "-", "[red]failed[/red]")
            continue
        k = o.result.kpis.values
        table.add_row(
            o.path.name,
            f"{k['facings']:.0f}",
            f"{k['rows']:.0f}",
            f"{k['gaps']:.0f}",
            f"{k['empty_shelf_share']:.1%}",
            f"{o.result.elapsed_ms:.0f}",
        )
    return table


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
    json_out: JsonOption = False,
) -> None:
    """Detect facings, shelf rows and gaps on photos; store results and KPIs in SQLite."""
    settings = load_settings(detector=detector, threads=threads, tiles=tiles)
    database = open_db(db)
    if visit is None:  # the same batch again after a kill resumes its visit (#17)
        visit_id, resumed = batch_visit(database, paths, store, rep)
        if resumed:
            err_console.print(f"resuming visit {visit_id} (the same photos were being scanned)")
    else:
        visit_id = ensure_visit(database, visit, store, rep)
    pipeline, context = build_pipeline(
        settings,
        database,
        visit_id,
        quality=load_quality_settings(strict=strict_quality or None),
        catalog=catalog_spec(database, load_recognition_settings()),  # None: empty catalog
        planogram_id=planogram,
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
    ) as bar:
        task = bar.add_task("scanning", total=len(items))
        for outcome in scan_batch(pipeline, items, database, visit_id, context):
            outcomes.append(outcome)
            if outcome.error:
                where = "" if str(outcome.path) in outcome.error else f"{outcome.path}: "
                err_console.print(
                    f"[red]Error:[/red] {where}{outcome.error}", highlight=False, soft_wrap=True
                )
            bar.advance(task)
            if outcome.photo_id is not None and not json_out:
                for note in quality_notes(database, outcome.photo_id):
                    err_console.print(f"[yellow]{outcome.path.name}:[/yellow] {note}")
    finish_batch(database, visit_id)
    bay_result = merge_bay(outcomes, database, visit_id, settings.min_gap_facings) if bay else None
    if json_out:
        print_json(
            {
                "visit": visit_id,
                "photos": [outcome_json(o) for o in outcomes],
                **({"bay": bay_json(*bay_result)} if bay_result else {}),
            }
        )
    else:
        console.print(_summary_table(outcomes))
        if bay_result:
            print_bay(*bay_result)
        console.print(f"visit [bold]{visit_id}[/bold] stored in {db_path(database)}")
    failed = sum(1 for o in outcomes if o.error)
    if failed or not outcomes:
        err_console.print(
            f"[red]{failed} of {len(outcomes)} photo(s) failed.[/red]"
            if outcomes
            else "[red]No photos found.[/red]"
        )
        raise typer.Exit(1)
