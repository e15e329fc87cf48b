"""Price KPIs and tag checks against the list."""

from __future__ import annotations

from datetime import date

import pytest

from shelfscan.kpi.price import price_kpis
from shelfscan.pricing.compliance import check_tags
from shelfscan.pricing.pricelist import PriceEntry
from shelfscan.types import PriceReadings, PriceTag

LIST = {
    "A": PriceEntry("A", 4.99),
    "B": PriceEntry("B", 2.00, 1.50, date(2026, 12, 1), date(2026, 12, 7)),
}


def tag(price: float | None, facings: tuple[int, ...], **kw: object) -> PriceTag:
    status = "read" if price is not None else "unreadable"
    return PriceTag(0, (0, 0, 1, 1), status, price, facing_ids=facings, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("t", "skus", "ok", "promo_ok"),
    [
        (tag(4.99, (0,)), ["A"], True, None),  # list price shown
        (tag(5.29, (0,)), ["A"], False, None),  # wrong price
        (tag(1.50, (0,)), ["B"], True, True),  # promo price shown
        (tag(2.00, (0,), second_price=1.50), ["B"], True, True),  # promo as second price
        (tag(2.00, (0,)), ["B"], True, False),  # regular shown, promo missing
        (tag(9.98, (0,), multi_qty=2), ["A"], True, None),  # 2 for 9.98 = 4.99 each
        (tag(4.99, (0, 1, 2)), ["A", "A", "C"], True, None),  # majority SKU of the facings
    ],
)
def test_check_tags(t: PriceTag, skus: list[str], ok: bool, promo_ok: bool | None) -> None:
    (check,) = check_tags([t], skus, LIST, {"A": "Secret Outlast Pink"})
    assert (check.ok, check.promo_ok) == (ok, promo_ok)


@pytest.mark.parametrize(
    ("t", "skus"),
    [
        (tag(None, (0,)), ["A"]),  # unreadable tags are not checked
        (tag(4.99, (0,)), ["Z"]),  # SKU not on the list
        (tag(4.99, (0,)), [None]),  # facing not recognised
        (tag(4.99, ()), []),  # tag prices no facing
    ],
)
def test_unchecked_tags(t: PriceTag, skus: list[object]) -> None:
    assert check_tags([t], skus, LIST) == ()


def test_action_names_the_product() -> None:
    (check,) = check_tags([tag(5.29, (0,))], ["A"], LIST, {"A": "Secret Outlast Pink"})
    assert check.action == "Tag for Secret Outlast Pink shows 5.29, the price list says 4.99"


def test_price_kpis() -> None:
    tags = (tag(4.99, (0,)), tag(5.29, (1,)), tag(None, ()), tag(1.5, (2,)))
    checks = check_tags(tags, ["A", "A", "B", "D"], LIST)
    readings = PriceReadings(tags, {0: 0, 1: 1, 2: 3}, (3,), checks, True)
    k = price_kpis(readings, facings=4).values
    assert k["price_tags"] == 4 and k["price_tags_read"] == 3 and k["price_tags_unreadable"] == 1
    assert k["facings_no_tag"] == 1 and k["facings_no_tag_share"] == pytest.approx(0.25)
    assert k["price_checked"] == 3 and k["price_compliance"] == pytest.approx(2 / 3)
    assert k["promo_checked"] == 1 and k["promo_compliance"] == 1.0
    assert price_kpis(readings, 4).breakdowns["price_mismatch"] == {"A": 5.29}


def test_price_kpis_without_a_list() -> None:
    readings = PriceReadings((tag(4.99, (0,)),), {0: 0}, (), (), False)
    k = price_kpis(readings, facings=0).values
    assert "price_compliance" not in k and k["facings_no_tag_share"] == 0.0
