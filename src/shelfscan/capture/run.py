"""A capture session: frames in, kept photos saved with metadata and scanned into the store.

Each kept frame is written as a JPEG plus a ``.json`` sidecar (source, frame index, time,
quality report), then scanned through the same ``Pipeline`` as ``shelfscan scan`` and
stored in its own transaction: an error later in the session loses nothing kept so far.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import cv2
import sqlite_utils

from shelfscan.capture.auto import AutoCapture, Decision
from shelfscan.capture.source import Frame, FrameSource
from shelfscan.errors import CaptureError, ShelfscanError
from shelfscan.pipeline import PhotoOutcome, Pipeline, ScanContext
from shelfscan.store import save_scan

Listener = Callable[[Frame, Decision], None]


@dataclass
class CaptureSummary:
    """What a session did: frames seen, photos kept (and scanned), the error that ended it."""

    frames: int = 0
    outcomes: list[PhotoOutcome] = field(default_factory=list)
    error: str | None = None

    @property
    def kept(self) -> int:
        return len(self.outcomes)


def save_frame(frame: Frame, folder: Path, source: str, decision: Decision) -> Path:
    """Write the frame as JPEG with a JSON sidecar; returns the JPEG path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    path = folder / f"capture-{stamp:%Y%m%d-%H%M%S}-{frame.index:06d}.jpg"
    if not cv2.imwrite(str(path), frame.image, [cv2.IMWRITE_JPEG_QUALITY, 92]):
        raise CaptureError(f"{path}: cannot write the captured photo")
    meta = {
        "source": source,
        "frame_index": frame.index,
        "frame_time_s": round(frame.t, 3),
        "captured_at": stamp.isoformat(timespec="milliseconds"),
        "width": int(frame.image.shape[1]),
        "height": int(frame.image.shape[0]),
        "quality": None if decision.report is None else decision.report.to_dict(),
    }
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return path


def run_capture(
    source: FrameSource,
    auto: AutoCapture,
    pipeline: Pipeline,
    db: sqlite_utils.Database,
    visit_id: str,
    folder: Path,
    listener: Listener | None = None,
    context: ScanContext | None = None,
) -> CaptureSummary:
    """Read ``source`` until it ends, ``auto`` is done, or an error; scan each kept frame.

    A source error (dropped stream, empty frames, timeout) ends the session: the summary
    carries the message and every photo kept before it stays stored.
    """
    summary = CaptureSummary()
    try:
        for frame in source:
            summary.frames += 1
            decision = auto.feed(frame)
            if listener is not None:
                listener(frame, decision)
            if decision.keep:
                kept = decision.frame or frame
                summary.outcomes.append(
                    _scan_kept(kept, decision, source, pipeline, db, visit_id, folder, context)
                )
            if auto.done:
                break
    except CaptureError as exc:  # the view it cut off is not kept
        summary.error = str(exc)
        return summary
    last = auto.finish()  # the view the source ended on
    if last is not None and last.frame is not None:
        if listener is not None:
            listener(last.frame, last)
        summary.outcomes.append(
            _scan_kept(last.frame, last, source, pipeline, db, visit_id, folder, context)
        )
    return summary


def _scan_kept(
    frame: Frame,
    decision: Decision,
    source: FrameSource,
    pipeline: Pipeline,
    db: sqlite_utils.Database,
    visit_id: str,
    folder: Path,
    context: ScanContext | None = None,
) -> PhotoOutcome:
    context = context or ScanContext()
    path = save_frame(frame, folder, source.name, decision)
    try:
        result = pipeline.scan_file(path, replace(context, source=source.name))
        photo_id = save_scan(db, visit_id, result)
    except ShelfscanError as exc:
        return PhotoOutcome(path, error=str(exc))
    return PhotoOutcome(path, result, photo_id)
