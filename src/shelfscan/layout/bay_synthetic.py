"""Synthetic multi-shot bays for tests and ``scripts/eval_bay.py``.

One wide shelf scene is rendered, then photographed as ``n`` overlapping windows taken
left to right (optionally each with a small change of camera angle). Every ground-truth
box carries a ``gt`` column: the id of the product facing in the wide scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shelfscan.datasets.synthetic import (
    CameraEffects,
    SceneConfig,
    apply_camera,
    clip_visible,
    generate_scene,
)
from shelfscan.types import CLASS_PRODUCT, Detections


@dataclass(frozen=True)
class BayShots:
    """Shots of one wide scene: images, ground-truth boxes per shot, and the truth."""

    images: list[npt.NDArray[np.uint8]]
    truth: list[Detections]  # per shot, boxes in shot pixels, column ``gt``
    products: int  # product facings of the wide scene seen by at least one shot
    scene: npt.NDArray[np.uint8]


def make_bay_shots(
    seed: int,
    shots: int = 3,
    overlap: float = 0.3,
    height: int = 900,
    shot_width: int = 1200,
    perspective: float = 0.0,
) -> BayShots:
    """Render a wide scene and cut ``shots`` overlapping windows from the bay's extent
    (about ``shot_width`` pixels wide each; side walls beyond the bay are left out)."""
    width = round(shot_width * (shots - (shots - 1) * overlap))
    scene = generate_scene(seed, SceneConfig(camera_strength=0.0), size=(width, height))
    dets = scene.detections.with_data(gt=np.arange(len(scene.detections)))
    left = max(0, int(dets.xyxy[:, 0].min()) - 10) if len(dets) else 0
    right = min(width, int(dets.xyxy[:, 2].max()) + 10) if len(dets) else width
    shot_width = min(shot_width, round((right - left) / (shots - (shots - 1) * overlap)))
    step = shot_width * (1 - overlap)
    rng = np.random.default_rng(seed)
    images, truth = [], []
    seen: set[int] = set()
    for i in range(shots):
        x0 = left + min(round(i * step), right - left - shot_width)
        crop = np.ascontiguousarray(scene.image[:, x0 : x0 + shot_width])
        moved = dets.with_boxes(dets.xyxy - [x0, 0, x0, 0])
        shot = clip_visible(moved, shot_width, height)
        if perspective:
            effects = CameraEffects(
                perspective=float(rng.uniform(-perspective, perspective)),
                tilt_deg=float(rng.uniform(-1, 1)) * perspective * 2,
            )
            crop, shot = apply_camera(crop, shot, effects, rng)
        images.append(crop)
        truth.append(shot)
        products = shot.class_id == CLASS_PRODUCT
        seen.update(int(g) for g in shot.column("gt")[products])
    return BayShots(images, truth, len(seen), scene.image)


def count_doubles(merged: Detections) -> tuple[int, int]:
    """(distinct product facings, facings counted more than once) of a merged bay."""
    products = merged.class_id == CLASS_PRODUCT
    ids = [int(g) for g in merged.column("gt", -1)[products]]
    distinct = set(ids)
    return len(distinct), len(ids) - len(distinct)
