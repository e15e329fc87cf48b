"""Geometric verification: band features, ratio matches, homography inliers, aligned
similarity, confirmation, and the verifier's geometric decision."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from shelfscan.recognition import geometry
from shelfscan.recognition.geometry import (
    BAND_WIDTH,
    NO_MATCH,
    GeometryConfig,
    Match,
    aligned_similarity,
    band,
    band_features,
    best_match,
    ratio_matches,
)
from shelfscan.recognition.matcher import UNKNOWN
from shelfscan.recognition.recognizer import to_check, to_verify
from shelfscan.recognition.verify import Cues, Verifier, VerifyConfig, facing_bands


def print_(seed: int, bgr: tuple[int, int, int] = (40, 160, 230)) -> np.ndarray:
    """A pack band: a background colour with words and shapes placed by ``seed``."""
    rng = np.random.default_rng(seed)
    img = np.full((120, 256, 3), bgr, np.uint8)
    for _ in range(6):
        x, y = int(rng.integers(5, 200)), int(rng.integers(20, 115))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        word = "".join(chr(int(c)) for c in rng.integers(65, 91, 4))
        cv2.putText(img, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, colour, 2)
    for _ in range(4):
        c = (int(rng.integers(10, 246)), int(rng.integers(10, 110)))
        cv2.circle(img, c, int(rng.integers(4, 14)), (255, 255, 255), -1)
    return img


def warped(img: np.ndarray, shift: float, scale: float) -> np.ndarray:
    """``img`` scaled about its centre and shifted (a facing seen a little off)."""
    h, w = img.shape[:2]
    m = np.array([[scale, 0, shift + (1 - scale) * w / 2], [0, scale, (1 - scale) * h / 2]])
    return np.asarray(cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE))


def recoloured(img: np.ndarray) -> np.ndarray:
    """Same print, another variant's colours: the channels swapped."""
    return np.ascontiguousarray(img[:, :, ::-1])


@pytest.mark.parametrize(
    ("shape", "aspect"),
    [
        ((60, 128), 60 / 128),  # upscaled, aspect kept
        ((240, 512), 240 / 512),  # downscaled
        ((1, 300), 0.0),  # a one-row band stays one row
    ],
)
def test_band_has_the_matching_width(shape: tuple[int, int], aspect: float) -> None:
    out = band(np.zeros((*shape, 3), np.uint8))
    assert out.shape == (max(1, round(BAND_WIDTH * aspect)), BAND_WIDTH, 3)


@pytest.mark.parametrize(
    ("query", "train", "pairs"),
    [
        # distinct rows: each query finds its own row, far ahead of the next
        (np.eye(3, 8, dtype=np.float32), np.eye(4, 8, dtype=np.float32), [(0, 0), (1, 1), (2, 2)]),
        # two equally near rows: the ratio test drops the match
        (np.ones((1, 8), np.float32), np.ones((2, 8), np.float32), []),
        (np.zeros((0, 8), np.float32), np.eye(3, 8, dtype=np.float32), []),  # nothing asked
        (np.eye(2, 8, dtype=np.float32), np.eye(1, 8, dtype=np.float32), []),  # one train row
    ],
)
def test_ratio_matches(query: np.ndarray, train: np.ndarray, pairs: list[tuple[int, int]]) -> None:
    assert [tuple(p) for p in ratio_matches(query, train).tolist()] == pairs


@pytest.mark.parametrize(
    ("facing", "confirmed"),
    [
        (print_(1), True),  # the reference itself
        (warped(print_(1), 6.0, 0.9), True),  # the same print, shifted and smaller
        (print_(2), False),  # another print (another brand)
        (recoloured(print_(1)), False),  # the same print in other colours (another variant)
        (np.full((120, 256, 3), 128, np.uint8), False),  # a blank facing
    ],
)
def test_confirmation_needs_the_same_print_in_the_same_colours(
    facing: np.ndarray, confirmed: bool
) -> None:
    ref = band_features(print_(1))
    m = geometry.match(band_features(facing), ref)
    assert GeometryConfig(min_inliers=10, min_aligned=0.6, accept=0.8).confirms(m) is confirmed


def test_recolouring_keeps_the_inliers_and_loses_the_alignment() -> None:
    ref = band_features(print_(1))
    same, other = (
        geometry.match(band_features(print_(1)), ref),
        geometry.match(band_features(recoloured(print_(1))), ref),
    )
    assert same.aligned > 0.95
    assert other.inliers >= 10  # the grey print (logo) still lines up
    assert other.aligned < 0.6


@pytest.mark.parametrize(
    ("cover_share", "flat", "expected"),
    [
        (1.0, False, 1.0),  # an image against itself
        (0.1, False, -1.0),  # the warped reference covers too little
        (1.0, True, -1.0),  # a flat image has no pattern to correlate
    ],
)
def test_aligned_similarity(cover_share: float, flat: bool, expected: float) -> None:
    img = np.full((50, 80, 3), 90, np.uint8) if flat else print_(3)[:50, :80]
    cover = np.zeros(img.shape[:2], bool)
    cover[:, : round(80 * cover_share)] = True
    assert aligned_similarity(img, img.copy(), cover) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("match", "confirmed"),
    [
        (Match(12, 0.5), True),  # exactly at both limits
        (Match(11, 0.9), False),  # too few inliers
        (Match(40, 0.49), False),  # aligned, but the colours differ
        (NO_MATCH, False),
    ],
)
def test_confirms(match: Match, confirmed: bool) -> None:
    assert GeometryConfig(min_inliers=12, min_aligned=0.5).confirms(match) is confirmed


def test_best_match_takes_the_reference_with_most_inliers() -> None:
    facing = band_features(print_(1))
    refs = [band_features(print_(2)), band_features(print_(1))]
    assert best_match(facing, refs) == geometry.match(facing, refs[1])
    assert best_match(facing, []) == NO_MATCH


def _verifier(config: VerifyConfig) -> Verifier:
    images = {"A1": [print_(1)], "A2": [recoloured(print_(1))], "B1": [print_(2)]}
    return Verifier({"A1": "Acme", "A2": "Acme", "B1": "Bolt"}, config, images.__getitem__)


@pytest.mark.parametrize(
    ("facing", "candidates", "current", "expected"),
    [
        # confirmed: wins over the whole-crop answer of another brand
        (print_(1), ["B1", "A1", "A2"], "B1", ("A1", "")),
        (recoloured(print_(1)), ["A1", "A2"], "A1", ("A2", "")),  # the other variant's colours
        # Acme's logo without its colours, answer of another brand: unknown, brand Acme
        (recoloured(print_(1)), ["A1", "B1"], "B1", (UNKNOWN, "Acme")),
        (recoloured(print_(1)), ["A1", "B1"], UNKNOWN, (UNKNOWN, "Acme")),
        # Acme's logo, an Acme answer: geometry has no say
        (recoloured(print_(1)), ["A1", "B1"], "A1", None),
        (print_(4), ["A1", "B1"], "A1", None),  # nothing lines up: no say
    ],
)
def test_geometric_decision(
    facing: np.ndarray,
    candidates: list[str],
    current: str,
    expected: tuple[str, str] | None,
) -> None:
    v = _verifier(
        VerifyConfig(geometry=GeometryConfig(min_inliers=10, min_aligned=0.6, accept=0.8))
    )
    fused = [0.9 - 0.1 * i for i in range(len(candidates))]
    out = v.geometric_decision(band_features(facing), candidates, fused, current)
    assert (out if out is None else (out[0], out[2])) == expected


def test_a_confirmed_candidate_needs_the_accept_level() -> None:
    """Confirmed on geometry, but its whole-crop cues disagree: not taken, brand kept."""
    v = _verifier(
        VerifyConfig(geometry=GeometryConfig(min_inliers=10, min_aligned=0.6, accept=0.8))
    )
    out = v.geometric_decision(band_features(print_(1)), ["A1"], [0.3], "B1")
    assert out is not None
    assert (out[0], out[2]) == (UNKNOWN, "Acme")


def test_geometry_abstains_on_a_featureless_facing() -> None:
    v = _verifier(VerifyConfig())
    blank = band_features(np.full((40, 100, 3), 200, np.uint8))
    assert v.geometric_decision(blank, ["A1"], [0.9]) is None


def test_decide_uses_geometry_only_with_bands_and_reference_images() -> None:
    geo = GeometryConfig(min_inliers=10, min_aligned=0.6, accept=-1.0)
    cfg = VerifyConfig(threshold=0.0, geometry=geo)
    v = _verifier(cfg)
    dim = 4
    unit = np.eye(1, dim, dtype=np.float32)
    q = Cues(unit, unit, np.eye(1, 15, dtype=np.float32))
    for sku in ("A1", "A2", "B1"):  # B1's fused cues match the query best
        v.add(sku, q if sku == "B1" else Cues(-unit, -unit, np.eye(1, 15, 3, dtype=np.float32)))
    bands = [band_features(print_(1))]
    assert list(v.decide(q, [["B1", "A1"]]).skus) == ["B1"]  # no bands: fused cues decide
    assert list(v.decide(q, [["B1", "A1"]], bands).skus) == ["A1"]  # geometry decides
    v.references = None
    assert list(v.decide(q, [["B1", "A1"]], bands).skus) == ["B1"]  # no reference images


def test_reference_bands_are_computed_once() -> None:
    calls: list[str] = []

    def images(sku: str) -> list[np.ndarray]:
        calls.append(sku)
        return [print_(1)]

    v = Verifier({}, VerifyConfig(), images)
    assert len(v.reference_bands("A1")) == 1
    assert len(v.reference_bands("A1")) == 1
    assert calls == ["A1"]


@pytest.mark.parametrize(
    ("scores", "skus", "todo"),
    [
        # gap 0.02: the close call and the unknown are verified, the clear call is not
        ([[0.9, 0.89], [0.9, 0.5], [0.6, 0.2]], ["a", "a", UNKNOWN], [1, 0, 1]),
        ([[0.9], [0.7]], ["a", UNKNOWN], [0, 1]),  # one SKU in the catalog: no close call
    ],
)
def test_to_verify(scores: list[list[float]], skus: list[str], todo: list[int]) -> None:
    v = Verifier({}, VerifyConfig(gap=0.02))
    out = to_verify(np.array(scores, np.float32), np.array(skus, dtype=object), v)
    assert out.astype(int).tolist() == todo


WIDE, NARROW = np.zeros((10, 200, 3), np.uint8), np.zeros((10, 60, 3), np.uint8)


@pytest.mark.parametrize(
    ("best", "second", "verified", "crops", "low", "near", "geometric", "todo"),
    [
        # below sure (0.95), wide, not already verified, below low: checked
        (
            [0.7, 0.96, 0.7, 0.7],
            [0.0] * 4,
            [0, 0, 1, 0],
            [WIDE] * 3 + [NARROW],
            0.8,
            0.0,
            True,
            [1, 0, 0, 0],
        ),
        # above low: checked only when the best two are within near
        ([0.9, 0.9, 0.9], [0.88, 0.86, 0.0], [0, 0, 0], [WIDE] * 3, 0.8, 0.03, True, [1, 0, 0]),
        ([0.9], [0.89], [0], [WIDE], 0.8, 0.0, True, [0]),  # near 0: no close seconds
        ([0.9], [0.5], [0], [WIDE], 0.95, 0.0, True, [1]),  # low = sure: every facing below
        ([0.7], [0.0], [0], [WIDE], 0.8, 0.03, False, [0]),  # no reference images
    ],
)
def test_to_check(
    best: list[float],
    second: list[float],
    verified: list[int],
    crops: list[np.ndarray],
    low: float,
    near: float,
    geometric: bool,
    todo: list[int],
) -> None:
    cfg = VerifyConfig(sure=0.95, low=low, near=near)
    v = Verifier({}, cfg, (lambda s: []) if geometric else None)
    scores = np.array(list(zip(best, second, strict=True)), np.float32)
    out = to_check(scores, np.array(verified, bool), crops, v)
    assert out.astype(int).tolist() == todo


@pytest.mark.parametrize(
    ("best", "verified", "crops", "budget", "todo"),
    [
        # low 0.72, near 0: 0.6 is calibrated; the budget adds the lowest others below sure
        ([0.6, 0.9, 0.8, 0.85, 0.97], [0] * 5, [WIDE] * 5, 0, [1, 0, 0, 0, 0]),
        ([0.6, 0.9, 0.8, 0.85, 0.97], [0] * 5, [WIDE] * 5, 1, [1, 0, 1, 0, 0]),
        ([0.6, 0.9, 0.8, 0.85, 0.97], [0] * 5, [WIDE] * 5, 2, [1, 0, 1, 1, 0]),
        # a budget beyond the facings below sure: every one of them, none above
        ([0.6, 0.9, 0.8, 0.85, 0.97], [0] * 5, [WIDE] * 5, 9, [1, 1, 1, 1, 0]),
        # verified (close calls) and narrow facings neither count nor spend the budget
        ([0.8, 0.81, 0.9], [1, 0, 0], [WIDE, NARROW, WIDE], 1, [0, 0, 1]),
        # ties: the earlier facing
        ([0.8, 0.8, 0.8], [0] * 3, [WIDE] * 3, 2, [1, 1, 0]),
        # no eligible facing: nothing
        ([0.97, 0.99], [0, 0], [WIDE] * 2, 3, [0, 0]),
    ],
)
def test_to_check_budget(
    best: list[float], verified: list[int], crops: list[np.ndarray], budget: int, todo: list[int]
) -> None:
    v = Verifier({}, VerifyConfig(sure=0.95, low=0.72, near=0.0, budget=budget), lambda s: [])
    scores = np.stack([np.array(best, np.float32), np.zeros(len(best), np.float32)], axis=1)
    out = to_check(scores, np.array(verified, bool), crops, v)
    assert out.astype(int).tolist() == todo


def test_to_check_off_at_sure_zero() -> None:
    v = Verifier({}, VerifyConfig(sure=0.0, low=0.9), lambda s: [])
    out = to_check(np.array([[0.5, 0.0]], np.float32), np.zeros(1, bool), [WIDE], v)
    assert not out.any()


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        (None, 2),  # no facing vector: every reference is matched
        (np.eye(1, 4, 1, dtype=np.float32)[0], 1),  # only the closest reference
    ],
)
def test_matched_references_takes_the_closest_reference(
    full: np.ndarray | None, expected: int
) -> None:
    images = {"A1": [print_(1), print_(2)]}
    v = Verifier({"A1": "Acme"}, VerifyConfig(), images.__getitem__)
    vecs = np.eye(2, 4, dtype=np.float32)  # reference 0 along axis 0, reference 1 along 1
    v.add("A1", Cues(vecs, vecs, np.zeros((2, 15), np.float32)))
    chosen = v.matched_references("A1", full)
    assert len(chosen) == expected
    if expected == 1:  # the second reference (print 2) is the one along axis 1
        want = facing_bands([print_(2)])[0]
        assert np.array_equal(chosen[0].descriptors, want.descriptors)


@pytest.mark.parametrize(
    ("fused", "accept", "expected"),
    [
        (0.9, 0.91, True),  # (2.7 + 1) / 4 = 0.925: an aligned band could still carry it
        (0.85, 0.91, False),  # at most 0.8875: never accepted, its alignment is not needed
        (0.5, 0.6, True),
    ],
)
def test_may_accept(fused: float, accept: float, expected: bool) -> None:
    assert GeometryConfig(accept=accept).may_accept(fused) is expected


@pytest.mark.parametrize(
    ("reference", "min_inliers", "align", "inliers_at_least", "aligned_above"),
    [
        (warped(print_(3), 6, 0.95), 6, True, 6, 0.5),  # its own print, aligned
        (warped(print_(3), 6, 0.95), 6, False, 6, None),  # inliers only: aligned -1
        # another print: fewer ratio matches than min_inliers, so no homography is tried
        (print_(21), 8, True, None, None),
    ],
)
def test_match_shortcuts_keep_what_decides(
    reference: np.ndarray,
    min_inliers: int,
    align: bool,
    inliers_at_least: int | None,
    aligned_above: float | None,
) -> None:
    facing, ref = band_features(print_(3)), band_features(reference)
    full = geometry.match(facing, ref)  # every step, from four matches
    out = geometry.match(facing, ref, min_inliers, align=align)
    if inliers_at_least is None:
        assert out == NO_MATCH and full.inliers < min_inliers
        return
    assert out.inliers == full.inliers >= inliers_at_least
    if aligned_above is None:
        assert out.aligned == -1.0
    else:
        assert out.aligned == full.aligned > aligned_above
