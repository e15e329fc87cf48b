"""Builders for planogram tests: synthetic bays as ground-truth boxes, run through layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import sqlite_utils

from shelfscan.layout import build_layout
from shelfscan.planogram import Planogram
from shelfscan.planogram.synthetic import BayPhoto, Item, SyntheticBay, build_bay, photograph
from shelfscan.types import Detections, ShelfLayout

# 3 shelves; widths in mm
PLAN = Planogram.from_blocks(
    "T",
    [
        [("A", 3, 66.0), ("B", 2, 80.0), ("C", 1, 120.0), ("D", 2, 60.0)],
        [("E", 4, 70.0), ("F", 2, 90.0), ("G", 3, 55.0)],
        [("H", 2, 150.0), ("I", 3, 100.0), ("J", 2, 75.0)],
    ],
)

Edit = Callable[[SyntheticBay], None]


def shoot(
    bay: SyntheticBay,
    crop: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    with_sku: bool = True,
    seed: int = 0,
) -> tuple[Detections, ShelfLayout, BayPhoto]:
    photo = photograph(bay, np.random.default_rng(seed), (1400, 1000), crop, jitter_px=1.0)
    dets = photo.detections
    if not with_sku:
        dets = Detections(dets.xyxy, dets.confidence, dets.class_id, {})
    dets, layout = build_layout(dets, photo.image_size)
    return dets, layout, photo


def edited(plan: Planogram, *edits: Edit) -> SyntheticBay:
    bay = build_bay(plan)
    for edit in edits:
        edit(bay)
    return bay


def remove(shelf: int, sku: str, count: int | None = None) -> Edit:
    """Empty the last ``count`` facings of ``sku`` on ``shelf`` (all when None)."""

    def run(bay: SyntheticBay) -> None:
        row = bay.shelves[shelf]
        idx = [k for k, it in enumerate(row) if it.sku == sku]
        for k in idx[len(idx) - (count or len(idx)) :]:
            row[k] = Item("", row[k].width_mm, row[k].owner)

    return run


def put(shelf: int, sku: str, width: float, after: str, count: int = 1) -> Edit:
    """Insert ``count`` facings of ``sku`` right after the block of ``after``."""

    def run(bay: SyntheticBay) -> None:
        row = bay.shelves[shelf]
        last = max(k for k, it in enumerate(row) if it.sku == after)
        for _ in range(count):
            row.insert(last + 1, Item(sku, width, None))

    return run


def swap_blocks(shelf_a: int, sku_a: str, shelf_b: int, sku_b: str) -> Edit:
    """Exchange two blocks wholesale (each keeps its own facing count and widths)."""

    def run(bay: SyntheticBay) -> None:
        ra, rb = bay.shelves[shelf_a], bay.shelves[shelf_b]
        ia = [k for k, it in enumerate(ra) if it.sku == sku_a]
        ib = [k for k, it in enumerate(rb) if it.sku == sku_b]
        block_a, block_b = [ra[k] for k in ia], [rb[k] for k in ib]
        if shelf_a == shelf_b and ia[0] > ib[0]:
            ia, ib, block_a, block_b = ib, ia, block_b, block_a
        if shelf_a == shelf_b:
            row = ra
            row[ib[0] : ib[-1] + 1] = block_a
            row[ia[0] : ia[-1] + 1] = block_b
        else:
            ra[ia[0] : ia[-1] + 1] = block_b
            rb[ib[0] : ib[-1] + 1] = block_a

    return run


def replace_sku(shelf: int, sku: str, new: str, width: float) -> Edit:
    def run(bay: SyntheticBay) -> None:
        row = bay.shelves[shelf]
        for k, it in enumerate(row):
            if it.sku == sku:
                row[k] = Item(new, width, it.owner)

    return run


def reorder_shelves(order: list[int]) -> Edit:
    """Photograph the shelves in another top-to-bottom order (confused row order)."""

    def run(bay: SyntheticBay) -> None:
        bay.shelves = [bay.shelves[i] for i in order]

    return run


class GroundTruthDetector:
    """Stands in for the ONNX detector where a test is about later stages: returns the
    synthetic scene's ground-truth products (with their SKUs)."""

    def __init__(self, dets: Detections) -> None:
        self.dets = dets

    def __call__(self, image: object) -> Detections:
        return self.dets


def stored_visit(
    tmp: Path, db_path: Path, with_planogram: bool = True, seed: int = 5
) -> tuple[sqlite_utils.Database, str, Planogram]:
    """Render a synthetic shelf (one whole SKU removed), store its planogram, scan it into
    visit V1 of store S1. Returns (db, visit id, planogram)."""
    import cv2

    from shelfscan.datasets.synthetic import SceneConfig, plan_scene, render_scene
    from shelfscan.pipeline import PipelineSpec, ScanContext, scan_batch
    from shelfscan.store import ensure_visit, open_db
    from shelfscan.store.planogram import assign_planogram, save_planogram
    from shelfscan.types import CLASS_PRODUCT

    spec = plan_scene(
        seed,
        SceneConfig(
            camera_strength=0,
            oos_prob=0.0,
            partial_oos_prob=0.0,
            foreign_prob=0.0,
            view_width=(0.9, 0.9),
        ),
    )
    plan = Planogram.from_blocks(
        "BAY",
        [[(s, n, spec.catalog.get(s).width_mm) for s, n in shelf] for shelf in spec.planogram],
    )
    gone = spec.planogram[0][1][0]
    spec.remove_facings(gone)
    scene = render_scene(spec, seed, (800, 600))
    path = tmp / "shelf.jpg"
    cv2.imwrite(str(path), scene.image)
    gt = scene.detections
    gt = gt[gt.class_id == CLASS_PRODUCT]
    db = open_db(db_path)
    save_planogram(db, plan, "json")
    assign_planogram(db, "BAY", store_id="S1")
    visit = ensure_visit(db, "V1", "S1", "alice")
    spec = PipelineSpec(planograms={"S1": (plan,)} if with_planogram else {})
    pipeline = spec.build(GroundTruthDetector(gt))  # type: ignore[arg-type]
    outcomes = list(scan_batch(pipeline, [path], db, visit, ScanContext("S1")))
    assert outcomes[0].error is None, outcomes[0].error
    return db, visit, plan


def relabel(shelf: int, sku: str, index: int, new: str) -> Edit:
    """Give the ``index``-th facing of ``sku``'s block another SKU (a recognition slip)."""

    def run(bay: SyntheticBay) -> None:
        row = bay.shelves[shelf]
        k = [n for n, it in enumerate(row) if it.sku == sku][index]
        row[k] = Item(new, row[k].width_mm, row[k].owner)

    return run


def stored_bay(
    tmp: Path, db_path: Path, shots: int = 3, overlap: float = 0.35, seed: int = 5
) -> tuple[sqlite_utils.Database, str, Planogram, int, list[Detections]]:
    """A wide synthetic shelf (one whole SKU removed) with its planogram, photographed as
    ``shots`` overlapping windows left to right, each scanned (ground-truth boxes as the
    detector) into visit V1 of store S1, then merged as one bay with the planogram stage.
    Returns (db, visit id, planogram, bay id, each shot's boxes)."""
    import cv2

    from shelfscan.datasets.synthetic import SceneConfig, clip_visible, plan_scene, render_scene
    from shelfscan.pipeline import PipelineSpec, ScanContext, merge_bay, scan_batch
    from shelfscan.store import ensure_visit, open_db
    from shelfscan.store.planogram import assign_planogram, save_planogram
    from shelfscan.types import CLASS_PRODUCT

    height, shot_width = 720, 960
    width = round(shot_width * (shots - (shots - 1) * overlap))
    cfg = SceneConfig(
        camera_strength=0,
        oos_prob=0.0,
        partial_oos_prob=0.0,
        foreign_prob=0.0,
        aspect=width / height,
    )
    spec = plan_scene(seed, cfg)
    plan = Planogram.from_blocks(
        "BAY",
        [[(s, n, spec.catalog.get(s).width_mm) for s, n in shelf] for shelf in spec.planogram],
    )
    spec.remove_facings(spec.planogram[0][1][0])
    scene = render_scene(spec, seed, (width, height))
    gt = scene.detections[scene.detections.class_id == CLASS_PRODUCT]
    db = open_db(db_path)
    save_planogram(db, plan, "json")
    assign_planogram(db, "BAY", store_id="S1")
    visit = ensure_visit(db, "V1", "S1", "alice")
    pipe_spec = PipelineSpec(planograms={"S1": (plan,)})
    step = (width - shot_width) / (shots - 1)
    outcomes, truths = [], []
    for i in range(shots):
        x0 = round(i * step)
        path = tmp / f"bay_{i}.jpg"
        cv2.imwrite(str(path), np.ascontiguousarray(scene.image[:, x0 : x0 + shot_width]))
        truth = clip_visible(gt.with_boxes(gt.xyxy - [x0, 0, x0, 0]), shot_width, height)
        truths.append(truth)
        pipeline = pipe_spec.build(GroundTruthDetector(truth))  # type: ignore[arg-type]
        outcomes += list(scan_batch(pipeline, [path], db, visit, ScanContext("S1")))
    assert all(o.error is None for o in outcomes), outcomes
    bay_id, _ = merge_bay(outcomes, db, visit, 0.8, pipe_spec, ScanContext("S1"))
    return db, visit, plan, bay_id, truths
