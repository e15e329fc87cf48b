"""The slot-major aligner gives the same numbers as the reference (pre-rewrite) aligner:
bit-identical DP tables where they are read, totals, end slots and paths, on bays with
and without SKUs, whole and cut by the frame, small to 1,280 facings."""

from __future__ import annotations

import numpy as np
import pytest

import align_reference as ref
from shelfscan.layout import build_layout
from shelfscan.planogram import align
from shelfscan.planogram.match import AlignMatcher, expected_shelves
from shelfscan.planogram.observe import observe
from shelfscan.planogram.synthetic import build_bay, perturb, photograph, random_planogram
from shelfscan.types import Detections

RNG = np.random.default_rng(0)
CATALOG = [(f"S{i:04d}", float(RNG.uniform(45, 200))) for i in range(400)]
COMPETITORS = [(f"X{i}", float(RNG.uniform(45, 200))) for i in range(10)]
WHOLE, LEFT, RIGHT, TOP = (0, 0, 1, 1), (0, 0, 0.7, 1), (0.3, 0, 1, 1), (0, 0, 1, 0.75)


def _pairs(
    seed: int, shelves: int, facings: int, crop: tuple[float, ...], with_sku: bool
) -> tuple[list[align.Expected], list[align.Observed]]:
    rng = np.random.default_rng(seed)
    plan = random_planogram(rng, CATALOG, shelves, facings // shelves)
    photo = photograph(perturb(build_bay(plan), rng, 6, COMPETITORS), rng, crop=crop)
    dets = photo.detections
    if not with_sku:
        dets = Detections(dets.xyxy, dets.confidence, dets.class_id, {})
    dets, layout = build_layout(dets, photo.image_size)
    vocab = {sku: i for i, sku in enumerate(plan.skus())}
    return expected_shelves(plan, vocab), [r.observed for r in observe(dets, layout, vocab)]


@pytest.mark.parametrize(
    ("seed", "shelves", "facings", "crop", "with_sku"),
    [
        (0, 3, 24, WHOLE, True),  # small bay, SKUs recognised
        (1, 3, 24, WHOLE, False),  # positions and gaps only
        (2, 6, 150, LEFT, True),  # the bay continues past the right edge
        (3, 6, 150, RIGHT, False),  # ... past the left edge, no SKUs
        (4, 6, 150, TOP, True),  # bottom shelves out of the photo
        (5, 5, 125, WHOLE, True),
        (6, 6, 600, RIGHT, True),
        (7, 6, 1280, WHOLE, True),  # the scale bar's case
        (8, 6, 1280, WHOLE, False),
    ],
)
def test_same_tables_totals_and_paths_as_the_reference(
    seed: int, shelves: int, facings: int, crop: tuple[float, ...], with_sku: bool
) -> None:
    exp, obs = _pairs(seed, shelves, facings, crop, with_sku)
    costs = AlignMatcher().costs
    fast, slow = align.build_batch(exp, obs, costs), ref.build_batch(exp, obs, costs)
    d, total, end = align.run_dp(fast)
    d_ref, total_ref, end_ref = ref.run_dp(slow)
    assert np.array_equal(total, total_ref)  # exact, not approximate
    assert np.array_equal(end, end_ref)
    for k in range(len(total)):
        n_e, n_o = int(fast.n_exp[k]), int(fast.n_obs[k])
        assert np.array_equal(fast.sub[:n_e, k, :n_o], slow.sub[k, :n_e, :n_o]), k
        assert np.array_equal(d[: n_e + 1, k, : n_o + 1], d_ref[k, : n_e + 1, : n_o + 1]), k
        assert align.traceback(fast, d, k, int(end[k])) == ref.traceback(
            slow, d_ref, k, int(end_ref[k])
        )


@pytest.mark.parametrize(
    ("width", "codes"),
    [
        (0.6, [3, -1, -2, -4, -3, 0]),  # every token kind, width penalty on
        (0.0, [3, -1, -2, -4, -3, 0]),  # width penalty off
        (0.6, [-4, -4]),  # a row of gaps only: no facing width to scale by
        (0.6, [5, 5, 5]),  # a SKU planned on several shelves
    ],
)
def test_substitution_costs_equal_the_elementwise_formula(width: float, codes: list[int]) -> None:
    rng = np.random.default_rng(len(codes))
    exp = [
        align.Expected(np.array(c), np.array(w), np.arange(len(c)))
        for c, w in (([3, 3, 5, 0], [60.0, 60.0, np.nan, 80.0]), ([5, 1], [90.0, 45.0]))
    ]
    obs = [align.Observed(np.array(codes), rng.uniform(20, 200, len(codes)), True, False)]
    costs = align.Costs(width=width)
    fast, slow = align.build_batch(exp, obs, costs), ref.build_batch(exp, obs, costs)
    for k, e in enumerate(exp):
        n = len(e.codes)
        assert np.array_equal(fast.sub[:n, k, :], slow.sub[k, :n, :])
