"""Perspective correction from shelf lines."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.datasets.synthetic import CameraEffects, SceneConfig, apply_camera, generate_scene
from shelfscan.imaging.quality import estimate_tilt, work_copy
from shelfscan.imaging.rectify import correction, rectify, unmap_boxes
from shelfscan.types import Detections


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    return generate_scene(31, SceneConfig(camera_strength=0.0), size=(1200, 900)).image


@pytest.mark.parametrize(
    "effects",
    [
        CameraEffects(tilt_deg=5.0),  # rolled
        CameraEffects(perspective=0.8),  # tipped up
        CameraEffects(tilt_deg=-3.0, perspective=-0.6),  # both
    ],
)
def test_rectify_levels_the_shelf(scene: np.ndarray, effects: CameraEffects) -> None:
    img, _ = apply_camera(scene, Detections.empty(), effects, np.random.default_rng(0))
    before = estimate_tilt(work_copy(img, 800))
    fixed = rectify(img)
    after = estimate_tilt(work_copy(fixed.image, 800))
    assert fixed.changed
    assert abs(after[0]) < max(1.0, abs(before[0]) / 3)
    assert abs(after[1]) < max(1.5, abs(before[1]) / 2)


def test_level_photo_is_left_alone(scene: np.ndarray) -> None:
    fixed = rectify(scene)
    assert not fixed.changed and fixed.image is scene


def test_boxes_map_back() -> None:
    m = correction((1000, 800), 4.0, 3.0)
    box = np.array([[100.0, 100.0, 200.0, 300.0]])
    import cv2

    corners = np.array([[[100, 100], [200, 100], [200, 300], [100, 300]]], float)
    moved = cv2.perspectiveTransform(corners, m)[0]
    fwd = Detections.from_boxes(
        np.r_[moved.min(0), moved.max(0)][None], np.ones(1), np.zeros(1, int)
    )
    back = unmap_boxes(fwd, m)
    assert np.allclose(back.xyxy[0], box[0], atol=25)
