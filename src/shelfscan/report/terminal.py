"""How KPIs and results read to a person: labels instead of snake_case, shares as %,
counts as whole numbers, never ``1.004e+04``. Pure functions, shared by the terminal,
the JSON and the HTML report."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

# KPI name -> label a person reads
LABELS: dict[str, str] = {
    "facings": "Facings",
    "rows": "Shelf rows",
    "gaps": "Gaps",
    "gap_width_px": "Gap width (px)",
    "gap_width_facings": "Gap width (facings)",
    "empty_shelf_share": "Empty shelf",
    "photos": "Photos",
    "photos_duplicate": "Duplicate photos (not counted)",
    "recognized_facings": "Facings recognised",
    "unknown_facings": "Facings not recognised",
    "unknown_share": "Not recognised",
    "distinct_skus": "Distinct SKUs",
    "must_have_total": "Must-have SKUs",
    "must_have_present": "Must-have SKUs present",
    "assortment_presence": "Must-have presence",
    "planogram_positions": "Planogram positions",
    "planogram_compliance": "Planogram compliance",
    "osa": "On-shelf availability (OSA)",
    "oos_rate": "Out of stock (OOS)",
    "facings_compliance": "Facings compliance",
    "positions_missing": "Positions missing",
    "positions_misplaced": "Positions misplaced",
    "positions_wrong_facings": "Positions with wrong facings",
    "positions_unseen": "Positions outside the photo",
    "facings_expected": "Facings as planned",
    "facings_misplaced": "Facings misplaced",
    "facings_unexpected": "Facings not in the planogram",
    "facings_unknown": "Facings unknown to the planogram",
    "facings_planned": "Facings planned",
    "share_of_shelf_deviation": "Share of shelf off plan (SKU)",
    "share_of_shelf_deviation_brand": "Share of shelf off plan (brand)",
}

# KPIs that are fractions in [0, 1], shown as percentages
PERCENT: frozenset[str] = frozenset(
    {
        "empty_shelf_share",
        "unknown_share",
        "assortment_presence",
        "planogram_compliance",
        "osa",
        "oos_rate",
        "facings_compliance",
        "share_of_shelf_deviation",
        "share_of_shelf_deviation_brand",
    }
)

# the order KPIs are listed in (others follow alphabetically)
ORDER: tuple[str, ...] = (
    "photos",
    "photos_duplicate",
    "facings",
    "rows",
    "gaps",
    "empty_shelf_share",
    "planogram_compliance",
    "osa",
    "oos_rate",
    "facings_compliance",
    "assortment_presence",
    "must_have_present",
    "must_have_total",
    "recognized_facings",
    "unknown_facings",
    "unknown_share",
    "distinct_skus",
    "share_of_shelf_deviation_brand",
    "share_of_shelf_deviation",
)


def label(name: str) -> str:
    """A KPI's label: the known one, else the name with spaces and a capital."""
    if name in LABELS:
        return LABELS[name]
    words = re.sub(r"_+", " ", name).strip()
    return words[:1].upper() + words[1:]


def number(value: float) -> str:
    """A count or measure: whole numbers without decimals, others with at most one,
    thousands separated; never scientific notation."""
    if not math.isfinite(value):
        return "-"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def percent(value: float) -> str:
    """A fraction in [0, 1] as a percentage with one decimal ("81.7%")."""
    if not math.isfinite(value):
        return "-"
    return f"{value * 100:.1f}%"


def kpi_value(name: str, value: float) -> str:
    """A KPI formatted by its kind."""
    return percent(value) if name in PERCENT else number(value)


def ordered(names: set[str] | list[str]) -> list[str]:
    """KPI names in reading order: the headline ones first, then alphabetical."""
    rank = {n: i for i, n in enumerate(ORDER)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def share_rows(
    breakdowns: Mapping[str, Mapping[str, float]], dim: str
) -> list[tuple[str, float | None, float, float | None, float | None]]:
    """Share of shelf by ``dim`` ("brand" or "category"), largest first:
    (name, facings or None, share by facings, share by width or None, planogram target
    or None). Empty when recognition did not run."""
    facing = breakdowns.get(f"share_facings_{dim}", {})
    linear = breakdowns.get(f"share_linear_{dim}", {})
    target = breakdowns.get(f"share_of_shelf_target_{dim}", {})
    counts = breakdowns.get(f"facings_per_{dim}", {})
    names = set(facing) | {k for k, v in target.items() if v > 0}
    rows = [
        (
            name,
            counts.get(name) if counts else None,
            facing.get(name, 0.0),
            linear.get(name) if linear else None,
            target.get(name, 0.0) if target else None,
        )
        for name in names
    ]
    return sorted(rows, key=lambda r: (-r[2], -(r[4] or 0.0), r[0]))


def share_name(name: str) -> str:
    """A brand or category as shown: unrecognised facings read as such."""
    return "(not recognised)" if name == "unknown" else name
