"""``PlanogramAnalysis``: the planogram stage, matching each photo with its planogram.

Pure: planograms in (the composition root reads them from the store), the best match and
the planogram it came from out; the KPIs are the KPI stage's (``kpi.planogram``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shelfscan.errors import PlanogramError
from shelfscan.planogram.match import DEFAULT_MATCHER, get_matcher
from shelfscan.planogram.model import Planogram
from shelfscan.planogram.observe import UNKNOWN_SKUS
from shelfscan.planogram.result import PlanogramMatch
from shelfscan.types import Detections, ShelfLayout

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


def _normalised_cost(match: PlanogramMatch, planogram: Planogram) -> float:
    return match.cost / max(1, planogram.facings + sum(1 for s in match.facing_status if s))


@dataclass
class PlanogramAnalysis:
    """Match against the one planogram given, or the best-fitting of several (lowest
    alignment cost per facing); ``planogram_id`` forces one of them."""

    planograms: list[Planogram]
    matcher: str = DEFAULT_MATCHER
    _by_id: dict[str, Planogram] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.planograms:
            raise PlanogramError("PlanogramAnalysis needs at least one planogram")
        get_matcher(self.matcher)  # fail early on a bad name
        self._by_id = {p.id: p for p in self.planograms}

    def __call__(
        self, dets: Detections, layout: ShelfLayout, planogram_id: str | None = None
    ) -> tuple[PlanogramMatch, Planogram]:
        matcher = get_matcher(self.matcher)
        if planogram_id is not None and planogram_id not in self._by_id:
            raise PlanogramError(
                f"planogram {planogram_id!r} is not among {', '.join(self._by_id)}"
            )
        candidates = (
            [self._by_id[planogram_id]]
            if planogram_id
            else shortlist(self.planograms, dets, layout)
        )
        best: tuple[float, PlanogramMatch, Planogram] | None = None
        for planogram in candidates:
            match = matcher(planogram, dets, layout)
            score = _normalised_cost(match, planogram)
            if best is None or score < best[0]:
                best = (score, match, planogram)
        if best is None:
            raise PlanogramError("no planogram to match")
        return best[1], best[2]
