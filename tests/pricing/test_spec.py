"""Which photos read price tags: the spec carries each store's price list."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from shelfscan.config import Settings
from shelfscan.pipeline import load_spec
from shelfscan.pricing.ocr import TagOcr
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
