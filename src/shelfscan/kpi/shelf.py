"""Shelf KPIs that need no catalog and no planogram: facings, gaps, empty share."""

from __future__ import annotations

import time

from shelfscan.types import Detections, KpiReport, ShelfLayout


def shelf_kpis(dets: Detections, layout: ShelfLayout) -> KpiReport:
    """Facings per row and in total, number and width of gaps, share of empty shelf.

    ``empty_shelf_share`` is linear: gap width / (gap width + facing width), summed over rows.
    Only confident gaps count (``layout.gaps``); ``weak_gaps`` counts the candidates the
    layout found too little evidence for, and ``bays`` the bays the rows were found in.
    """
    t0 = time.perf_counter()
    gap_width = sum(g.width for g in layout.gaps)
    facing_width = sum(float(dets.width[list(r.facing_ids)].sum()) for r in layout.rows)
    shelf_width = gap_width + facing_width
    values = {
        "facings": float(layout.facings),
        "rows": float(len(layout.rows)),
        "gaps": float(len(layout.gaps)),
        "gap_width_px": float(gap_width),
        "gap_width_facings": float(sum(g.width_facings for g in layout.gaps)),
        "empty_shelf_share": float(gap_width / shelf_width) if shelf_width > 0 else 0.0,
        "weak_gaps": float(len(layout.weak_gaps)),
        "bays": float(len(layout.bays)),
    }
    breakdowns = {
        "facings_per_row": {str(r.index): float(r.facings) for r in layout.rows},
        "gaps_per_row": {
            str(r.index): float(sum(1 for g in layout.gaps if g.row == r.index))
            for r in layout.rows
        },
    }
    return KpiReport(values, breakdowns, (time.perf_counter() - t0) * 1000)
