"""``shelfscan batch``: a folder or manifest scanned on Ray Data, into Parquet and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from shelfscan.batch.local import default_workers
from shelfscan.batch.manifest import batch_items
from shelfscan.batch.ray_data import run_batch
from shelfscan.catalog import catalog_spec
from shelfscan.cli._common import (
    DbOption,
    DetectorOption,
    JsonOption,
    RepOption,
    StoreOption,
    console,
    err_console,
    guard,
    print_json,
)
from shelfscan.config import load_settings
from shelfscan.imaging.quality import load_quality_settings
from shelfscan.pipeline import load_spec
from shelfscan.recognition.settings import load_recognition_settings
from shelfscan.store import open_db


@guard
def batch(
    source: Annotated[
        Path,
        typer.Argument(
            help="Folder of photos, or a manifest (.csv / .parquet: path, store, visit, rep)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Folder for the Parquet tables.")] = Path("batch-out"),
    merge_db: Annotated[
        Path | None,
        typer.Option(
            "--merge-db", help="Also store every photo in this SQLite file (and its outbox)."
        ),
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(help="Ray cluster address (default: start a local Ray, or $RAY_ADDRESS)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Scan actors (default: one per local CPU core).", show_default=False),
    ] = None,
    visit: Annotated[
        str | None,
        typer.Option("--visit", help="Visit id of rows that name none (default: a new one)."),
    ] = None,
    store: StoreOption = None,
    rep: RepOption = None,
    db: DbOption = None,
    detector: DetectorOption = None,
    threads: Annotated[
        int | None, typer.Option(help="CPU threads per actor (default 1; one Ray CPU each).")
    ] = None,
    planogram: Annotated[
        str | None, typer.Option(help="Planogram id to check against (default: each store's).")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Scan a folder or manifest on Ray Data: Parquet tables of photos, facings, gaps and
    KPIs, optionally merged into a shelfscan database (exactly once per photo)."""
    settings = load_settings(detector=detector, threads=threads or 1)  # per actor
    visit_id = visit or f"batch-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    items = batch_items(source, visit_id, store, rep)
    source_db = open_db(db if db or merge_db is None else merge_db)  # catalog, planograms
    target = None if merge_db is None else open_db(merge_db)
    actors = workers or default_workers()
    spec = load_spec(
        source_db,
        settings,
        {i.store for i in items},
        quality=load_quality_settings(),
        catalog=catalog_spec(source_db, load_recognition_settings()),
        planogram_id=planogram,
    )
    report = run_batch(items, spec, out, target, address=address, workers=actors)
    for line in report.errors:
        err_console.print(f"[red]Error:[/red] {line}", highlight=False, soft_wrap=True)
    if json_out:
        print_json(
            {
                "visit": visit_id,
                "photos": report.photos,
                "failed": report.failed,
                "merged": report.merged,
                "ray_start_s": round(report.ray_start_s, 2),
                "scan_s": round(report.scan_s, 2),
                "photos_per_s": round(report.photos_per_s, 3),
                "tables": report.tables,
            }
        )
    else:
        console.print(
            f"{report.photos - report.failed} of {report.photos} photo(s) scanned with {actors}"
            f" actor(s) in {report.scan_s:.1f} s ({report.photos_per_s:.2f} photos/s; Ray"
            f" start-up {report.ray_start_s:.1f} s apart); tables in {out}"
            + (f"; {report.merged} merged into {merge_db}" if merge_db else "")
        )
    if report.failed:
        raise typer.Exit(1)
