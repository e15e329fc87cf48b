"""Compare read tags with the price list: one ``PriceCheck`` per tag whose facings have
a SKU on the list. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from shelfscan.pricing.pricelist import PriceEntry
from shelfscan.types import PriceCheck, PriceTag

TOLERANCE = 0.005  # prices are compared to the cent


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) < TOLERANCE


def tag_sku(tag: PriceTag, skus: Sequence[object]) -> str | None:
    """The SKU most of the tag's facings were recognised as (None: none recognised)."""
    known = [str(skus[i]) for i in tag.facing_ids if skus[i] not in (None, "")]
    if not known:
        return None
    return Counter(known).most_common(1)[0][0]


def check_tags(
    tags: Sequence[PriceTag],
    skus: Sequence[object],
    prices: Mapping[str, PriceEntry],
    names: Mapping[str, str] | None = None,
) -> tuple[PriceCheck, ...]:
    """Checks of every read tag whose SKU is on the list.

    A tag is right when its price for one unit (a multi-buy's bundle price divided by its
    quantity) is the list price, or the promo price while a promo runs. A running promo
    is complied with when the promo price is on the tag (as main or second price).
    """
    names = names or {}
    checks = []
    for t, tag in enumerate(tags):
        if tag.status != "read" or tag.price is None:
            continue
        sku = tag_sku(tag, skus)
        entry = prices.get(sku) if sku else None
        if entry is None or sku is None:
            continue
        each = tag.price / (tag.multi_qty or 1)
        promo = entry.promo_price
        ok = _same(each, entry.price) or _same(each, promo)
        promo_ok = None if promo is None else _same(each, promo) or _same(tag.second_price, promo)
        checks.append(
            PriceCheck(
                t, sku, names.get(sku, sku), round(each, 2), entry.price, promo, ok, promo_ok
            )
        )
    return tuple(checks)
