"""Planograms: the expected layout of a bay, readers for its file formats, and matchers
that compare it with what a photo shows."""

from __future__ import annotations

from shelfscan.planogram.match import (
    DEFAULT_MATCHER,
    MATCHERS,
    AlignMatcher,
    Matcher,
    SequentialMatcher,
    get_matcher,
    match_planogram,
)
from shelfscan.planogram.model import Planogram, PlanogramShelf, Position, validate
from shelfscan.planogram.readers import FORMATS, planogram_files, read_planograms
from shelfscan.planogram.result import (
    FACING_STATUSES,
    POSITION_STATUSES,
    PlanogramMatch,
    PositionMatch,
)

__all__ = [
    "DEFAULT_MATCHER",
    "FACING_STATUSES",
    "FORMATS",
    "MATCHERS",
    "POSITION_STATUSES",
    "AlignMatcher",
    "Matcher",
    "Planogram",
    "PlanogramMatch",
    "PlanogramShelf",
    "Position",
    "PositionMatch",
    "SequentialMatcher",
    "get_matcher",
    "match_planogram",
    "planogram_files",
    "read_planograms",
    "validate",
]
