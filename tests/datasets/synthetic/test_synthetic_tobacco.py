"""Tobacco-like packs: a health warning per pack, near variants within a brand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from shelfscan.datasets.synthetic import SyntheticCatalog, generate_scene, render_packshot
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
