"""Planogram KPIs: compliance, on-shelf availability, facings compliance, share of shelf.

All rates are fractions in [0, 1] over the positions inside the photo (``unseen``
positions are left out). Pure functions over a ``PlanogramMatch``.

- ``planogram_compliance``: positions ``ok`` / positions.
- ``osa``: positions whose SKU is on the shelf (ok, wrong_facings or misplaced) / positions.
- ``oos_rate``: positions ``missing`` / positions (= 1 - osa).
- ``facings_compliance``: sum(min(observed, planned)) / sum(planned) facings.
- ``share_of_shelf_deviation``: half the summed |observed share - target share| of the
  SKUs' facings (0 = exactly the planned split); per SKU (and brand, when known) in the
  breakdowns ``share_of_shelf_sku`` / ``share_of_shelf_target_sku`` (``_brand``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping

from shelfscan.planogram.model import Planogram
from shelfscan.planogram.result import PlanogramMatch, PositionMatch
from shelfscan.types import Detections, KpiReport

AVAILABLE = ("ok", "wrong_facings", "misplaced")


def _rate(num: float, den: float) -> float:
    return float(num / den) if den > 0 else 0.0


def position_kpis(positions: list[PositionMatch]) -> dict[str, float]:
    """Compliance, OSA, OOS and facings compliance over the positions seen."""
    seen = [p for p in positions if p.status != "unseen"]
    counts: Counter[str] = Counter(p.status for p in seen)
    planned = sum(p.expected for p in seen)
    return {
        "planogram_positions": float(len(seen)),
        "planogram_compliance": _rate(counts["ok"], len(seen)),
        "osa": _rate(sum(counts[s] for s in AVAILABLE), len(seen)),
        "oos_rate": _rate(counts["missing"], len(seen)),
        "facings_compliance": _rate(sum(min(p.observed, p.expected) for p in seen), planned),
        "positions_missing": float(counts["missing"]),
        "positions_misplaced": float(counts["misplaced"]),
        "positions_wrong_facings": float(counts["wrong_facings"]),
        "positions_unseen": float(len(positions) - len(seen)),
    }


def _shares(counts: Mapping[str, float]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: _rate(v, total) for k, v in counts.items()}


def share_of_shelf(
    observed: Mapping[str, float], target: Mapping[str, float]
) -> tuple[dict[str, float], dict[str, float], float]:
    """Observed and target shares (by facings) and their total variation distance."""
    obs, tgt = _shares(observed), _shares(target)
    keys = set(obs) | set(tgt)
    deviation = 0.5 * sum(abs(obs.get(k, 0.0) - tgt.get(k, 0.0)) for k in keys)
    return obs, tgt, float(deviation)


def planogram_kpis(match: PlanogramMatch, planogram: Planogram, dets: Detections) -> KpiReport:
    """KPIs of one photo against its planogram, with per-shelf and per-SKU breakdowns."""
    t0 = time.perf_counter()
    positions = list(match.positions)
    seen = [p for p in positions if p.status != "unseen"]
    values = position_kpis(positions)
    breakdowns = {**_shelf_breakdowns(positions), **_sku_breakdowns(seen)}
    if "sku" in dets.data:
        planned = breakdowns["facings_planned_sku"]
        observed = _observed_skus(match, dets)
        breakdowns["facings_observed_sku"] = dict(observed)
        obs, tgt, dev = share_of_shelf(observed, planned)
        values["share_of_shelf_deviation"] = dev
        breakdowns["share_of_shelf_sku"] = obs
        breakdowns["share_of_shelf_target_sku"] = tgt
        brand_of = _brands(match, planogram, dets)
        if brand_of:
            obs_s, tgt_s, dev_b = share_of_shelf(
                _by_brand(observed, brand_of), _by_brand(planned, brand_of)
            )
            values["share_of_shelf_deviation_brand"] = dev_b
            breakdowns["share_of_shelf_brand"] = obs_s
            breakdowns["share_of_shelf_target_brand"] = tgt_s
    values.update({f"facings_{k}": float(v) for k, v in match.facing_counts().items()})
    return KpiReport(values, breakdowns, (time.perf_counter() - t0) * 1000)


def _shelf_breakdowns(positions: list[PositionMatch]) -> dict[str, dict[str, float]]:
    """Compliance and OOS rate per planogram shelf (1-based keys) seen in the photo."""
    shelves = sorted({p.shelf for p in positions if p.status != "unseen"})
    per_shelf = {s: position_kpis([p for p in positions if p.shelf == s]) for s in shelves}
    return {
        "planogram_compliance_shelf": {
            str(s + 1): k["planogram_compliance"] for s, k in per_shelf.items()
        },
        "oos_rate_shelf": {str(s + 1): k["oos_rate"] for s, k in per_shelf.items()},
    }


def _sku_breakdowns(seen: list[PositionMatch]) -> dict[str, dict[str, float]]:
    """Compliance and planned facings per SKU over the positions seen."""
    sku_ok: dict[str, list[bool]] = {}
    planned: Counter[str] = Counter()
    for p in seen:
        sku_ok.setdefault(p.sku, []).append(p.status == "ok")
        planned[p.sku] += p.expected
    return {
        "planogram_compliance_sku": {k: _rate(sum(v), len(v)) for k, v in sku_ok.items()},
        "facings_planned_sku": {k: float(v) for k, v in planned.items()},
    }


def _observed_skus(match: PlanogramMatch, dets: Detections) -> dict[str, float]:
    """Facings per recognised SKU among the boxes the match counts as facings."""
    facing = [i for i, s in enumerate(match.facing_status) if s]
    return {k: float(v) for k, v in Counter(str(dets.data["sku"][i]) for i in facing).items()}


def _brands(match: PlanogramMatch, planogram: Planogram, dets: Detections) -> dict[str, str]:
    """SKU -> brand: the planogram's, else the recognised facings' own."""
    brand_of = {pos.sku: pos.brand for _, _, pos in planogram if pos.brand}
    if "brand" not in dets.data:
        return brand_of
    for i, status in enumerate(match.facing_status):
        sku, brand = str(dets.data["sku"][i]), dets.data["brand"][i]
        if status and brand is not None and str(brand) and sku not in brand_of:
            brand_of[sku] = str(brand)
    return brand_of


def _by_brand(per_sku: Mapping[str, float], brand_of: Mapping[str, str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for sku, n in per_sku.items():
        brand = brand_of.get(sku, "other")
        out[brand] = out.get(brand, 0.0) + n
    return out
