"""Planograms at scale: a cheap shortlist before aligning, bounded gap tokens."""

from __future__ import annotations

import time

import numpy as np

from bay_builders import PLAN, edited, shoot
from shelfscan.layout import build_layout
from shelfscan.planogram import Planogram, get_matcher
from shelfscan.planogram.analysis import MAX_CANDIDATES, PlanogramAnalysis, shortlist
from shelfscan.planogram.observe import MAX_GAP_TOKENS, observe
from shelfscan.planogram.synthetic import build_bay, perturb, photograph, random_planogram
from shelfscan.types import Gap


def _decoy(i: int) -> Planogram:
    return Planogram.from_blocks(f"D{i}", [[(f"Z{i}a", 5, 80.0)], [(f"Z{i}b", 8, 60.0)]])


def test_shortlist_keeps_the_planogram_sharing_the_skus() -> None:
    dets, layout, _ = shoot(edited(PLAN))
    many = [_decoy(i) for i in range(8)] + [PLAN] + [_decoy(i) for i in range(8, 12)]
    short = shortlist(many, dets, layout)
    assert len(short) == MAX_CANDIDATES and short[0].id == PLAN.id
    match, _ = PlanogramAnalysis(many)(dets, layout)
    assert match.planogram_id == PLAN.id


def test_a_sliver_next_to_a_wide_gap_gives_bounded_tokens() -> None:
    # a 2-pixel-wide box beside a 600-pixel gap once cut the gap into 300 tokens per
    # pixel of width; now the unit is at least half a typical facing, and capped
    dets, layout, _ = shoot(edited(PLAN))
    row = layout.rows[0]
    first = row.facing_ids[0]
    xyxy = dets.xyxy.copy()
    xyxy[first, 2] = xyxy[first, 0] + 2
    dets = dets.with_boxes(xyxy)
    x = float(xyxy[first, 2])
    gap = Gap(row.index, (x, row.y_top, x + 600.0, row.y_bottom), 600.0 / row.typical_width)
    wide = type(layout)(layout.rows, (*layout.gaps, gap), layout.image_size)
    tokens = observe(dets, wide, {})
    assert len(tokens[0].observed.codes) <= row.facings + MAX_GAP_TOKENS + 2 * len(layout.gaps)


def test_2000_facings_match_without_memory_error() -> None:
    rng = np.random.default_rng(0)
    catalog = [(f"S{i:04d}", float(rng.uniform(45, 200))) for i in range(400)]
    plan = random_planogram(rng, catalog, 6, 2000 // 6)
    competitors = [(f"X{i}", float(rng.uniform(45, 200))) for i in range(10)]
    photo = photograph(perturb(build_bay(plan), rng, 6, competitors), rng)
    dets, layout = build_layout(photo.detections, photo.image_size)
    c0 = time.process_time()
    match = get_matcher("align")(plan, dets, layout)
    assert time.process_time() - c0 < 10  # seconds of CPU; it was unbounded
    assert match.planogram_id == plan.id
