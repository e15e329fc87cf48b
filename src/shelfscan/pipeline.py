"""Compose the stages for one photo, and run batches of photos into the store.

load -> [quality gate] -> detect -> layout (rows, gaps) -> [recognise] -> KPIs
     -> [analyses such as planogram matching] -> store (one transaction per photo)

Optional stages are plain callables given to ``Pipeline``; each returns its own result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import sqlite_utils

from shelfscan.config import Settings
from shelfscan.detection import Detector
from shelfscan.errors import ShelfscanError
from shelfscan.imaging import iter_image_paths
from shelfscan.imaging.load import LoadedPhoto, load_photo
from shelfscan.kpi import shelf_kpis
from shelfscan.layout import build_layout
from shelfscan.store import save_scan
from shelfscan.types import Detections, KpiReport, PhotoInfo, ScanResult, ShelfLayout

Image = npt.NDArray[np.uint8]
QUALITY_WORK_SIDE = 800  # the quality gate's analysed copy (QualitySettings.work_size)
# The reduced decode keeps twice the size the stages resize to: they then area-average
# from it as from a full decode. Decoding right at the detector's size (DCT-domain
# scaling is sharper than area averaging) moved per-photo facing counts by up to 10%
# on the real photos; at twice the size the scorecard stays within noise.
WORKING_MARGIN = 2


class Recognizer(Protocol):
    """Adds ``sku``, ``brand`` and ``match_score`` columns to the detections."""

    def __call__(self, image: Image, dets: Detections, layout: ShelfLayout) -> Detections: ...


class Analysis(Protocol):
    """A post-layout stage (e.g. planogram matching): returns its result and extra KPIs.

    It gets the photo at full resolution; a stage that never reads the pixels may say so
    with a class attribute ``needs_image = False`` and then gets a reduced working copy
    (sparing a full-resolution decode).
    """

    name: str

    def __call__(
        self, image: Image, dets: Detections, layout: ShelfLayout, context: dict[str, Any]
    ) -> tuple[Any, KpiReport]: ...


def merge_kpis(reports: Iterable[KpiReport]) -> KpiReport:
    values: dict[str, float] = {}
    breakdowns: dict[str, dict[str, float]] = {}
    elapsed = 0.0
    for report in reports:
        values.update(report.values)
        for key, table in report.breakdowns.items():
            breakdowns.setdefault(key, {}).update(table)
        elapsed += report.elapsed_ms
    return KpiReport(values, breakdowns, elapsed)


@dataclass
class Pipeline:
    """One configured scanner: a detector plus optional stages."""

    detector: Detector
    settings: Settings = field(default_factory=Settings)
    recognizer: Recognizer | None = None
    quality_gate: Callable[[Image], Any] | None = None
    analyses: list[Analysis] = field(default_factory=list)
    model_name: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Pipeline:
        detector = Detector.from_path(
            settings.detector_path,
            threads=settings.threads,
            score_threshold=settings.score_threshold,
            iou_threshold=settings.iou_threshold,
            tiles=settings.tile_grid,
        )
        return cls(detector, settings, model_name=settings.detector_path.name)

    @property
    def working_long_side(self) -> int | None:
        """The long side (pixels) a reduced decode must keep for the detector and the
        quality gate (its analysed copy's ``work_size``, default ``QUALITY_WORK_SIDE``);
        None (decode at full size) for a detector that does not say what it needs."""
        need = getattr(self.detector, "min_long_side", None)
        if not isinstance(need, int):
            return None
        settings = getattr(self.quality_gate, "settings", None)
        quality = getattr(settings, "work_size", QUALITY_WORK_SIDE) if self.quality_gate else 0
        return WORKING_MARGIN * max(need, quality)

    def scan_image(
        self, image: Image, photo: PhotoInfo, context: dict[str, Any] | None = None
    ) -> ScanResult:
        """Run every stage on one photo decoded at full resolution."""
        return self.scan_photo(LoadedPhoto.from_array(image, photo), context)

    def scan_photo(self, loaded: LoadedPhoto, context: dict[str, Any] | None = None) -> ScanResult:
        """Run every stage on one loaded photo: the detector and the quality gate read
        the working copy; the recogniser and analyses that read pixels get the full
        resolution, decoded only then."""
        photo, image = loaded.info, loaded.working
        timings: dict[str, float] = {}
        extras: dict[str, Any] = {}
        context = dict(context or {})
        if self.quality_gate is not None:
            t0 = time.perf_counter()
            extras["quality"] = self.quality_gate(image)
            timings["quality"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        dets = self.detector(image) if loaded.scale == 1 else self.detector(image, loaded.scale)
        timings["detect"] = (time.perf_counter() - t0) * 1000
        dets, layout = build_layout(
            dets, (photo.width, photo.height), self.settings.min_gap_facings
        )
        timings["layout"] = layout.elapsed_ms
        if self.recognizer is not None:
            t0 = time.perf_counter()
            dets = self.recognizer(loaded.full(), dets, layout)
            timings["recognize"] = (time.perf_counter() - t0) * 1000
        reports = [shelf_kpis(dets, layout)]
        for analysis in self.analyses:
            t0 = time.perf_counter()
            pixels = loaded.full() if getattr(analysis, "needs_image", True) else image
            result, report = analysis(pixels, dets, layout, context)
            extras[analysis.name] = result
            reports.append(report)
            timings[analysis.name] = (time.perf_counter() - t0) * 1000
        kpis = merge_kpis(reports)
        timings["kpi"] = kpis.elapsed_ms
        return ScanResult(photo, dets, layout, kpis, self.model_name, timings, extras)

    def scan_file(self, path: Path, context: dict[str, Any] | None = None) -> ScanResult:
        t0 = time.perf_counter()
        loaded = load_photo(path, self.working_long_side)
        load_ms = (time.perf_counter() - t0) * 1000
        result = self.scan_photo(loaded, context)
        timings = {"load": load_ms, **result.timings_ms}
        return ScanResult(
            loaded.info,
            result.detections,
            result.layout,
            result.kpis,
            result.model,
            timings,
            result.extras,
        )


@dataclass(frozen=True)
class PhotoOutcome:
    """One photo of a batch: its result and photo id, or the error that stopped it."""

    path: Path
    result: ScanResult | None = None
    photo_id: int | None = None
    error: str | None = None


def expand_paths(paths: Iterable[Path]) -> Iterator[PhotoOutcome | Path]:
    """Image paths from files and folders; an unreadable path becomes a failed outcome."""
    for path in paths:
        try:
            yield from iter_image_paths([path])
        except ShelfscanError as exc:
            yield PhotoOutcome(path, error=str(exc))


def scan_batch(
    pipeline: Pipeline,
    paths: Iterable[PhotoOutcome | Path],
    db: sqlite_utils.Database,
    visit_id: str,
    context: dict[str, Any] | None = None,
) -> Iterator[PhotoOutcome]:
    """Scan and store photos one by one; a bad photo is reported and the batch goes on.

    Each photo is stored in its own transaction, so an interrupted batch keeps every
    photo finished before the interruption, whole.
    """
    for item in paths:
        if isinstance(item, PhotoOutcome):
            yield item
            continue
        try:
            result = pipeline.scan_file(item, context)
            photo_id = save_scan(db, visit_id, result)
        except ShelfscanError as exc:
            yield PhotoOutcome(item, error=str(exc))
            continue
        yield PhotoOutcome(item, result, photo_id)
