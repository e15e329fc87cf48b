"""Registering neighbouring shots of one bay."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.datasets.synthetic import SceneConfig, generate_scene
from shelfscan.imaging.stitch import match_pair, register_bay, render_panorama
from shelfscan.layout.bay_synthetic import make_bay_shots


@pytest.fixture(scope="module")
def shots() -> list[np.ndarray]:
    return make_bay_shots(2, 3, 0.35).images


def test_pair_overlap_and_shift(shots: list[np.ndarray]) -> None:
    m = match_pair(shots[0], shots[1])
    assert m is not None and m.method == "features"
    assert m.overlap == pytest.approx(0.35, abs=0.03)
    assert m.homography[0, 2] == pytest.approx(shots[0].shape[1] * 0.65, rel=0.05)


def test_unrelated_shelves_do_not_register(shots: list[np.ndarray]) -> None:
    other = generate_scene(77, SceneConfig(camera_strength=0.0), size=shots[0].shape[1::-1]).image
    assert match_pair(shots[0], other) is None
    pairs, method = register_bay([shots[0], other])
    assert pairs == [None] and method == "none"


def test_same_shot_twice_is_not_a_bay_step(shots: list[np.ndarray]) -> None:
    assert match_pair(shots[0], shots[0]) is None  # no movement to the right


def test_panorama_covers_all_shots(shots: list[np.ndarray]) -> None:
    from shelfscan.imaging.stitch import chain

    pairs, _ = register_bay(shots)
    pano = render_panorama(shots, chain([p for p in pairs if p is not None]))
    width = shots[0].shape[1] * (3 - 2 * 0.35)
    assert pano.shape[1] == pytest.approx(width, rel=0.03)
