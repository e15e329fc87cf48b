"""Scan a bay: photos of one bay, left to right, merged into one set of facings and KPIs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sqlite_utils

from shelfscan.errors import CaptureError
from shelfscan.imaging import load_image
from shelfscan.imaging.stitch import register_bay
from shelfscan.layout.bay import BayResult, build_bay
from shelfscan.pipeline import PhotoOutcome
from shelfscan.store.quality import save_bay


def merge_bay(
    outcomes: Sequence[PhotoOutcome],
    db: sqlite_utils.Database,
    visit_id: str,
    min_gap_facings: float = 0.8,
) -> tuple[int, BayResult]:
    """Register the scanned photos (in the given order), merge their facings, store the bay.

    Photos that failed to scan are left out (with a warning in the result). Each photo's
    own results are already stored, so nothing is lost when the bay cannot be merged.
    """
    done = [o for o in outcomes if o.result is not None and o.photo_id is not None]
    if len(done) < 2:
        raise CaptureError(
            f"a bay needs at least 2 scanned photos, got {len(done)} of {len(outcomes)}"
        )
    if len(done) > 6:
        raise CaptureError(f"a bay takes 2 to 6 photos, got {len(done)}")
    images = [load_image(o.path)[0] for o in done]
    pairs, method = register_bay(images)
    bay = build_bay(
        [o.result.detections for o in done if o.result is not None],
        [(img.shape[1], img.shape[0]) for img in images],
        pairs,
        method,
        min_gap_facings,
    )
    names = [o.path.name for o in done]
    warnings = [
        f"{names[i + 1]} does not overlap {names[i]}: placed after it and counted whole"
        " (retake with about a third of each photo overlapping the previous one)"
        for i, pair in enumerate(pairs)
        if pair is None
    ]
    warnings += [
        f"{o.path.name} failed to scan and is not in the bay" for o in outcomes if o not in done
    ]
    bay = replace(bay, warnings=warnings)
    bay_id = save_bay(db, visit_id, [int(o.photo_id or 0) for o in done], bay)
    return bay_id, bay
