"""``shelfscan capture``: camera, stream or video in, gated photos scanned into the store."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import cv2
import typer

from shelfscan.capture.auto import AutoCapture, CaptureSettings, Decision
from shelfscan.capture.run import run_capture
from shelfscan.capture.source import Frame, FrameSource
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
    fail,
    guard,
    print_json,
)
from shelfscan.cli.scan import outcome_json
from shelfscan.config import load_settings
from shelfscan.imaging.quality import load_quality_settings
from shelfscan.pipeline import build_pipeline, merge_bay
from shelfscan.recognition.settings import load_recognition_settings
from shelfscan.store import ensure_visit, open_db


class Guide:
    """Live guidance: prints the hint when it changes; shows a window when asked and possible."""

    def __init__(self, window: bool, quiet: bool) -> None:
        self.window, self.quiet, self.last = window, quiet, ""

    def __call__(self, frame: Frame, decision: Decision) -> None:
        line = decision.guidance
        if line != self.last and not self.quiet:
            colour = "green" if decision.keep else "yellow"
            err_console.print(f"[{colour}]frame {frame.index}:[/{colour}] {line}", highlight=False)
        self.last = line
        if self.window:
            self.window = show_frame(frame, line)


def show_frame(frame: Frame, line: str) -> bool:
    """Draw the frame with its hint in a window; False where no display exists."""
    if not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        return False
    try:
        view = frame.image.copy()
        cv2.putText(view, line, (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 255, 255), 2)
        cv2.imshow("shelfscan capture", view)
        cv2.waitKey(1)
    except cv2.error:
        return False
    return True


@guard
def capture(
    source: Annotated[
        str, typer.Argument(help="Camera index (0), stream URL (rtsp://, http://) or video file.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Folder for the kept photos (default: ./captures).")
    ] = None,
    store: StoreOption = None,
    visit: VisitOption = None,
    rep: RepOption = None,
    db: DbOption = None,
    interval: Annotated[
        float, typer.Option(help="Fixed camera: keep one good photo every N seconds.")
    ] = 0.0,
    max_photos: Annotated[int, typer.Option(help="Stop after N photos (0 = no limit).")] = 0,
    steady: Annotated[float, typer.Option(help="Seconds the view must hold still.")] = 0.3,
    open_timeout: Annotated[float, typer.Option(help="Seconds to wait for the source.")] = 10.0,
    read_timeout: Annotated[float, typer.Option(help="Seconds to wait for each frame.")] = 5.0,
    bay: Annotated[
        bool, typer.Option("--bay", help="The kept photos are one bay, left to right.")
    ] = False,
    window: Annotated[
        bool, typer.Option(help="Show a preview window where a display exists.")
    ] = False,
    strict_quality: Annotated[
        bool,
        typer.Option(
            "--strict-quality",
            help="Keep only frames that pass the quality gate (default: a view that never"
            " passes keeps its best frame, with the gate's notes, as `scan` does).",
        ),
    ] = False,
    detector: DetectorOption = None,
    threads: ThreadsOption = None,
    planogram: Annotated[
        str | None,
        typer.Option(help="Planogram id to check against (default: the store's planograms)."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Capture shelf photos from a camera, stream or video: keep frames that pass the
    quality gate and hold still, and scan each into the store like `shelfscan scan`.

    One photo per view: its first steady frame that passes the gate, or, when the view
    ends without one, its best frame with the gate's notes (not with --strict-quality)."""
    settings = load_settings(detector=detector, threads=threads)
    quality = load_quality_settings(strict=strict_quality or None)
    database = open_db(db)
    visit_id = ensure_visit(database, visit, store, rep)
    pipeline, context = build_pipeline(  # the same stages as `shelfscan scan`
        settings,
        database,
        visit_id,
        quality=quality,
        catalog=catalog_spec(database, load_recognition_settings()),
        planogram_id=planogram,
    )
    auto = AutoCapture(
        CaptureSettings(steady_s=steady, interval_s=interval, max_photos=max_photos), quality
    )
    folder = out or Path("captures") / visit_id
    with FrameSource(source, open_timeout, read_timeout) as frames:
        summary = run_capture(
            frames, auto, pipeline, database, visit_id, folder, Guide(window, json_out), context
        )
    bay_result = (
        merge_bay(
            summary.outcomes, database, visit_id, settings.min_gap_facings, pipeline.spec, context
        )
        if bay and summary.kept >= 2
        else None
    )
    if json_out:
        print_json(
            {
                "visit": visit_id,
                "frames": summary.frames,
                "photos": [outcome_json(o) for o in summary.outcomes],
                "error": summary.error,
                **({"bay": bay_json(*bay_result)} if bay_result else {}),
            }
        )
    else:
        console.print(
            f"{summary.kept} photo(s) kept from {summary.frames} frame(s) into {folder};"
            f" visit [bold]{visit_id}[/bold]"
        )
        if bay_result:
            print_bay(*bay_result)
    if summary.error:
        fail(f"{summary.error}; {summary.kept} photo(s) captured before it are kept")
    if summary.kept == 0:
        fail(f"{source}: no frame passed the quality gate and held still ({summary.frames} read)")
    if any(o.error for o in summary.outcomes):
        fail("; ".join(str(o.error) for o in summary.outcomes if o.error))
