"""Catalog KPIs: facings per SKU and brand, share of shelf, assortment presence.

Pure functions over recognised detections (columns ``sku``, ``brand``, ``category``
written by the recognition stage). Unrecognised facings count as ``unknown`` in every
figure: dropping them would inflate every brand's share.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

import numpy as np
import numpy.typing as npt

from shelfscan.types import CLASS_PRODUCT, Detections, KpiReport, ShelfLayout

UNKNOWN = "unknown"
# Every KPI name this module writes (values and breakdowns), e.g. to replace them on re-scoring.
SHARE_KPIS = (
    "recognized_facings",
    "unknown_facings",
    "unknown_share",
    "distinct_skus",
    "must_have_total",
    "must_have_present",
    "assortment_presence",
    "facings_per_sku",
    "facings_per_brand",
    "share_facings_brand",
    "share_linear_brand",
    "share_facings_category",
    "share_linear_category",
    "share_facings_brand_row",
    "share_linear_brand_row",
    "must_have",
)


def _labels(dets: Detections, key: str) -> npt.NDArray[np.object_]:
    col = dets.column(key, None)
    return np.array([UNKNOWN if v is None or v == "" else str(v) for v in col], dtype=object)


def _share(keys: npt.NDArray[np.object_], weights: npt.NDArray[Any]) -> dict[str, float]:
    """key -> share of the summed weight (empty input: empty dict)."""
    total = float(weights.sum())
    if total <= 0:
        return {}
    return {str(k): float(weights[keys == k].sum()) / total for k in sorted(set(keys.tolist()))}


def _counts(keys: npt.NDArray[np.object_]) -> dict[str, float]:
    values, counts = np.unique(keys.astype(str), return_counts=True)
    return {str(v): float(c) for v, c in zip(values, counts, strict=True)}


def share_kpis(dets: Detections, layout: ShelfLayout, must_have: Collection[str] = ()) -> KpiReport:
    """Facings and share-of-shelf figures of one photo.

    Shares are by facings (count) and linear (summed box width in pixels), per brand,
    per category, and per brand within each shelf row (keys ``"<row>:<brand>"``).
    With a ``must_have`` list, ``assortment_presence`` is the share of those SKUs seen
    at least once and the breakdown ``must_have`` says which (1 present, 0 missing).
    Returns an empty report when the detections carry no ``sku`` column.
    """
    t0 = time.perf_counter()
    if "sku" not in dets.data:
        return KpiReport({}, {}, 0.0)
    products = dets[dets.class_id == CLASS_PRODUCT]
    sku, brand, cat = (_labels(products, k) for k in ("sku", "brand", "category"))
    widths = products.width.astype(np.float64)
    ones = np.ones(len(products))
    rows = products.column("row", -1)
    row_brand = np.array([f"{int(r)}:{b}" for r, b in zip(rows, brand, strict=True)], dtype=object)
    unknown = int((sku == UNKNOWN).sum())
    values: dict[str, float] = {
        "recognized_facings": float(len(products) - unknown),
        "unknown_facings": float(unknown),
        "unknown_share": unknown / len(products) if len(products) else 0.0,
        "distinct_skus": float(len(set(sku.tolist()) - {UNKNOWN})),
    }
    breakdowns: dict[str, dict[str, float]] = {
        "facings_per_sku": _counts(sku),
        "facings_per_brand": _counts(brand),
        "share_facings_brand": _share(brand, ones),
        "share_linear_brand": _share(brand, widths),
        "share_facings_category": _share(cat, ones),
        "share_linear_category": _share(cat, widths),
        "share_facings_brand_row": _row_shares(rows, row_brand, ones),
        "share_linear_brand_row": _row_shares(rows, row_brand, widths),
    }
    if must_have:
        seen = set(sku.tolist()) - {UNKNOWN}  # an unknown facing satisfies nothing
        present = {s: float(s in seen) for s in sorted(must_have)}
        values["must_have_total"] = float(len(present))
        values["must_have_present"] = sum(present.values())
        values["assortment_presence"] = values["must_have_present"] / len(present)
        breakdowns["must_have"] = present
    return KpiReport(values, breakdowns, (time.perf_counter() - t0) * 1000)


def _row_shares(
    rows: npt.NDArray[Any], keys: npt.NDArray[np.object_], weights: npt.NDArray[Any]
) -> dict[str, float]:
    """Share of each ``row:brand`` key within its own row."""
    out: dict[str, float] = {}
    for r in sorted(set(rows.tolist())):
        members = rows == r
        out.update(_share(keys[members], weights[members]))
    return out
