"""The synthetic SKU catalog and packshots."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.datasets.synthetic import SHAPES, SyntheticCatalog, ean13, render_packshot
from shelfscan.errors import CatalogError


@pytest.mark.parametrize(
    ("first12", "full"),
    [
        ("400638133393", "4006381333931"),  # the textbook example
        ("590123412345", "5901234123457"),  # GS1 sample
        ("000000000000", "0000000000000"),  # all zeros: check digit 0
    ],
)
def test_ean13_check_digit(first12: str, full: str) -> None:
    assert ean13(first12) == full


@pytest.mark.parametrize("bad", ["12345", "40063813339x", "4006381333931"])
def test_ean13_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        ean13(bad)


def _valid_ean(code: str) -> bool:
    return len(code) == 13 and ean13(code[:12]) == code


def test_catalog_is_deterministic_and_well_formed() -> None:
    a, b = SyntheticCatalog(120, seed=4), SyntheticCatalog(120, seed=4)
    assert a.skus == b.skus
    assert len(a) == 120
    assert len({s.sku for s in a.skus}) == 120
    assert len({s.ean for s in a.skus}) == 120
    assert all(_valid_ean(s.ean) for s in a.skus)
    assert all(s.shape in SHAPES and s.width_mm > 0 and s.height_mm > 0 for s in a.skus)
    assert SyntheticCatalog(120, seed=5).skus != a.skus


def test_brands_are_shared_with_a_common_look() -> None:
    cat = SyntheticCatalog(200, seed=0)
    brands = {s.brand for s in cat.skus}
    assert 15 <= len(brands) <= 60  # ~200 SKUs over a few dozen brands
    big = max(brands, key=lambda b: len(cat.by_brand(b)))
    family = cat.by_brand(big)
    assert len(family) >= 3
    assert len({s.style for s in family}) == 1  # one colour scheme and logo
    assert len({(s.variant, s.variant_color, s.size_text) for s in family}) > 1


def test_unknown_sku_raises_catalog_error() -> None:
    with pytest.raises(CatalogError, match="SKU9999"):
        SyntheticCatalog(10).get("SKU9999")


@pytest.mark.parametrize("index", range(0, 40, 3))  # a spread of shapes and brands
def test_packshot_shape_and_mask(index: int) -> None:
    spec = SyntheticCatalog(40, seed=1).skus[index]
    img, mask = render_packshot(spec, size_px=120)
    assert img.dtype == np.uint8 and mask.dtype == np.uint8
    assert img.shape == (120, max(4, round(120 * spec.aspect)), 3)
    assert mask.shape == img.shape[:2]
    assert 0.6 < (mask > 127).mean() <= 1.0  # the pack fills most of its box
    assert img[mask > 127].std() > 10  # printed label, not a flat colour


def test_packshot_variation_needs_rng() -> None:
    spec = SyntheticCatalog(5, seed=2).skus[0]
    base1, _ = render_packshot(spec, size_px=100)
    base2, _ = render_packshot(spec, size_px=100)
    assert np.array_equal(base1, base2)
    v1, _ = render_packshot(spec, np.random.default_rng(1), 100)
    v2, _ = render_packshot(spec, np.random.default_rng(2), 100)
    v1b, _ = render_packshot(spec, np.random.default_rng(1), 100)
    assert np.array_equal(v1, v1b)
    assert v1.shape == base1.shape
    assert not np.array_equal(v1, v2) and not np.array_equal(v1, base1)


def test_brand_siblings_look_alike_but_differ() -> None:
    cat = SyntheticCatalog(200, seed=0)
    big = max({s.brand for s in cat.skus}, key=lambda b: len(cat.by_brand(b)))
    a, b = cat.by_brand(big)[:2]
    ia, _ = render_packshot(a, size_px=64)
    ib, _ = render_packshot(b, size_px=64)
    assert ia.shape != ib.shape or not np.array_equal(ia, ib)


def test_packshot_rejects_tiny_size() -> None:
    with pytest.raises(ValueError, match="size_px"):
        render_packshot(SyntheticCatalog(1).skus[0], size_px=4)
