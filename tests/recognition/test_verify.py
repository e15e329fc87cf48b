"""Verification of close calls: brand-band cues, fused scores, decision and brand fallback."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from catalog_builders import embedder
from shelfscan.recognition.index import NumpyIndex
from shelfscan.recognition.matcher import UNKNOWN, MatchConfig
from shelfscan.recognition.recognizer import CatalogRecognizer
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.verify import (
    COLOUR_DIM,
    GREY_BINS,
    HUE_BINS,
    TINT_BINS,
    Cues,
    Verifier,
    VerifyConfig,
    colour_signature,
    fused_scores,
    image_cues,
    upper_region,
)
from shelfscan.types import CLASS_PRODUCT, Detections, ShelfLayout


@pytest.mark.parametrize(("height", "rows"), [(100, 35), (10, 4), (2, 1), (1, 1)])
def test_upper_region_keeps_the_top_share(height: int, rows: int) -> None:
    crop = np.zeros((height, 5, 3), np.uint8)
    assert upper_region(crop).shape == (rows, 5, 3)


def solid(bgr: tuple[int, int, int], h: int = 40, w: int = 60) -> np.ndarray:
    return np.full((h, w, 3), bgr, np.uint8)


@pytest.mark.parametrize(
    ("bgr", "bin_"),
    [
        ((0, 0, 255), 0),  # red: hue 0
        ((255, 0, 0), 8),  # blue: hue 120 of 180 -> sector 8
        ((0, 255, 0), 4),  # green: hue 60 -> sector 4
        ((255, 255, 255), HUE_BINS + (GREY_BINS - 1) * TINT_BINS + 1),  # white: light, neutral
        ((200, 200, 210), HUE_BINS + (GREY_BINS - 1) * TINT_BINS + 1),  # silver: not a hue
        ((5, 5, 30), HUE_BINS + 1),  # nearly black red: dark grey, neutral
        ((180, 225, 235), HUE_BINS + (GREY_BINS - 1) * TINT_BINS + 2),  # cream "gold": warm
        ((240, 225, 205), HUE_BINS + (GREY_BINS - 1) * TINT_BINS),  # pale blue: cool
    ],
)
def test_colour_signature_bins(bgr: tuple[int, int, int], bin_: int) -> None:
    sig = colour_signature([solid(bgr)])[0]
    assert sig.shape == (COLOUR_DIM,)
    assert int(np.argmax(sig)) == bin_
    assert float(np.linalg.norm(sig)) == pytest.approx(1.0, abs=1e-5)


def test_colour_signature_tells_a_red_pack_from_a_silver_one() -> None:
    red, red2, silver = colour_signature(
        [solid((30, 30, 220)), solid((40, 20, 200)), solid((190, 190, 195))]
    )
    assert float(red @ red2) > 0.99
    assert float(red @ silver) < 0.1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((232, 232, 232), (165, 212, 228)),  # white "One" vs cream "Gold"
        ((232, 232, 232), (228, 212, 188)),  # white vs pale blue
        ((165, 212, 228), (228, 212, 188)),  # cream vs pale blue
    ],
)
def test_colour_signature_tells_pale_tints_apart(
    a: tuple[int, int, int], b: tuple[int, int, int]
) -> None:
    """Pale bands carry no hue (saturation below ``MIN_SATURATION``): the tint bins keep
    them apart, where grey levels alone made them one colour."""
    darker = (a[0] - 4, a[1] - 4, a[2] - 4)
    sa, sb, sa2 = colour_signature([solid(a), solid(b), solid(darker)])
    assert float(sa @ sb) < 0.1
    assert float(sa @ sa2) > 0.99


def test_colour_signature_of_an_empty_region_is_zero() -> None:
    assert not colour_signature([np.zeros((0, 4, 3), np.uint8)]).any()


def unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, np.float32)
    return a / np.linalg.norm(a)


def cues(*rows: tuple[list[float], list[float], list[float]]) -> Cues:
    return Cues(*(np.stack([unit(r[i]) for r in rows]) for i in range(3)))


def test_fused_score_is_the_mean_of_the_three_similarities() -> None:
    q = cues(([1, 0], [1, 0], [1, 0]))
    r = cues(([1, 0], [0, 1], [1, 1]))
    assert fused_scores(q, r)[0, 0] == pytest.approx((1 + 0 + 2**-0.5) / 3, abs=1e-6)
    empty = Cues(
        np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    )
    assert fused_scores(q, empty).shape == (1, 0)


A, B, C = (
    ([1, 0, 0], [1, 0, 0], [1, 0, 0]),
    ([0, 1, 0], [0, 1, 0], [0, 1, 0]),
    ([0, 0, 1], [0, 0, 1], [0, 0, 1]),
)


@pytest.mark.parametrize(
    ("query", "candidates", "sku", "brand"),
    [
        (A, ["a1", "b1"], "a1", ""),  # a clear verified match
        (B, ["a1", "b1"], "b1", ""),  # verification overturns the embedding's order
        ([[1, 1, 0]] * 3, ["a1", "a2"], UNKNOWN, "Acme"),  # between two Acme SKUs
        ([[1, 1, 0]] * 3, ["a1", "b1"], UNKNOWN, ""),  # between two brands: no brand
        ([[1, 1, 0]] * 3, ["a1"], UNKNOWN, ""),  # one candidate alone: no agreement
        ([[1, 1, 0]] * 3, ["a1", "zz"], UNKNOWN, ""),  # a candidate without cues
        ([[1, 1, 1]] * 3, ["a1", "a2"], UNKNOWN, ""),  # too far for even the brand
    ],
)
def test_decide(query: list[list[float]], candidates: list[str], sku: str, brand: str) -> None:
    v = Verifier(
        {"a1": "Acme", "a2": "Acme", "b1": "Bolt"}, VerifyConfig(threshold=0.9, brand=0.65)
    )
    v.add("a1", cues(A))
    v.add("a2", cues(B))
    v.add("b1", cues(B))
    out = v.decide(cues(tuple(query)), [candidates])  # type: ignore[arg-type]
    assert (out.skus[0], out.brands[0]) == (sku, brand)


def test_add_appends_references() -> None:
    v = Verifier({})
    v.add("a", cues(A))
    v.add("a", cues(B))
    assert v.scores(cues(B), [["a"]]) == [[pytest.approx(1.0)]]


def pack(band: tuple[int, int, int], panel_seed: int) -> np.ndarray:
    """A 150x100 pack: white lid with a coloured band on top, a random picture below."""
    img = np.full((150, 100, 3), 235, np.uint8)
    img[10:45, 5:95] = band
    cv2.putText(img, "BRND", (12, 35), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
    rng = np.random.default_rng(panel_seed)
    img[60:] = cv2.resize(rng.integers(0, 256, (3, 2, 3)).astype(np.uint8), (100, 90))
    return img


def test_recognizer_verifies_close_calls_and_falls_back_to_the_brand() -> None:
    """Two variants of one brand differ only in their band colour; a facing with
    another warning picture is told apart by verification, and a third, uncatalogued
    variant keeps its brand with an unknown SKU."""
    emb = embedder()
    refs = {"RED": pack((30, 30, 220), 1), "BLUE": pack((200, 60, 20), 2)}
    index = NumpyIndex(emb.dim)
    info = {s: SkuInfo(s, brand="Brnd", category="tobacco") for s in refs}
    verifier = Verifier({s: "Brnd" for s in refs}, VerifyConfig(gap=1.0, threshold=0.0))
    for sku, img in refs.items():
        c = image_cues(emb, [img])
        index.add(sku, c.full)
        verifier.add(sku, c)
    shelf = np.hstack([pack((30, 30, 220), 7), pack((200, 60, 20), 8)])
    dets = Detections(
        np.array([[0, 0, 100, 150], [100, 0, 200, 150]], np.float32),
        np.ones(2, np.float32),
        np.full(2, CLASS_PRODUCT, np.int64),
    )
    layout = ShelfLayout((), (), (200, 150))
    rec = CatalogRecognizer(emb, index, info, MatchConfig(threshold=0.99), False, verifier)
    out = rec(shelf, dets, layout)
    assert list(out.data["sku"]) == ["RED", "BLUE"]
    verifier.config = VerifyConfig(gap=1.0, threshold=1.01, brand=0.0)  # never sure of a SKU
    out = rec(shelf, dets, layout)
    assert list(out.data["sku"]) == [UNKNOWN, UNKNOWN]
    assert list(out.data["brand"]) == ["Brnd", "Brnd"]
    assert list(out.data["category"]) == ["tobacco", "tobacco"]
    assert list(out.data["brand_fallback"]) == [True, True]
    rec.verifier = None  # without verification, a threshold of 0.99 leaves both unknown
    assert list(rec(shelf, dets, layout).data["brand"]) == [UNKNOWN, UNKNOWN]
