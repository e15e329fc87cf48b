"""Tobacco-like packs: a health warning per pack, near variants within a brand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from shelfscan.datasets.synthetic import SyntheticCatalog, generate_scene, render_packshot
from shelfscan.datasets.synthetic.tobacco import premium
from shelfscan.types import CLASS_PRODUCT

CAT = SyntheticCatalog(90, seed=3, kind="tobacco")


def _band_and_warning(img: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """The brand band (above the warning) and the warning, a few rows clear of the edge."""
    h = img.shape[0]
    cut = round(h * (1 - share))
    return img[: cut - 3].astype(np.float32), img[cut + 3 :].astype(np.float32)


def test_catalog_is_deterministic_and_distinct() -> None:
    again = SyntheticCatalog(90, seed=3, kind="tobacco")
    assert again.skus == CAT.skus
    assert {s.category for s in CAT.skus} == {"tobacco"}
    looks = {(s.brand, s.variant, s.style.primary, s.variant_color) for s in CAT.skus}
    assert len(looks) == len(CAT.skus)  # no two SKUs drawn alike
    assert all(s.warning_pool > 1 and 0.55 < s.warning_share < 0.75 for s in CAT.skus)


def test_mixed_catalogs_have_no_warning_panels() -> None:
    assert all(s.warning_pool == 0 for s in SyntheticCatalog(60, seed=3).skus)
    with pytest.raises(ValueError, match="kind"):
        SyntheticCatalog(10, seed=3, kind="fruit")


def _near_pairs(cat: SyntheticCatalog) -> dict[str, int]:
    """Pairs of one brand with the same band colour differing only in word or stripe."""
    out = {"word": 0, "stripe": 0}
    for a, b in itertools.combinations(cat.skus, 2):
        if a.brand != b.brand or a.style.primary != b.style.primary:
            continue
        if a.variant_color == b.variant_color and a.variant != b.variant:
            out["word"] += 1
        elif a.variant == b.variant and a.variant_color != b.variant_color:
            out["stripe"] += 1
    return out


def test_brands_have_near_variants() -> None:
    pairs = _near_pairs(CAT)
    assert pairs["word"] >= 3 and pairs["stripe"] >= 1, pairs


@pytest.mark.parametrize(("a", "b", "same_warning"), [(0, 0, True), (0, 5, False), (2, 9, False)])
def test_panel_changes_the_warning_only(a: int, b: int, same_warning: bool) -> None:
    spec = CAT.skus[0]
    pa, pb = (render_packshot(spec, size_px=200, panel=p)[0] for p in (a, b))
    band_a, warn_a = _band_and_warning(pa, spec.warning_share)
    band_b, warn_b = _band_and_warning(pb, spec.warning_share)
    assert np.abs(band_a - band_b).max() == 0  # brand band identical
    assert (np.abs(warn_a - warn_b).mean() < 1e-6) == same_warning


def test_packs_of_one_sku_on_a_shelf_show_different_warnings() -> None:
    scene = generate_scene(11, catalog=CAT, size=(2000, 1500))
    dets = scene.detections.of_class(CLASS_PRODUCT)
    skus = dets.data["sku"].astype(str)
    crops: dict[str, list[np.ndarray]] = {}
    for (x1, y1, x2, y2), sku, pushed in zip(
        dets.xyxy.astype(int), skus, dets.data["pushed_back"], strict=True
    ):
        if not pushed:
            crops.setdefault(str(sku), []).append(scene.image[y1:y2, x1:x2])
    differ = same = 0
    for sku, group in crops.items():
        share = CAT.get(sku).warning_share
        for p, q in itertools.combinations(group, 2):
            if p.shape != q.shape:
                continue
            band_gap = np.abs(_band_and_warning(p, share)[0] - _band_and_warning(q, share)[0])
            warn_gap = np.abs(_band_and_warning(p, share)[1] - _band_and_warning(q, share)[1])
            if warn_gap.mean() > 2 * band_gap.mean() + 5:
                differ += 1
            else:
                same += 1
    assert differ > same > 0, (differ, same)


def _edge_share(pic: np.ndarray) -> float:
    """Share of pixels on a strong edge (grey-level step of 40+ between neighbours)."""
    grey = pic.astype(np.float32).mean(axis=2)
    step = np.maximum(np.abs(np.diff(grey, axis=0))[:, :-1], np.abs(np.diff(grey, axis=1))[:-1])
    return float((step >= 40).mean())


def test_warning_pictures_have_the_sharp_edges_of_photographs() -> None:
    """Real warning pictures are photographs, with sharp edges at every scale; soft
    blurred blobs never taught the embedder to ignore such a panel (the blob pictures
    had a median edge share of 0.0025 on these packs, the photo-like ones 0.010)."""
    shares = []
    for spec in CAT.skus[:5]:
        for panel in range(spec.warning_pool):
            pack = render_packshot(spec, size_px=400, panel=panel)[0]
            warning = _band_and_warning(pack, spec.warning_share)[1]
            shares.append(_edge_share(warning[: warning.shape[0] // 2]))  # the picture part
    assert float(np.median(shares)) > 0.006
    again = render_packshot(CAT.skus[0], size_px=400, panel=3)[0]
    assert np.array_equal(again, render_packshot(CAT.skus[0], size_px=400, panel=3)[0])


def _ink_share(band: np.ndarray) -> float:
    """Share of band pixels far (60+ grey levels) from the band's median colour."""
    median = np.median(band.reshape(-1, 3), axis=0)
    return float((np.abs(band - median).max(axis=2) >= 60).mean())


def test_premium_packs_carry_little_ink_in_a_pale_band() -> None:
    """Premium packs (a pale band, a thin script name) are a share of the catalog, and
    their bands hold far less ink than the bold bands of the others: the look of the
    real packs whose warning photo then outweighs the band."""
    cat = SyntheticCatalog(150, seed=3001, kind="tobacco")
    flags = [premium(s) for s in cat.skus]
    assert 0.05 < sum(flags) / len(flags) < 0.5
    ink: dict[bool, list[float]] = {True: [], False: []}
    for spec, flag in zip(cat.skus, flags, strict=True):
        band = _band_and_warning(render_packshot(spec, size_px=300, panel=0)[0], spec.warning_share)
        ink[flag].append(_ink_share(band[0]))
    assert np.median(ink[True]) < 0.5 * np.median(ink[False]), ink
