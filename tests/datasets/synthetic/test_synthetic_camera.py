"""Camera effects move image content and boxes the same way."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from shelfscan.datasets.synthetic import (
    CameraEffects,
    apply_camera,
    clip_visible,
    random_effects,
    transform_boxes,
    transform_points,
)
from shelfscan.types import Detections

W, H = 320, 240


def _square_scene(box: tuple[int, int, int, int]) -> tuple[np.ndarray, Detections]:
    img = np.full((H, W, 3), 40, np.uint8)
    x1, y1, x2, y2 = box
    img[y1:y2, x1:x2] = 230
    return img, Detections.from_boxes([box])


def test_identity_changes_nothing() -> None:
    img = np.random.default_rng(0).integers(0, 255, (H, W, 3), dtype=np.uint8)
    dets = Detections.from_boxes([[10, 20, 50, 80], [100, 100, 300, 230]])
    out, moved = apply_camera(img, dets, CameraEffects(), np.random.default_rng(1))
    assert out.tobytes() == img.tobytes()
    assert np.array_equal(moved.xyxy, dets.xyxy)


@pytest.mark.parametrize(
    "effects",
    [
        CameraEffects(tilt_deg=8),  # roll
        CameraEffects(tilt_deg=-12),  # roll the other way
        CameraEffects(perspective=0.8),  # keystone, top narrower
        CameraEffects(perspective=-0.6),  # keystone, bottom narrower
        CameraEffects(lens_k1=0.15),  # barrel-like
        CameraEffects(lens_k1=-0.15),  # pincushion-like
        CameraEffects(tilt_deg=5, perspective=0.4, lens_k1=0.08),  # all together
    ],
)
@pytest.mark.parametrize("box", [(130, 90, 190, 150), (20, 20, 90, 70), (230, 150, 300, 225)])
def test_boxes_follow_the_pixels(effects: CameraEffects, box: tuple[int, int, int, int]) -> None:
    img, dets = _square_scene(box)
    out, moved = apply_camera(img, dets, effects, np.random.default_rng(0))
    ys, xs = np.nonzero(out[:, :, 0] > 135)
    assert len(moved) == 1 and len(xs) > 0
    seen = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32)
    # the box is the bounding box of the moved outline: within 2 px of the drawn pixels
    assert np.abs(moved.xyxy[0] - np.clip(seen, 0, [W, H, W, H])).max() <= 2.0


def test_known_rotation_moves_centres_as_expected() -> None:
    e = CameraEffects(tilt_deg=10)
    cx, cy = W / 2, H / 2
    centre, right = transform_points(np.array([[cx, cy], [cx + 100, cy]]), e, (W, H))
    assert np.allclose(centre, [cx, cy], atol=1e-3)
    dx, dy = right - centre
    assert math.degrees(math.atan2(-dy, dx)) == pytest.approx(10, abs=1e-3)  # counter-clockwise
    assert math.hypot(dx, dy) >= 100  # zoomed in (>= 1x) so no border shows


@pytest.mark.parametrize(
    "effects",
    [CameraEffects(tilt_deg=15), CameraEffects(perspective=1.0), CameraEffects(lens_k1=0.2)],
)
def test_no_empty_border_after_geometry(effects: CameraEffects) -> None:
    img = np.full((H, W, 3), 200, np.uint8)
    out, _ = apply_camera(img, Detections.empty(), effects, np.random.default_rng(0))
    assert out.min() >= 199  # replicate-border pixels never show as black corners


@pytest.mark.parametrize(
    "effects",
    [
        CameraEffects(blur_sigma=2),
        CameraEffects(motion_blur_px=9),
        CameraEffects(glare=0.8),
        CameraEffects(shadow=0.7),
        CameraEffects(noise_sigma=8),
        CameraEffects(jpeg_quality=30),
        CameraEffects(exposure_gain=0.6, gamma=1.4, white_balance=0.5),
    ],
)
def test_photometric_effects_keep_boxes(effects: CameraEffects) -> None:
    img, dets = _square_scene((100, 60, 200, 160))
    out, moved = apply_camera(img, dets, effects, np.random.default_rng(3))
    assert np.array_equal(moved.xyxy, dets.xyxy)
    assert out.shape == img.shape and not np.array_equal(out, img)


@pytest.mark.parametrize(
    ("effects", "check"),
    [
        (
            CameraEffects(exposure_gain=0.5),
            lambda a, b: b.mean() == pytest.approx(a.mean() / 2, abs=1.5),
        ),
        (CameraEffects(gamma=2.0), lambda a, b: b.mean() < a.mean() * 0.6),
        (CameraEffects(white_balance=1.0), lambda a, b: b[..., 2].mean() > b[..., 0].mean() + 40),
        (CameraEffects(white_balance=-1.0), lambda a, b: b[..., 0].mean() > b[..., 2].mean() + 40),
        (
            CameraEffects(blur_sigma=3.0),
            lambda a, b: (
                cv2.Laplacian(b, cv2.CV_64F).var() < cv2.Laplacian(a, cv2.CV_64F).var() / 4
            ),
        ),
        (
            CameraEffects(noise_sigma=10.0),
            lambda a, b: (b.astype(float) - a).std() == pytest.approx(10, rel=0.15),
        ),
    ],
)
def test_named_amounts_do_what_they_say(effects: CameraEffects, check) -> None:  # type: ignore[no-untyped-def]
    img = np.full((H, W, 3), 128, np.uint8)
    img[:, ::8] = 220  # texture, for the blur check
    out, _ = apply_camera(img, Detections.empty(), effects, np.random.default_rng(0))
    assert check(img, out)


@pytest.mark.parametrize(
    ("box", "kept", "clipped"),
    [
        ([10, 10, 50, 50], True, [10, 10, 50, 50]),  # inside: unchanged
        ([-20, 10, 20, 50], True, [0, 10, 20, 50]),  # half outside: clipped
        ([-35, 10, 5, 50], False, None),  # 12 % visible: dropped
        ([W - 10, 0, W + 10, 20], True, [W - 10, 0, W, 20]),  # 50 % at the right edge
    ],
)
def test_clip_visible(box: list[float], kept: bool, clipped: list[float] | None) -> None:
    out = clip_visible(Detections.from_boxes([box]), W, H)
    assert (len(out) == 1) is kept
    if clipped is not None:
        assert out.xyxy[0].tolist() == clipped


def test_transform_boxes_identity_and_empty() -> None:
    boxes = np.array([[1, 2, 30, 40]], np.float32)
    assert np.array_equal(transform_boxes(boxes, CameraEffects(), (W, H)), boxes)
    assert transform_boxes(np.zeros((0, 4)), CameraEffects(tilt_deg=3), (W, H)).shape == (0, 4)


def test_random_effects() -> None:
    assert random_effects(np.random.default_rng(0), 0.0) == CameraEffects()
    a = random_effects(np.random.default_rng(5), 0.7)
    assert a == random_effects(np.random.default_rng(5), 0.7)
    mild = [random_effects(np.random.default_rng(s), 0.1) for s in range(30)]
    harsh = [random_effects(np.random.default_rng(s), 1.0) for s in range(30)]
    assert max(abs(e.tilt_deg) for e in mild) < max(abs(e.tilt_deg) for e in harsh)
