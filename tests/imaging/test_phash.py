"""Perceptual hash: re-encoded or resized copies match, other shelves do not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from shelfscan.datasets.synthetic import SceneConfig, generate_scene
from shelfscan.imaging.phash import find_duplicate, from_hex, hamming, phash, to_hex


@pytest.fixture(scope="module")
def scenes() -> list[np.ndarray]:
    cfg = SceneConfig(camera_strength=0.0)
    return [generate_scene(s, cfg, size=(800, 600)).image for s in (21, 22)]


def jpeg(img: np.ndarray, q: int) -> np.ndarray:
    _, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
    return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8)


@pytest.mark.parametrize(
    ("change", "same"),
    [
        (lambda im: jpeg(im, 40), True),  # re-compressed
        (lambda im: cv2.resize(im, (533, 400)), True),  # resized
        (lambda im: np.clip(im * 1.15, 0, 255).astype(np.uint8), True),  # brighter
        (lambda im: im[:, ::-1].copy(), False),  # mirrored: a different view
    ],
)
def test_near_identical_copies(scenes: list[np.ndarray], change, same: bool) -> None:  # type: ignore[no-untyped-def]
    d = hamming(phash(scenes[0]), phash(change(scenes[0])))
    assert (d <= 6) == same


def test_other_shelf_is_far(scenes: list[np.ndarray]) -> None:
    assert hamming(phash(scenes[0]), phash(scenes[1])) > 12


def test_find_duplicate_picks_closest() -> None:
    assert find_duplicate(0b1111, [(1, 0b0000), (2, 0b0111), (3, 0b1111)]) == (3, 0)
    assert find_duplicate(0, [(1, (1 << 40) - 1)]) is None
    assert find_duplicate(0, []) is None
    assert from_hex(to_hex(2**63 + 5)) == 2**63 + 5


def test_empty_image() -> None:
    with pytest.raises(ValueError):
        phash(np.zeros((0, 0), np.uint8))
