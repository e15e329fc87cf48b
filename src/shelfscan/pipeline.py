"""The composition root: one place builds the stages for every entry point.

load -> quality gate -> detect -> layout (rows, gaps) -> distance check -> recognise
     -> planogram -> KPIs (shelf, share, planogram) -> ScanResult -> store

``load_spec`` reads what the stages need from the settings and the store once (catalog
vectors, planograms, must-have lists) into a ``PipelineSpec``: plain data that pickles,
so worker processes and Ray actors build the very same ``Pipeline`` from it
(``spec.build()``) without opening the database. ``build_pipeline`` does both for the
one-process entry points (scan, capture, rescore, bays).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import sqlite_utils

from shelfscan.config import Settings
from shelfscan.detection import Detector
from shelfscan.errors import CaptureError, CatalogError, ModelError, ShelfscanError
from shelfscan.imaging import iter_image_paths, load_image
from shelfscan.imaging.load import LoadedPhoto, load_photo
from shelfscan.imaging.quality import QualityGate, QualitySettings, check_distance, gate_for
from shelfscan.imaging.stitch import register_bay
from shelfscan.kpi.planogram import planogram_kpis
from shelfscan.kpi.price import price_kpis
from shelfscan.kpi.share import SHARE_KPIS, share_kpis
from shelfscan.kpi.shelf import shelf_kpis
from shelfscan.layout import build_layout
from shelfscan.layout.bay import BayResult, bay_to_shots, build_bay
from shelfscan.planogram.analysis import PlanogramAnalysis
from shelfscan.planogram.match import DEFAULT_MATCHER
from shelfscan.planogram.model import Planogram
from shelfscan.planogram.result import PlanogramMatch
from shelfscan.pricing.ocr import OcrSettings, TagOcr
from shelfscan.pricing.stage import PricingSpec
from shelfscan.recognition.spec import CatalogSpec
from shelfscan.store import catalog as store_catalog
from shelfscan.store import planogram as store_planogram
from shelfscan.store import prices as store_prices
from shelfscan.store import review as store_review
from shelfscan.store import save_scan
from shelfscan.store.quality import save_bay
from shelfscan.store.results import photo_detections
from shelfscan.store.scans import kpi_rows, visit_store
from shelfscan.types import (
    CLASS_PRODUCT,
    Detections,
    KpiReport,
    PhotoInfo,
    PriceReadings,
    ScanResult,
    ShelfLayout,
)

Image = npt.NDArray[np.uint8]
DetectorFn = Callable[[Image], Detections]
QUALITY_WORK_SIDE = 800  # the quality gate's analysed copy (QualitySettings.work_size)
# The reduced decode keeps twice the size the stages resize to: they then area-average
# from it as from a full decode. Decoding right at the detector's size (DCT-domain
# scaling is sharper than area averaging) moved per-photo facing counts by up to 10%
# on the real photos; at twice the size the scorecard stays within noise.
WORKING_MARGIN = 2
Recognizer = Callable[[Image, Detections, ShelfLayout], Detections]


def merge_kpis(reports: Iterable[KpiReport]) -> KpiReport:
    """One report from several; a later report's value wins on a name clash."""
    values: dict[str, float] = {}
    breakdowns: dict[str, dict[str, float]] = {}
    elapsed = 0.0
    for report in reports:
        values.update(report.values)
        for key, table in report.breakdowns.items():
            breakdowns.setdefault(key, {}).update(table)
        elapsed += report.elapsed_ms
    return KpiReport(values, breakdowns, elapsed)


@dataclass(frozen=True)
class ScanContext:
    """Per photo: the store it was taken in (its planograms and must-have list apply)
    and where it came from when not a file (a capture source)."""

    store_id: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class PipelineSpec:
    """Everything the stages need, as plain data (pickles to worker processes).

    Attributes:
        quality: the gate's settings; None runs no gate.
        catalog: the recognizer's references; None (empty catalog) runs no recognition.
        planograms: planograms by store id; a photo of a store not listed gets none.
        planogram_id: force this planogram for every photo (it must be in ``planograms``).
        must_have: must-have SKUs by store id (key "" for a photo without a store).
        pricing: price lists and OCR settings; None reads no price tags.
    """

    settings: Settings = field(default_factory=Settings)
    quality: QualitySettings | None = None
    catalog: CatalogSpec | None = None
    planograms: Mapping[str, tuple[Planogram, ...]] = field(default_factory=dict)
    planogram_id: str | None = None
    matcher: str = DEFAULT_MATCHER
    must_have: Mapping[str, frozenset[str]] = field(default_factory=dict)
    pricing: PricingSpec | None = None

    def check(self) -> None:
        """``ModelError`` naming a model file the pipeline needs but cannot find."""
        paths = [self.settings.detector_path]
        if self.catalog is not None:
            paths.append(self.catalog.settings.embedder_path)
        for path in paths:
            if not path.is_file():
                raise ModelError(f"{path}: model file not found")

    def build(self, detector: DetectorFn | None = None, *, detect: bool = True) -> Pipeline:
        """Load the models (ONNX sessions) once: the pipeline for this process. Without
        ``detect`` no detector is loaded (re-scoring stored boxes needs none)."""
        s = self.settings
        if not detect:
            detector = _no_detector
        elif detector is None:
            detector = Detector.from_path(
                s.detector_path,
                threads=s.threads,
                score_threshold=s.score_threshold,
                iou_threshold=s.iou_threshold,
                tiles=s.tile_grid,
            )
        return Pipeline(
            detector,
            self,
            quality_gate=None if self.quality is None else gate_for(self.quality),
            recognizer=None if self.catalog is None else self.catalog.build(),
            model_name=s.detector_path.name,
            tag_ocr=None if self.pricing is None else TagOcr(self.pricing.ocr),
        )


def _no_detector(image: Image) -> Detections:
    raise ShelfscanError("this pipeline was built without a detector (detect=False)")


def load_spec(
    db: sqlite_utils.Database,
    settings: Settings,
    store_ids: Iterable[str | None] = (),
    *,
    quality: QualitySettings | None = None,
    catalog: CatalogSpec | None = None,
    planogram_id: str | None = None,
    matcher: str = DEFAULT_MATCHER,
    prices: bool | None = None,
) -> PipelineSpec:
    """The spec for scanning photos of ``store_ids`` into ``db``: their planograms (or
    only ``planogram_id``), must-have lists and price lists, read once for the whole batch.

    ``prices``: read price tags on every photo (True), never (False), or on photos of
    stores that have a price list (None)."""
    stores = sorted({s or "" for s in store_ids})
    forced = store_planogram.get_planogram(db, planogram_id) if planogram_id else None
    planograms: dict[str, tuple[Planogram, ...]] = {}
    for sid in stores:
        found = (forced,) if forced else tuple(store_planogram.planograms_for_store(db, sid))
        if found:
            planograms[sid] = found
    must = {sid: frozenset(store_catalog.must_have(db, sid or None)) for sid in stores}
    enabled = quality if quality is not None and quality.enabled else None
    return PipelineSpec(
        settings,
        enabled,
        catalog,
        planograms,
        planogram_id,
        matcher,
        must,
        _pricing_spec(db, settings, stores, prices),
    )


def _pricing_spec(
    db: sqlite_utils.Database, settings: Settings, stores: list[str], wanted: bool | None
) -> PricingSpec | None:
    if wanted is False:
        return None
    lists = {sid: store_prices.prices_for_store(db, sid or None) for sid in stores}
    found = {sid: p for sid, p in lists.items() if p is not None}
    if not found and not wanted:
        return None
    names = {k: v.name for k, v in store_catalog.sku_infos(db).items() if v.name}
    return PricingSpec(found, names, bool(wanted), OcrSettings(threads=settings.threads))


@dataclass
class Pipeline:
    """One configured scanner: loaded models plus the spec they came from."""

    detector: DetectorFn
    spec: PipelineSpec = field(default_factory=PipelineSpec)
    quality_gate: QualityGate | None = None
    recognizer: Recognizer | None = None
    model_name: str = ""
    tag_ocr: TagOcr | None = None
    _analyses: dict[str, PlanogramAnalysis] = field(default_factory=dict, init=False, repr=False)

    def _planogram(
        self, dets: Detections, layout: ShelfLayout, store_id: str
    ) -> tuple[PlanogramMatch, KpiReport] | None:
        planograms = self.spec.planograms.get(store_id)
        if not planograms:
            return None
        if store_id not in self._analyses:
            self._analyses[store_id] = PlanogramAnalysis(list(planograms), self.spec.matcher)
        match, planogram = self._analyses[store_id](dets, layout, self.spec.planogram_id)
        return match, planogram_kpis(match, planogram, dets)

    def read_prices(
        self, image: Image, dets: Detections, layout: ShelfLayout, store_id: str
    ) -> PriceReadings | None:
        """The pricing stage: tags read, linked to facings, checked against the list."""
        if self.tag_ocr is None or self.spec.pricing is None:
            return None
        stage = self.spec.pricing.stage(self.tag_ocr, store_id)
        return None if stage is None else stage(image, dets, layout)

    def recognise(
        self, image: Image, dets: Detections, layout: ShelfLayout, store_id: str | None
    ) -> tuple[Detections, KpiReport | None, dict[str, float]]:
        """SKUs and share KPIs (None without a catalog), with their timings."""
        if self.recognizer is None:
            return dets, None, {}
        t0 = time.perf_counter()
        dets = self.recognizer(image, dets, layout)
        timings = {"recognize": (time.perf_counter() - t0) * 1000}
        t0 = time.perf_counter()
        share = share_kpis(dets, layout, self.spec.must_have.get(store_id or "", frozenset()))
        timings["share"] = (time.perf_counter() - t0) * 1000
        return dets, share, timings

    def layout(
        self, dets: Detections, photo: PhotoInfo, image: Image | None = None
    ) -> tuple[Detections, ShelfLayout]:
        """Rows and gaps; the photo (when given) lends the gaps its texture evidence."""
        return build_layout(
            dets, (photo.width, photo.height), self.spec.settings.min_gap_facings, image=image
        )

    @property
    def working_long_side(self) -> int | None:
        """The long side (pixels) a reduced decode must keep for the detector and the
        quality gate (its analysed copy's ``work_size``); None (decode at full size) for a
        detector that does not say what it needs (``Detector.min_long_side``)."""
        need = getattr(self.detector, "min_long_side", None)
        if not isinstance(need, int):
            return None
        gate = self.quality_gate
        quality = gate.settings.work_size if gate is not None else 0
        return WORKING_MARGIN * max(need, quality)

    def _working_suffices(self, loaded: LoadedPhoto, dets: Detections) -> bool:
        """Whether the recogniser can crop from the working copy: its median product box
        there is at least the embedder's input size (the crops lose nothing)."""
        embedder = getattr(self.recognizer, "embedder", None)
        input_hw = getattr(embedder, "input_hw", None)
        products = dets.xyxy[dets.class_id == CLASS_PRODUCT]
        if loaded.scale == 1.0 or input_hw is None or not len(products):
            return False
        width = float(np.median(products[:, 2] - products[:, 0])) * loaded.scale
        height = float(np.median(products[:, 3] - products[:, 1])) * loaded.scale
        return bool(width >= input_hw[1] and height >= input_hw[0])

    def _crop_source(self, loaded: LoadedPhoto, dets: Detections) -> tuple[Image, float]:
        """The pixels the recogniser crops from and their scale (pixels per photo pixel):
        the working copy where it suffices, else the full resolution."""
        if self._working_suffices(loaded, dets):
            return loaded.working, loaded.scale
        return loaded.full(), 1.0

    def scan_image(
        self, image: Image, photo: PhotoInfo, context: ScanContext | None = None
    ) -> ScanResult:
        """Run every stage on one photo decoded at full resolution."""
        return self.scan_photo(LoadedPhoto.from_array(image, photo), context)

    def scan_photo(self, loaded: LoadedPhoto, context: ScanContext | None = None) -> ScanResult:
        """Run every stage on one loaded photo: the quality gate and the detector read the
        working copy (boxes come back in photo pixels); the recogniser crops from the
        working copy too where its facings are big enough, else from the full resolution,
        decoded only then (``_crop_source``)."""
        photo, image = loaded.info, loaded.working
        context = context or ScanContext()
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        dets = self.detector(image)
        if loaded.scale != 1.0:
            dets = dets.with_boxes(dets.xyxy / np.float32(loaded.scale))
        timings["detect"] = (time.perf_counter() - t0) * 1000
        pricing = self.spec.pricing
        ocr = (
            self.tag_ocr is not None
            and pricing is not None
            and pricing.reads(context.store_id or "")
        )
        if ocr or (self.recognizer is not None and not self._working_suffices(loaded, dets)):
            loaded.prefetch_full()  # decoded meanwhile: the gate and layout read the working copy
        quality = None
        if self.quality_gate is not None:
            t0 = time.perf_counter()
            quality = self.quality_gate(image)
            timings["quality"] = (time.perf_counter() - t0) * 1000
        dets, layout = self.layout(dets, photo, image)
        timings["layout"] = layout.elapsed_ms
        if quality is not None and self.quality_gate is not None:
            t0 = time.perf_counter()
            distance = check_distance(dets, photo.width, self.quality_gate.settings)
            quality = quality.with_checks(distance)
            timings["quality_distance"] = (time.perf_counter() - t0) * 1000
        if self.recognizer is None:
            dets, share, recognise_ms = self.recognise(image, dets, layout, context.store_id)
        else:
            t0 = time.perf_counter()
            pixels, scale = self._crop_source(loaded, dets)
            timings["decode_crops"] = (time.perf_counter() - t0) * 1000
            boxes = dets.xyxy
            if scale != 1.0:
                dets = dets.with_boxes(boxes * np.float32(scale))
            dets, share, recognise_ms = self.recognise(pixels, dets, layout, context.store_id)
            if scale != 1.0:
                dets = dets.with_boxes(boxes)
        timings.update(recognise_ms)
        reports = [shelf_kpis(dets, layout)]
        t0 = time.perf_counter()
        planned = self._planogram(dets, layout, context.store_id or "")
        if planned is not None:
            reports.append(planned[1])
            timings["planogram"] = (time.perf_counter() - t0) * 1000
        if share is not None:
            reports.append(share)
        # tag OCR reads small print: the full resolution (decoded meanwhile, or now)
        t0 = time.perf_counter()
        tag_pixels = loaded.full() if ocr else image
        decode_tags_ms = (time.perf_counter() - t0) * 1000
        prices = self.read_prices(tag_pixels, dets, layout, context.store_id or "")
        if prices is not None:  # after planogram matching, before the KPIs
            timings["decode_tags"] = decode_tags_ms
            timings["pricing"] = prices.elapsed_ms
            reports.append(price_kpis(prices, layout.facings))
        kpis = merge_kpis(reports)
        timings["kpi"] = kpis.elapsed_ms
        return ScanResult(
            photo,
            dets,
            layout,
            kpis,
            self.model_name,
            timings,
            quality=quality,
            planogram=None if planned is None else planned[0],
            source=context.source,
            prices=prices,
        )

    def rescore(
        self, image: Image, photo: PhotoInfo, stored: Detections, context: ScanContext
    ) -> tuple[Detections, ShelfLayout, KpiReport]:
        """Recognition and share KPIs again on stored boxes (after the catalog changed):
        the same layout and recognition stages as ``scan_image``."""
        dets, layout = self.layout(stored, photo, image)
        dets, share, _ = self.recognise(image, dets, layout, context.store_id)
        if share is None:
            raise CatalogError("the catalog is empty: add SKUs with `shelfscan catalog add`")
        return dets, layout, share

    def scan_file(self, path: Path, context: ScanContext | None = None) -> ScanResult:
        t0 = time.perf_counter()
        loaded = load_photo(path, self.working_long_side)
        load_ms = (time.perf_counter() - t0) * 1000
        result = self.scan_photo(loaded, context)
        return replace(result, timings_ms={"load": load_ms, **result.timings_ms})


def visit_spec(
    settings: Settings,
    db: sqlite_utils.Database,
    visit_id: str,
    *,
    quality: QualitySettings | None = None,
    catalog: CatalogSpec | None = None,
    planogram_id: str | None = None,
    prices: bool | None = None,
) -> tuple[PipelineSpec, ScanContext]:
    """The spec for scanning into ``visit_id`` and the context of its photos (its store)."""
    store_id = visit_store(db, visit_id)
    spec = load_spec(
        db,
        settings,
        [store_id],
        quality=quality,
        catalog=catalog,
        planogram_id=planogram_id,
        prices=prices,
    )
    return spec, ScanContext(store_id)


def build_pipeline(
    settings: Settings,
    db: sqlite_utils.Database,
    visit_id: str,
    *,
    quality: QualitySettings | None = None,
    catalog: CatalogSpec | None = None,
    planogram_id: str | None = None,
    detector: DetectorFn | None = None,
    detect: bool = True,
    prices: bool | None = None,
) -> tuple[Pipeline, ScanContext]:
    """The pipeline (models loaded in this process) for scanning into ``visit_id``, and
    the context of its photos."""
    spec, context = visit_spec(
        settings,
        db,
        visit_id,
        quality=quality,
        catalog=catalog,
        planogram_id=planogram_id,
        prices=prices,
    )
    return spec.build(detector, detect=detect), context


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
    context: ScanContext | None = None,
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


def with_bay_kpis(bay: BayResult) -> BayResult:
    """The bay with the shelf KPIs of its merged layout added to its own."""
    return replace(bay, kpis=merge_kpis([shelf_kpis(bay.detections, bay.layout), bay.kpis]))


def match_bay(
    spec: PipelineSpec, bay: BayResult, store_id: str | None
) -> tuple[PlanogramMatch, KpiReport] | None:
    """The planogram stage on the merged bay (its facings counted once), as on a photo;
    None when the store has no planogram."""
    return Pipeline(_no_detector, spec)._planogram(bay.detections, bay.layout, store_id or "")


def bay_facings(
    bay: BayResult, photo_ids: list[int], to_shot: list[npt.NDArray[np.float64]]
) -> dict[str, object]:
    """What the report needs to turn the bay's match into actions drawn on its photos:
    per bay facing its photo, box (bay frame), row and SKU, and per photo the bay-to-photo
    transform."""
    dets = bay.detections
    return {
        "photo_ids": photo_ids,
        "shot": [int(v) for v in dets.column("shot", 0)],
        "xyxy": [[float(v) for v in box] for box in dets.xyxy],
        "row": [int(v) for v in dets.column("row", -1)],
        "sku": [None if v is None else str(v) for v in dets.column("sku", None)],
        "to_photo": [[float(v) for v in m.ravel()] for m in to_shot],
    }


def merge_bay(
    outcomes: Iterable[PhotoOutcome],
    db: sqlite_utils.Database,
    visit_id: str,
    min_gap_facings: float = 0.8,
    spec: PipelineSpec | None = None,
    context: ScanContext | None = None,
) -> tuple[int, BayResult]:
    """Register the scanned photos (in the given order), merge their facings, store the bay.

    With ``spec``, the bay is matched against the planogram of ``context``'s store as one
    (``match_bay``); its planogram KPIs join the bay's and the match is stored with it.
    Photos that failed to scan are left out (with a warning in the result). Each photo's
    own results are already stored, so nothing is lost when the bay cannot be merged.
    """
    outcomes = list(outcomes)
    done = [o for o in outcomes if o.result is not None and o.photo_id is not None]
    if len(done) < 2:
        raise CaptureError(
            f"a bay needs at least 2 scanned photos, got {len(done)} of {len(outcomes)}"
        )
    if len(done) > 6:
        raise CaptureError(f"a bay takes 2 to 6 photos, got {len(done)}")
    images = [load_image(o.path)[0] for o in done]
    pairs, method = register_bay(images)
    bay = build_bay(
        [o.result.detections for o in done if o.result is not None],
        [(img.shape[1], img.shape[0]) for img in images],
        pairs,
        method,
        min_gap_facings,
    )
    names = [o.path.name for o in done]
    warnings = [
        f"{names[i + 1]} does not overlap {names[i]}: placed after it and counted whole"
        " (retake with about a third of each photo overlapping the previous one)"
        for i, pair in enumerate(pairs)
        if pair is None
    ]
    warnings += [
        f"{o.path.name} failed to scan and is not in the bay" for o in outcomes if o not in done
    ]
    bay = replace(with_bay_kpis(bay), warnings=warnings)
    photo_ids = [int(o.photo_id or 0) for o in done]
    planned = None if spec is None else match_bay(spec, bay, (context or ScanContext()).store_id)
    stored = None
    if planned is not None:
        match, report = planned
        bay = replace(bay, kpis=merge_kpis([bay.kpis, KpiReport(report.values)]))
        sizes = [(img.shape[1], img.shape[0]) for img in images]
        facings = bay_facings(bay, photo_ids, bay_to_shots(sizes, pairs))
        stored = (match, facings, report.breakdowns)
    bay_id = save_bay(db, visit_id, photo_ids, bay, stored)
    return bay_id, bay


@dataclass(frozen=True)
class RescoreOutcome:
    """One photo of a re-scored visit."""

    photo_id: int
    path: str
    recognized: int = 0
    unknown: int = 0
    error: str | None = None


def rescore_visit(
    pipeline: Pipeline, db: sqlite_utils.Database, visit_id: str, context: ScanContext
) -> list[RescoreOutcome]:
    """Re-run recognition on a stored visit from its photo files and stored boxes.

    Each photo is updated in its own transaction (SKU columns, unknown facings, shelf
    and share KPIs and their outbox rows, then its rows and gaps); boxes reviewed as "not
    a product" no longer count. A photo whose file is gone or changed is reported and
    the rest go on. Planogram KPIs are left as they are.
    """
    outcomes = []
    for photo in store_catalog.visit_photos(db, visit_id):
        path = Path(photo["path"])
        try:
            image, info = load_image(path)
            if info.sha256 != photo["sha256"]:
                raise CatalogError(f"{path}: file changed since it was scanned (SHA-256 differs)")
            found = photo_detections(db, photo["id"])  # boxes only: the stages redo the rest
            stored = Detections(found.xyxy, found.confidence, found.class_id)
            dets, layout, report = pipeline.rescore(image, info, stored, context)
        except ShelfscanError as exc:
            outcomes.append(RescoreOutcome(photo["id"], str(path), error=str(exc)))
            continue
        shelf = shelf_kpis(dets, layout)
        rows = kpi_rows(ScanResult(info, dets, layout, merge_kpis([shelf, report])))
        names = (*SHARE_KPIS, *shelf.values, *shelf.breakdowns)
        store_catalog.save_rescore(db, visit_id, photo["id"], dets, rows, names)
        store_review.replace_layout(  # rows and gaps follow the boxes still counted
            db,
            photo["id"],
            [int(r) for r in dets.column("row", -1)],
            [(g.row, g.xyxy, g.width_facings) for g in layout.gaps],
        )
        outcomes.append(
            RescoreOutcome(
                photo["id"],
                str(path),
                int(report.values.get("recognized_facings", 0)),
                int(report.values.get("unknown_facings", 0)),
            )
        )
    return outcomes
