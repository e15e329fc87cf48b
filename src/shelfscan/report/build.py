"""Write a visit's pictures: annotated JPEGs per photo and the self-contained HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import sqlite_utils

from shelfscan.errors import ImageError, ShelfscanError
from shelfscan.imaging import load_image
from shelfscan.report.annotate import Box, annotate
from shelfscan.report.html import render_html
from shelfscan.report.visit import PhotoReport, VisitReport, load_visit_report

JPEG_QUALITY = 82


def action_marks(report: VisitReport, photo_id: int) -> list[tuple[int, Box]]:
    """(action number as listed, box) of the actions placed on one photo."""
    return [
        (n, a.box)
        for n, a in enumerate(report.actions, start=1)
        if a.photo_id == photo_id and a.box is not None
    ]


def annotated_jpeg(
    photo: PhotoReport, max_side: int = 1600, marks: Sequence[tuple[int, Box]] = ()
) -> bytes | None:
    """The photo with its boxes (and numbered actions) drawn, as JPEG bytes; None when
    the file is gone."""
    try:
        image, _ = load_image(photo.path)
    except ImageError:
        return None
    drawn = annotate(image, photo.detections, photo.layout, photo.match, max_side, marks)
    ok, buf = cv2.imencode(".jpg", drawn, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return bytes(buf) if ok else None


def write_report(
    db: sqlite_utils.Database,
    visit_id: str,
    html_path: Path | None = None,
    images_dir: Path | None = None,
) -> tuple[VisitReport, list[Path]]:
    """Load the visit; write the HTML page and/or one annotated JPEG per photo.

    Returns the report and the files written.
    """
    report = load_visit_report(db, visit_id)
    written: list[Path] = []
    if html_path is None and images_dir is None:
        return report, written
    if html_path is not None and not html_path.parent.is_dir() and html_path.parent != images_dir:
        raise ShelfscanError(f"{html_path.parent}: no such folder (create it first)")
    images = {}
    for photo in report.photos:
        jpeg = annotated_jpeg(photo, marks=action_marks(report, photo.photo_id))
        if jpeg is not None:
            images[photo.photo_id] = jpeg
    try:
        if images_dir is not None:
            images_dir.mkdir(parents=True, exist_ok=True)
            for photo in report.photos:
                if photo.photo_id in images:
                    out = images_dir / f"{photo.photo_id:04d}_{photo.path.stem}.jpg"
                    out.write_bytes(images[photo.photo_id])
                    written.append(out)
        if html_path is not None:
            html_path.write_text(render_html(report, images), encoding="utf-8")
            written.append(html_path)
    except OSError as exc:
        raise ShelfscanError(
            f"{exc.filename or html_path}: cannot write report ({exc.strerror})"
        ) from exc
    return report, written
