"""``PlanogramAnalysis``: the pipeline stage that matches each photo with its planogram.

It implements ``shelfscan.pipeline.Analysis`` (name ``"planogram"``): the match goes to
``ScanResult.extras["planogram"]`` and its KPIs into the photo's KPI report. This module
is pipeline glue, so it also calls the KPI stage and (in ``analysis_for_visit``) reads the
store; the matchers themselves stay pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import sqlite_utils

from shelfscan.errors import PlanogramError
from shelfscan.kpi.planogram import planogram_kpis
from shelfscan.planogram.match import DEFAULT_MATCHER, get_matcher
from shelfscan.planogram.model import Planogram
from shelfscan.planogram.observe import UNKNOWN_SKUS
from shelfscan.planogram.result import PlanogramMatch
from shelfscan.store.planogram import get_planogram, planograms_for_visit
from shelfscan.types import Detections, KpiReport, ShelfLayout

MAX_CANDIDATES = 3  # planograms aligned per photo, after the cheap shortlist


def shortlist(
    planograms: list[Planogram], dets: Detections, layout: ShelfLayout, keep: int = MAX_CANDIDATES
) -> list[Planogram]:
    """The planograms worth aligning, best first: most recognised SKUs in common (share
    of the photo's recognised facings whose SKU the planogram lists), then the closest
    facing and shelf counts. O(facings + positions) each, against the alignment's
    O(facings^2); a store's many bays thus cost the alignment of ``keep``."""
    if len(planograms) <= keep:
        return planograms
    skus = dets.data.get("sku")
    seen = [str(s) for s in skus if str(s).lower() not in UNKNOWN_SKUS] if skus is not None else []
    rows, facings = len(layout.rows), layout.facings

    def rank(p: Planogram) -> tuple[float, int, int]:
        listed = set(p.skus())
        shared = sum(1 for s in seen if s in listed) / len(seen) if seen else 0.0
        return (-shared, abs(p.facings - facings), abs(len(p.shelves) - rows))

    return sorted(planograms, key=rank)[:keep]


def _normalised_cost(match: PlanogramMatch, planogram: Planogram, dets: Detections) -> float:
    return match.cost / max(1, planogram.facings + sum(1 for s in match.facing_status if s))


@dataclass
class PlanogramAnalysis:
    """Match against the one planogram given, or the best-fitting of several (lowest
    alignment cost per facing); ``context["planogram_id"]`` forces one."""

    planograms: list[Planogram]
    matcher: str = DEFAULT_MATCHER
    name: str = "planogram"
    needs_image: ClassVar[bool] = False  # matches boxes and SKUs, never pixels
    _by_id: dict[str, Planogram] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.planograms:
            raise PlanogramError("PlanogramAnalysis needs at least one planogram")
        get_matcher(self.matcher)  # fail early on a bad name
        self._by_id = {p.id: p for p in self.planograms}

    def __call__(
        self,
        image: npt.NDArray[np.uint8],
        dets: Detections,
        layout: ShelfLayout,
        context: dict[str, Any],
    ) -> tuple[PlanogramMatch, KpiReport]:
        matcher = get_matcher(self.matcher)
        wanted = context.get("planogram_id")
        if wanted is not None and wanted not in self._by_id:
            raise PlanogramError(f"planogram {wanted!r} is not among {', '.join(self._by_id)}")
        candidates = [self._by_id[wanted]] if wanted else shortlist(self.planograms, dets, layout)
        best: tuple[float, PlanogramMatch, Planogram] | None = None
        for planogram in candidates:
            match = matcher(planogram, dets, layout)
            score = _normalised_cost(match, planogram, dets)
            if best is None or score < best[0]:
                best = (score, match, planogram)
        if best is None:
            raise PlanogramError("no planogram to match")
        return best[1], planogram_kpis(best[1], best[2], dets)


def analysis_for_visit(
    db: sqlite_utils.Database,
    visit_id: str,
    planogram_id: str | None = None,
    matcher: str = DEFAULT_MATCHER,
) -> PlanogramAnalysis | None:
    """The analysis for a scan: ``planogram_id`` if given, else the planograms of the
    visit's store (directly or through its groups); None when there is none."""
    if planogram_id:
        return PlanogramAnalysis([get_planogram(db, planogram_id)], matcher)
    planograms = planograms_for_visit(db, visit_id)
    return PlanogramAnalysis(planograms, matcher) if planograms else None
