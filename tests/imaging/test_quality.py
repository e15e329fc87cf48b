"""Quality gate on synthetic shelf photos degraded by known camera effects."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from shelfscan.datasets.synthetic import CameraEffects, SceneConfig, apply_camera, generate_scene
from shelfscan.errors import ConfigError, ImageError
from shelfscan.imaging.quality import (
    QualitySettings,
    StrictQualityGate,
    assess_quality,
    check_distance,
    directional_sharpness,
    estimate_tilt,
    load_quality_settings,
    work_copy,
)
from shelfscan.types import Detections


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    return generate_scene(11, SceneConfig(camera_strength=0.0), size=(1600, 1200)).image


def shoot(image: np.ndarray, effects: CameraEffects) -> np.ndarray:
    out, _ = apply_camera(image, Detections.empty(), effects, np.random.default_rng(0))
    return out


@pytest.mark.parametrize(
    ("effects", "failed"),
    [
        (CameraEffects(), set()),  # a good photo passes
        (CameraEffects(blur_sigma=0.8, noise_sigma=3, jpeg_quality=80), set()),  # phone-grade
        (CameraEffects(tilt_deg=1.5, exposure_gain=0.8), set()),  # small tilt, a bit dark
        (CameraEffects(blur_sigma=4.0), {"sharpness"}),  # out of focus
        (CameraEffects(motion_blur_px=25), {"sharpness"}),  # shaken
        (CameraEffects(exposure_gain=0.3), {"underexposed"}),  # far too dark
        (CameraEffects(exposure_gain=2.6), {"overexposed", "glare"}),  # blown out
        (CameraEffects(tilt_deg=7.0), {"tilt"}),  # phone rolled
        (CameraEffects(perspective=0.9), {"perspective"}),  # phone tipped up
    ],
)
def test_gate_flags_exactly_the_degraded_check(
    scene: np.ndarray, effects: CameraEffects, failed: set[str]
) -> None:
    report = assess_quality(shoot(scene, effects))
    assert {c.name for c in report.failed} == failed
    assert report.passed == (not failed)
    assert all(c.hint for c in report.failed)


@pytest.mark.parametrize("tilt", [-5.0, 3.0, 6.0])
def test_tilt_estimate_follows_the_camera_roll(scene: np.ndarray, tilt: float) -> None:
    roll, _, _ = estimate_tilt(work_copy(shoot(scene, CameraEffects(tilt_deg=tilt)), 800))
    assert roll == pytest.approx(tilt, abs=1.2)


def shake(image: np.ndarray, length: int, degrees: float) -> np.ndarray:
    """Linear motion blur of ``length`` pixels along ``degrees`` (counter-clockwise)."""
    k = np.zeros((length, length), np.float32)
    k[length // 2] = 1.0
    rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), degrees, 1.0)
    kern = cv2.warpAffine(k, rot, (length, length))
    return np.asarray(cv2.filter2D(image, -1, kern / kern.sum()), np.uint8)


@pytest.mark.parametrize(
    ("length", "degrees", "sharp"),
    [
        (3, 0.0, True),  # a steady hand: a few pixels of shake in any direction pass
        (4, 45.0, True),
        (4, 90.0, True),
        (12, 0.0, False),  # shaken sideways: the overall ratio alone passes this one
        (12, 30.0, False),
        (12, 45.0, False),
        (12, 90.0, False),
        (12, 135.0, False),
    ],
)
def test_shake_fails_sharpness_whatever_its_direction(
    scene: np.ndarray, length: int, degrees: float, sharp: bool
) -> None:
    photo = shake(scene, length, degrees)
    assert assess_quality(photo)["sharpness"].passed == sharp
    score = directional_sharpness(work_copy(photo, 800))
    assert (score >= QualitySettings().min_directional_sharpness) == sharp


def test_sideways_shake_is_caught_by_the_directional_check(scene: np.ndarray) -> None:
    photo = shake(scene, 12, 0.0)
    isotropic_only = QualitySettings(min_directional_sharpness=0.0)
    assert assess_quality(photo, settings=isotropic_only)["sharpness"].passed
    assert not assess_quality(photo)["sharpness"].passed


def test_sharpness_does_not_depend_on_resolution(scene: np.ndarray) -> None:
    big = np.asarray(cv2.resize(scene, (4000, 3000), interpolation=cv2.INTER_CUBIC), np.uint8)
    a, b = assess_quality(scene)["sharpness"].score, assess_quality(big)["sharpness"].score
    assert abs(a - b) < 0.12


def test_screen_photo_is_a_warning_not_a_failure(scene: np.ndarray) -> None:
    h, w = scene.shape[:2]
    screen = np.zeros_like(scene)
    inner = cv2.resize(scene, (int(w * 0.8), int(h * 0.8)))
    yy, xx = np.mgrid[: inner.shape[0], : inner.shape[1]]
    grid = (np.sin(xx * 2.2) * np.sin(yy * 2.2) * 40)[..., None]  # pixel-grid moire
    inner = np.clip(inner.astype(np.float32) + grid, 0, 255).astype(np.uint8)
    y0, x0 = (h - inner.shape[0]) // 2, (w - inner.shape[1]) // 2
    screen[y0 : y0 + inner.shape[0], x0 : x0 + inner.shape[1]] = inner
    report = assess_quality(screen)
    assert not report["screen"].passed and report["screen"].warning_only
    assert assess_quality(scene)["screen"].passed


@pytest.mark.parametrize(
    ("box_width", "passed", "hint"),
    [
        (10, False, "closer"),  # 10 px facings on a 1000 px photo: too far
        (80, True, ""),  # about 12 facings across
        (600, False, "step back"),  # one facing fills the frame
    ],
)
def test_distance_from_median_facing(box_width: int, passed: bool, hint: str) -> None:
    boxes = np.array([[i * box_width, 0, (i + 1) * box_width, 100] for i in range(5)], float)
    dets = Detections.from_boxes(boxes, np.ones(5), np.zeros(5, int))
    check = check_distance(dets, 1000, QualitySettings())
    assert check.passed == passed and hint in check.hint


def test_strict_gate_refuses(scene: np.ndarray) -> None:
    with pytest.raises(ImageError, match="sharpness"):
        StrictQualityGate()(shoot(scene, CameraEffects(blur_sigma=5)))


def test_settings_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[quality]\nmin_sharpness = 0.5\nmax_tilt_deg = 2.0\n")
    monkeypatch.setenv("SHELFSCAN_QUALITY_MAX_TILT_DEG", "4.5")
    s = load_quality_settings(cfg, strict=True)
    assert (s.min_sharpness, s.max_tilt_deg, s.strict) == (0.5, 4.5, True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[quality]\nsharp = 1\n", "unknown setting quality.sharp"),  # typo
        ("[quality]\nmin_sharpness = 'x'\n", "expected float"),  # wrong type
        ("[quality\n", "cannot read config"),  # broken TOML
    ],
)
def test_bad_config_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=r"config\.toml") as err:
        load_quality_settings(cfg)
    assert message in str(err.value)


def test_bad_image_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        assess_quality(np.zeros((10, 10, 4), np.uint8))


def side_view(image: np.ndarray, squeeze: float) -> np.ndarray:
    """The bay seen from its left: the far (right) side shrinks by ``squeeze`` of the height
    at top and bottom, so shelf edges fan out towards the camera."""
    h, w = image.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[0, 0], [w, squeeze * h], [w, (1 - squeeze) * h], [0, h]])
    return cv2.warpPerspective(image, cv2.getPerspectiveTransform(src, dst), (w, h))


@pytest.mark.parametrize(
    ("squeeze", "oblique"),
    [
        (0.0, False),  # square on
        (0.03, False),  # a slight angle is fine
        (0.25, True),  # from the side: shelf edges fan out
    ],
)
def test_oblique_view_is_named_and_not_blamed_on_roll(
    scene: np.ndarray, squeeze: float, oblique: bool
) -> None:
    report = assess_quality(side_view(scene, squeeze))
    assert (not report["oblique"].passed) == oblique
    assert report["tilt"].passed
    if oblique:
        assert "oblique" in report["oblique"].hint


@pytest.mark.parametrize(("turns", "upright"), [(0, True), (1, False), (3, False)])
def test_photo_turned_on_its_side_is_caught(scene: np.ndarray, turns: int, upright: bool) -> None:
    report = assess_quality(np.ascontiguousarray(np.rot90(scene, turns)))
    assert report["orientation"].passed == upright
