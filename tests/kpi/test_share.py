"""Share-of-shelf KPIs: facings and linear shares, unknowns counted, assortment presence."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import dets
from shelfscan.kpi.share import SHARE_KPIS, share_kpis
from shelfscan.layout import build_layout
from shelfscan.types import CLASS_EMPTY, CLASS_PRICE_TAG, CLASS_PRODUCT, Detections

# one row of five facings (widths 100, 100, 50, 150, 100) plus an empty slot and a tag
BOXES = [
    [0, 0, 100, 200],
    [100, 0, 200, 200],
    [200, 0, 250, 200],
    [250, 0, 400, 200],
    [400, 0, 500, 200],
    [500, 0, 600, 200],
    [0, 200, 40, 220],
]
CLASSES = [CLASS_PRODUCT] * 5 + [CLASS_EMPTY, CLASS_PRICE_TAG]
SKU = ["A1", "A1", "B1", "unknown", "A2", None, None]
BRAND = ["A", "A", "B", "unknown", "A", None, None]
CAT = ["x", "x", "y", "unknown", "x", None, None]


def recognised() -> Detections:
    d = dets(BOXES, CLASSES)
    return d.with_data(
        sku=np.array(SKU, object), brand=np.array(BRAND, object), category=np.array(CAT, object)
    )


@pytest.mark.parametrize(
    ("group", "key", "value"),
    [
        ("facings_per_sku", "A1", 2.0),
        ("facings_per_sku", "unknown", 1.0),  # unknowns are counted, never dropped
        ("facings_per_brand", "A", 3.0),
        ("share_facings_brand", "A", 3 / 5),
        ("share_facings_brand", "unknown", 1 / 5),
        ("share_linear_brand", "A", 300 / 500),  # by summed box width
        ("share_linear_brand", "unknown", 150 / 500),
        ("share_linear_category", "y", 50 / 500),
        ("share_facings_brand_row", "0:B", 1 / 5),  # per shelf row
    ],
)
def test_breakdowns(group: str, key: str, value: float) -> None:
    d, layout = build_layout(recognised(), (600, 400))
    report = share_kpis(d, layout)
    assert report.breakdowns[group][key] == pytest.approx(value)


def test_values_and_shares_sum_to_one() -> None:
    d, layout = build_layout(recognised(), (600, 400))
    report = share_kpis(d, layout)
    assert report["recognized_facings"] == 4 and report["unknown_facings"] == 1
    assert report["unknown_share"] == pytest.approx(0.2)
    assert report["distinct_skus"] == 3
    for group in ("share_facings_brand", "share_linear_brand", "share_linear_category"):
        assert sum(report.breakdowns[group].values()) == pytest.approx(1.0)
    assert "assortment_presence" not in report.values  # no must-have list
    assert set(report.values) | set(report.breakdowns) <= set(SHARE_KPIS)


@pytest.mark.parametrize(
    ("must", "presence", "missing"),
    [
        ({"A1", "B1"}, 1.0, []),  # all present
        ({"A1", "C9"}, 0.5, ["C9"]),  # one missing
        ({"C9", "unknown"}, 0.0, ["C9", "unknown"]),  # unknown facings satisfy nothing
    ],
)
def test_must_have(must: set[str], presence: float, missing: list[str]) -> None:
    d, layout = build_layout(recognised(), (600, 400))
    report = share_kpis(d, layout, must)
    assert report["assortment_presence"] == pytest.approx(presence)
    assert [k for k, v in report.breakdowns["must_have"].items() if v == 0] == missing


def test_no_recognition_no_share_kpis() -> None:
    d, layout = build_layout(dets(BOXES, CLASSES), (600, 400))
    assert share_kpis(d, layout).values == {}


def test_empty_photo() -> None:
    d, layout = build_layout(Detections.empty().with_data(sku=np.zeros(0, object)), (600, 400))
    report = share_kpis(d, layout)
    assert report["unknown_share"] == 0.0 and report.breakdowns["share_facings_brand"] == {}
