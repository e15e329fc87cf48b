"""Which photos read price tags: the spec carries each store's price list."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from shelfscan.config import Settings, load_settings
from shelfscan.imaging.load import load_photo
from shelfscan.pipeline import Pipeline, PipelineSpec, ScanContext, load_spec
from shelfscan.pricing.ocr import OcrSettings, TagOcr
from shelfscan.pricing.pricelist import PriceEntry
from shelfscan.pricing.stage import PricingSpec
from shelfscan.store import ensure_visit, open_db
from shelfscan.store.prices import import_price_list


@pytest.fixture(scope="module")
def ocr() -> TagOcr:
    return TagOcr()


@pytest.mark.parametrize(
    ("wanted", "has_spec", "s1_reads", "s2_reads"),
    [
        (None, True, True, False),  # default: only the store with a list reads tags
        (True, True, True, True),  # --prices: every photo, list or not
        (False, False, False, False),  # --no-prices
    ],
)
def test_spec_reads_prices_where_wanted(
    tmp_path: Path,
    db_path: Path,
    wanted: bool | None,
    has_spec: bool,
    s1_reads: bool,
    s2_reads: bool,
) -> None:
    db = open_db(db_path)
    ensure_visit(db, "V1", "S1")
    ensure_visit(db, "V2", "S2")
    prices = tmp_path / "p.csv"
    prices.write_text("A,4.99\n", encoding="utf-8")
    import_price_list(db, prices, store_id="S1")
    spec = load_spec(db, Settings(), ["S1", "S2"], prices=wanted)
    assert (spec.pricing is not None) == has_spec
    if spec.pricing is not None:
        assert dict(spec.pricing.prices)["S1"]["A"].price == 4.99
        assert (spec.pricing.stage(ocr, "S1") is not None) == s1_reads
        assert (spec.pricing.stage(ocr, "S2") is not None) == s2_reads
        assert pickle.loads(pickle.dumps(spec)) == spec  # goes to worker processes


def test_no_list_no_pricing(db_path: Path) -> None:
    assert load_spec(open_db(db_path), Settings(), ["S9"]).pricing is None


PHOTO_12MP = Path(__file__).resolve().parents[2] / "sample_images" / "shelf_05_12mp.jpg"


@pytest.fixture(scope="module")
def priced_pipeline() -> Pipeline:
    """A pipeline that reads tags only on photos of store S1 (the one with a list)."""
    pricing = PricingSpec(prices={"S1": {"A": PriceEntry("A", 4.99)}}, ocr=OcrSettings())
    return PipelineSpec(load_settings(threads=2), pricing=pricing).build()


@pytest.mark.parametrize(
    ("store", "reads"),
    [
        ("S1", True),  # its store has a price list: tags read from the full resolution
        ("S2", False),  # no list: no tags read, and the full resolution is never decoded
        (None, False),  # no store at all
    ],
)
def test_full_resolution_is_decoded_only_to_read_tags(
    priced_pipeline: Pipeline, store: str | None, reads: bool
) -> None:
    loaded = load_photo(PHOTO_12MP, priced_pipeline.working_long_side)
    assert loaded.scale < 1.0  # the 12 MP photo is decoded reduced first
    result = priced_pipeline.scan_photo(loaded, ScanContext(store))
    assert (result.prices is not None) == reads
    assert ("decode_tags" in result.timings_ms) == reads
    assert (loaded._full is not None) == reads
