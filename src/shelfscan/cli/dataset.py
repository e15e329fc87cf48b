"""``shelfscan dataset``: generate synthetic shelf photos, check annotated datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress

from shelfscan.cli._common import JsonOption, console, guard, print_json
from shelfscan.datasets import check_dataset
from shelfscan.datasets.synthetic import (
    SceneConfig,
    SyntheticCatalog,
    parse_size,
    write_synthetic_dataset,
)

app = typer.Typer(help="Synthetic shelf photos and annotated datasets.", no_args_is_help=True)


@app.command()
@guard
def generate(
    out: Annotated[Path, typer.Argument(help="Output folder (created).")],
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="Number of images.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the first image; image i uses seed + i.")] = 0,
    size: Annotated[str, typer.Option(help="Image size, WIDTHxHEIGHT.")] = "1600x1200",
    format: Annotated[
        str, typer.Option("--format", help="Comma-separated: coco, yolo, voc, csv.")
    ] = "coco,yolo",
    skus: Annotated[int, typer.Option(min=1, help="Size of the synthetic SKU catalog.")] = 200,
    catalog_seed: Annotated[int, typer.Option(help="Seed of the SKU catalog.")] = 0,
    camera: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Camera-effect strength, 0 = none.")
    ] = 0.5,
    jpeg_quality: Annotated[int, typer.Option(min=1, max=100, help="JPEG quality.")] = 90,
    realistic: Annotated[
        bool,
        typer.Option(
            help="Hard cases of real stores: peg labels, baskets, coolers, back rows, sale "
            "tags, signs and posters, side bays, oblique views (the v2 training mix)."
        ),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Render COUNT synthetic shelf photos with boxes, planograms and the catalog."""
    from shelfscan.datasets.synthetic.hard import REALISTIC, Realism

    wh = parse_size(size)
    formats = [f.strip() for f in format.split(",") if f.strip()]
    cfg = SceneConfig(
        catalog_skus=skus, camera_strength=camera, realism=REALISTIC if realistic else Realism()
    )
    catalog = SyntheticCatalog(skus, seed=catalog_seed)
    with Progress(console=console, transient=True, disable=json_out) as bar:
        task = bar.add_task("rendering", total=count)
        items = write_synthetic_dataset(
            out,
            range(seed, seed + count),
            cfg,
            wh,
            formats,
            catalog,
            jpeg_quality,
            progress=lambda n: bar.advance(task, n),
        )
    boxes = sum(len(i.detections) for i in items)
    if json_out:
        print_json({"out": str(out), "images": len(items), "boxes": boxes, "formats": formats})
        return
    console.print(
        escape(f"wrote {len(items)} images with {boxes} boxes to {out} ({', '.join(formats)})"),
        highlight=False,
    )


@app.command()
@guard
def check(
    path: Annotated[Path, typer.Argument(help="Dataset file or folder (COCO, YOLO, VOC, CSV).")],
    format: Annotated[
        str | None,
        typer.Option("--format", help="coco, yolo, voc or csv, when a folder mixes them."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Load a dataset and print image and box counts and any warnings."""
    summary = check_dataset(path, format)
    if json_out:
        print_json(summary.to_json())
        return
    counts = ", ".join(f"{v} {k}" for k, v in summary.boxes.items())
    console.print(
        f"{summary.path}: {summary.format}, {summary.images} images, "
        f"{sum(summary.boxes.values())} boxes ({counts})",
        highlight=False,
    )
    for msg in summary.warnings[:20]:
        console.print(f"[yellow]warning:[/yellow] {escape(msg)}", highlight=False, soft_wrap=True)
    if len(summary.warnings) > 20:
        console.print(f"[yellow]... and {len(summary.warnings) - 20} more warnings[/yellow]")
