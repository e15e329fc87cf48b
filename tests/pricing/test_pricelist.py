"""Price-list CSV: good lines, and bad lines named by file and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shelfscan.errors import PriceListError
from shelfscan.pricing.pricelist import PriceEntry, prices_on, read_price_csv


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_all_columns_and_header(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sku,price,promo_price,valid_from,valid_to\nA,4.99\nB,2,1.50,2026-12-01,2026-12-07\n",
    )
    assert read_price_csv(path) == [
        PriceEntry("A", 4.99),
        PriceEntry("B", 2.0, 1.5, date(2026, 12, 1), date(2026, 12, 7)),
    ]


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("sku,price\nA,4.99\nB,abc\n", 3, "not a number"),  # bad price on line 3
        ("A,4.99\n,1.00\n", 2, "empty sku"),  # no header: line numbers count from 1
        ("sku,price\nA,-1\n", 2, "positive"),  # negative price
        ("sku,price\nA\n", 2, "columns"),  # too few columns
        ("sku,price\nA,1,0.5,2026-13-01\n", 2, "not a date"),  # impossible date
        ("sku,price\nA,1,,2026-12-05,2026-12-01\n", 2, "before"),  # window ends before it starts
        ("sku,price\nA,1\nA,2\n", 3, "already listed on line 2"),  # duplicate SKU
    ],
)
def test_bad_line_names_file_and_line(tmp_path: Path, text: str, line: int, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PriceListError, match=says) as info:
        read_price_csv(path)
    assert f"{path}:{line}:" in str(info.value)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PriceListError, match="no price lines"):
        read_price_csv(write(tmp_path, "sku,price\n"))


def test_prices_on_picks_the_entry_in_force() -> None:
    base = PriceEntry("A", 4.99)
    promo = PriceEntry("A", 4.99, 3.99, date(2026, 12, 1), date(2026, 12, 7))
    assert prices_on([base, promo], date(2026, 12, 3))["A"] == promo
    assert prices_on([base, promo], date(2026, 12, 8))["A"] == base
    assert prices_on([promo], date(2026, 11, 30)) == {}
