"""Visit KPIs from per-photo KPIs: counts are summed and every rate or share is
recomputed from the sums, never averaged over photos.

- facings, rows, gaps, gap widths, recognised/unknown facings, facings by planogram
  status: sums.
- ``empty_shelf_share``: summed gap width / (summed gap width + summed facing width).
- ``unknown_share``: summed unknown / summed facings with a SKU label.
- ``distinct_skus``: SKUs seen in any photo.
- must-have presence: a must-have SKU counts as present when any photo shows it.
- share of shelf by brand and category, by facings and by width: from the summed
  facings (and widths) per brand or category.
- planogram compliance, OSA, OOS, facings compliance: pooled over every position of
  every photo; share of shelf vs plan by brand and SKU from summed planned and observed
  facings.

Pure functions over plain mappings; the report module reads them from the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shelfscan.kpi.planogram import position_kpis, share_of_shelf
from shelfscan.planogram.result import PositionMatch

UNKNOWN = "unknown"
SUMMED = (
    "facings",
    "rows",
    "gaps",
    "gap_width_px",
    "gap_width_facings",
    "recognized_facings",
    "unknown_facings",
    "facings_expected",
    "facings_misplaced",
    "facings_unexpected",
    "facings_unknown",
)


@dataclass(frozen=True)
class PhotoFigures:
    """One counted photo: its stored KPIs and the widths the rates need.

    ``facing_width_px``: summed width of the facings on its rows (empty share);
    ``product_width_px``: summed width of every product box (linear share of shelf).
    """

    values: Mapping[str, float]
    breakdowns: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    facing_width_px: float = 0.0
    product_width_px: float = 0.0


def _rate(num: float, den: float) -> float:
    return float(num / den) if den > 0 else 0.0


def _normalise(counts: Mapping[str, float]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: _rate(v, total) for k, v in sorted(counts.items())} if total > 0 else {}


def _scaled_sum(
    photos: Sequence[PhotoFigures], key: str, weight: dict[int, float]
) -> dict[str, float]:
    """Sum of ``breakdowns[key]`` shares times each photo's total weight."""
    out: dict[str, float] = {}
    for i, p in enumerate(photos):
        for k, share in p.breakdowns.get(key, {}).items():
            out[k] = out.get(k, 0.0) + share * weight[i]
    return out


def visit_figures(
    photos: Sequence[PhotoFigures], positions: Sequence[PositionMatch] = ()
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Visit values and breakdowns from the counted photos (duplicates left out by the
    caller) and the planogram positions of those photos."""
    values: dict[str, float] = {"photos": float(len(photos))}
    breakdowns: dict[str, dict[str, float]] = {}
    for name in SUMMED:
        if any(name in p.values for p in photos):
            values[name] = float(sum(p.values.get(name, 0.0) for p in photos))
    if "gap_width_px" in values:
        shelf = values["gap_width_px"] + sum(p.facing_width_px for p in photos)
        values["empty_shelf_share"] = _rate(values["gap_width_px"], shelf)
    _recognition(photos, values, breakdowns)
    _must_have(photos, values, breakdowns)
    if positions:
        values.update(position_kpis(list(positions)))
        _plan_shares(photos, values, breakdowns)
    return values, breakdowns


def _recognition(
    photos: Sequence[PhotoFigures],
    values: dict[str, float],
    breakdowns: dict[str, dict[str, float]],
) -> None:
    if "recognized_facings" not in values:
        return
    labelled = values["recognized_facings"] + values.get("unknown_facings", 0.0)
    values["unknown_share"] = _rate(values.get("unknown_facings", 0.0), labelled)
    for key in ("facings_per_sku", "facings_per_brand"):
        summed: Counter[str] = Counter()
        for p in photos:
            summed.update(p.breakdowns.get(key, {}))
        if summed:
            breakdowns[key] = {k: float(v) for k, v in sorted(summed.items())}
    skus = breakdowns.get("facings_per_sku", {})
    values["distinct_skus"] = float(len(set(skus) - {UNKNOWN}))
    n_products = {
        i: p.values.get("recognized_facings", 0.0) + p.values.get("unknown_facings", 0.0)
        for i, p in enumerate(photos)
    }
    widths = {i: p.product_width_px for i, p in enumerate(photos)}
    for dim in ("brand", "category"):
        counts = _scaled_sum(photos, f"share_facings_{dim}", n_products)
        facing = _normalise(counts)
        if facing:
            breakdowns[f"share_facings_{dim}"] = facing
            breakdowns.setdefault(
                f"facings_per_{dim}", {k: float(round(v)) for k, v in sorted(counts.items())}
            )
        linear = _normalise(_scaled_sum(photos, f"share_linear_{dim}", widths))
        if linear:
            breakdowns[f"share_linear_{dim}"] = linear


def _must_have(
    photos: Sequence[PhotoFigures],
    values: dict[str, float],
    breakdowns: dict[str, dict[str, float]],
) -> None:
    present: dict[str, float] = {}
    for p in photos:
        for sku, seen in p.breakdowns.get("must_have", {}).items():
            present[sku] = max(present.get(sku, 0.0), float(seen > 0))
    if not present:
        return
    values["must_have_total"] = float(len(present))
    values["must_have_present"] = float(sum(present.values()))
    values["assortment_presence"] = values["must_have_present"] / len(present)
    breakdowns["must_have"] = dict(sorted(present.items()))


def _plan_shares(
    photos: Sequence[PhotoFigures],
    values: dict[str, float],
    breakdowns: dict[str, dict[str, float]],
) -> None:
    planned: Counter[str] = Counter()
    observed: Counter[str] = Counter()
    for p in photos:
        planned.update(p.breakdowns.get("facings_planned_sku", {}))
        observed.update(p.breakdowns.get("facings_observed_sku", {}))
    if not observed and not planned:
        return
    obs, tgt, dev = share_of_shelf(observed, planned)
    values["share_of_shelf_deviation"] = dev
    breakdowns["share_of_shelf_sku"] = dict(sorted(obs.items()))
    breakdowns["share_of_shelf_target_sku"] = dict(sorted(tgt.items()))
    obs_w = {
        i: sum(p.breakdowns.get("facings_observed_sku", {}).values()) for i, p in enumerate(photos)
    }
    tgt_w = {
        i: sum(p.breakdowns.get("facings_planned_sku", {}).values()) for i, p in enumerate(photos)
    }
    obs_b = _scaled_sum(photos, "share_of_shelf_brand", obs_w)
    tgt_b = _scaled_sum(photos, "share_of_shelf_target_brand", tgt_w)
    if obs_b or tgt_b:
        obs_s, tgt_s, dev_b = share_of_shelf(obs_b, tgt_b)
        values["share_of_shelf_deviation_brand"] = dev_b
        breakdowns["share_of_shelf_brand"] = dict(sorted(obs_s.items()))
        breakdowns["share_of_shelf_target_brand"] = dict(sorted(tgt_s.items()))
