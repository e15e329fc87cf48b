"""Price KPIs from the pricing stage's readings. Pure.

- ``price_tags``, ``price_tags_read``, ``price_tags_unreadable``: tags found and read;
- ``facings_no_tag`` / ``facings_no_tag_share``: product facings no tag prices;
- with a price list: ``price_checked`` (read tags whose SKU is on the list),
  ``price_compliance`` (share of those showing the list price, or the promo price while
  a promo runs), ``promo_checked`` and ``promo_compliance`` (share of tags of SKUs on
  promo that show the promo price). Breakdown ``price_mismatch``: SKU -> price shown.
"""

from __future__ import annotations

import time

from shelfscan.types import KpiReport, PriceReadings


def price_kpis(readings: PriceReadings, facings: int) -> KpiReport:
    """KPIs of one photo; ``facings`` is the photo's product-facing count on rows."""
    t0 = time.perf_counter()
    tags = readings.tags
    read = sum(1 for t in tags if t.status == "read")
    values: dict[str, float] = {
        "price_tags": float(len(tags)),
        "price_tags_read": float(read),
        "price_tags_unreadable": float(len(tags) - read),
        "facings_no_tag": float(len(readings.untagged)),
        "facings_no_tag_share": len(readings.untagged) / facings if facings else 0.0,
    }
    breakdowns: dict[str, dict[str, float]] = {}
    if readings.has_price_list:
        checks = readings.checks
        promo = [c for c in checks if c.promo_ok is not None]
        values["price_checked"] = float(len(checks))
        if checks:
            values["price_compliance"] = sum(c.ok for c in checks) / len(checks)
        values["promo_checked"] = float(len(promo))
        if promo:
            values["promo_compliance"] = sum(bool(c.promo_ok) for c in promo) / len(promo)
        wrong = {c.sku: c.shown for c in checks if not c.ok}
        if wrong:
            breakdowns["price_mismatch"] = wrong
    return KpiReport(values, breakdowns, (time.perf_counter() - t0) * 1000)
