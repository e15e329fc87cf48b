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
    counts = Counter(p.status for p in seen)
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
    values = position_kpis(positions)
    seen_shelves = {p.shelf for p in positions if p.status != "unseen"}
    breakdowns: dict[str, dict[str, float]] = {
        "planogram_compliance_shelf": {
            str(s + 1): position_kpis([p for p in positions if p.shelf == s])[
                "planogram_compliance"
            ]
            for s in sorted(seen_shelves)
        },
        "oos_rate_shelf": {
            str(s + 1): position_kpis([p for p in positions if p.shelf == s])["oos_rate"]
            for s in sorted(seen_shelves)
        },
    }
    seen = [p for p in positions if p.status != "unseen"]
    sku_ok: dict[str, list[bool]] = {}
    for p in seen:
        sku_ok.setdefault(p.sku, []).append(p.status == "ok")
    breakdowns["planogram_compliance_sku"] = {k: _rate(sum(v), len(v)) for k, v in sku_ok.items()}
    planned: Counter[str] = Counter()
    for p in seen:
        planned[p.sku] += p.expected
    breakdowns["facings_planned_sku"] = {k: float(v) for k, v in planned.items()}
    if "sku" in dets.data:
        facing = [i for i, s in enumerate(match.facing_status) if s]
        observed: Counter[str] = Counter(str(dets.data["sku"][i]) for i in facing)
        breakdowns["facings_observed_sku"] = {k: float(v) for k, v in observed.items()}
        obs, tgt, dev = share_of_shelf(observed, planned)
        values["share_of_shelf_deviation"] = dev
        breakdowns["share_of_shelf_sku"] = obs
        breakdowns["share_of_shelf_target_sku"] = tgt
        brand_of = {pos.sku: pos.brand for _, _, pos in planogram if pos.brand}
        if "brand" in dets.data:
            for i in facing:
                sku, brand = str(dets.data["sku"][i]), dets.data["brand"][i]
                if brand is not None and str(brand) and sku not in brand_of:
                    brand_of[sku] = str(brand)
        if brand_of:
            obs_b: Counter[str] = Counter()
            for sku, n in observed.items():
                obs_b[brand_of.get(sku, "other")] += n
            tgt_b: Counter[str] = Counter()
            for sku, n in planned.items():
                tgt_b[brand_of.get(sku, "other")] += n
            obs_s, tgt_s, dev_b = share_of_shelf(obs_b, tgt_b)
            values["share_of_shelf_deviation_brand"] = dev_b
            breakdowns["share_of_shelf_brand"] = obs_s
            breakdowns["share_of_shelf_target_brand"] = tgt_s
    counts = match.facing_counts()
    values.update({f"facings_{k}": float(v) for k, v in counts.items()})
    return KpiReport(values, breakdowns, (time.perf_counter() - t0) * 1000)
