"""``shelfscan model ...``: evaluate detector models."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shelfscan.cli._common import JsonOption, console, err_console, guard, print_json
from shelfscan.config import Settings, load_settings
from shelfscan.detection.detector import Detector
from shelfscan.detection.evaluate import evaluate_model
from shelfscan.detection.real_eval import evaluate_real, is_real_spec, summary_lines
from shelfscan.errors import ConfigError
from shelfscan.types import CLASS_NAMES

app = typer.Typer(help="Evaluate detector models.", no_args_is_help=True)


def _class_ids(names: str) -> tuple[int, ...]:
    ids = []
    for name in (n.strip() for n in names.split(",") if n.strip()):
        if name not in CLASS_NAMES:
            raise ConfigError(f"unknown class {name!r} (valid: {', '.join(CLASS_NAMES)})")
        ids.append(CLASS_NAMES.index(name))
    if not ids:
        raise ConfigError("--classes names no class")
    return tuple(ids)


@app.command("eval")
@guard
def eval_command(
    dataset: Annotated[
        str,
        typer.Argument(
            help="Annotated dataset (COCO json, YOLO, VOC, CSV, or a folder) or "
            "synthetic:FIRST-LAST for held-out synthetic scenes (e.g. synthetic:0-199), or "
            "hand-counted real photos: a row_truth.csv, its folder or a folder above it "
            "(e.g. ../shared/data/real) for counts per row, nested and oversized boxes."
        ),
    ],
    detector: Annotated[
        str | None, typer.Option(help="Detector model file or name under models/.")
    ] = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads for inference.")] = None,
    tiles: Annotated[str | None, typer.Option(help="Tile grid, e.g. 2x2.")] = None,
    input_size: Annotated[
        int | None, typer.Option(help="Long side fed to the model (default: the model's own).")
    ] = None,
    classes: Annotated[
        str, typer.Option(help="Classes to score, comma-separated; the first is counted.")
    ] = "product",
    score_threshold: Annotated[
        float, typer.Option(help="Lowest score kept for AP (AP needs low-score boxes too).")
    ] = 0.05,
    count_threshold: Annotated[
        float, typer.Option(help="Score from which a box counts as a facing (counting MAE).")
    ] = 0.5,
    json_out: JsonOption = False,
) -> None:
    """Print COCO-style AP, AP50, AP75, AR300 and counting error (MAE, RMSE) of a model,
    or, on hand-counted real photos, facings per row against the counts and box sanity."""
    settings = load_settings(detector=detector, threads=threads, tiles=tiles)
    class_ids = _class_ids(classes)
    if is_real_spec(dataset):
        _eval_real(dataset, settings, input_size, count_threshold, json_out)
        return
    det = Detector.from_path(
        settings.detector_path,
        threads=settings.threads,
        tiles=settings.tile_grid,
        input_size=input_size,
        score_threshold=score_threshold,
        iou_threshold=settings.iou_threshold,
        max_detections=300,
    )
    status = err_console.status("evaluating", spinner="dots")
    seen = [0]

    def progress(name: str) -> None:
        seen[0] += 1
        status.update(f"evaluating: {seen[0]} image(s) done, last {escape(name)}")

    with status if not json_out else _Null():
        report = evaluate_model(det, dataset, class_ids, count_threshold, progress)
    result = {
        **report.as_dict(),
        "model": str(settings.detector_path),
        "input_size": det.input_size,
    }
    if json_out:
        print_json(result)
        return
    m = report.metrics
    table = Table(title=f"{dataset}: {m.images} images, {m.gt_boxes} boxes")
    for col in ("AP", "AP50", "AP75", "AR300", "count MAE", "count RMSE"):
        table.add_column(col, justify="right")
    table.add_row(
        f"{m.ap:.3f}",
        f"{m.ap50:.3f}",
        f"{m.ap75:.3f}",
        f"{m.ar300:.3f}",
        f"{m.count_mae:.2f}",
        f"{m.count_rmse:.2f}",
    )
    console.print(table)
    err_console.print(
        f"model {settings.detector_path} at {det.input_size} px, {report.seconds:.1f} s"
    )


def _eval_real(
    dataset: str, settings: Settings, input_size: int | None, threshold: float, json_out: bool
) -> None:
    """Real-photo figures at the boxes a scan counts (scores >= ``threshold``)."""
    det = Detector.from_path(
        settings.detector_path,
        threads=settings.threads,
        tiles=settings.tile_grid,
        input_size=input_size,
        score_threshold=threshold,
        iou_threshold=settings.iou_threshold,
    )
    with console.status("evaluating", spinner="dots") if not json_out else _Null():
        report = evaluate_real(det, dataset, threshold)
    if json_out:
        print_json(
            {**report.as_dict(), "model": str(settings.detector_path), "input_size": det.input_size}
        )
        return
    for line in summary_lines(report):
        console.print(line, markup=False, highlight=False)
    err_console.print(
        f"model {settings.detector_path} at {det.input_size} px, {report.seconds:.1f} s"
    )


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None
