"""The planogram aligner as it was before the slot-major rewrite (issue #18), kept verbatim
as the reference the fast one must equal bit for bit: same DP tables, totals and paths.

Tables here are pair-major: D is (P, E+1, O+1) and ``sub`` (P, E, O).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shelfscan.planogram.align import (
    DELETE,
    GAP,
    INSERT,
    LEAD,
    MATCH,
    TRAIL,
    UNKNOWN,
    WILDCARD,
    Costs,
    Expected,
    Observed,
)

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741


def substitution_costs(exp: Expected, obs: Observed, costs: Costs, scale: F | None = None) -> F:
    """(E, O) cost of aligning slot i with token j.

    ``scale`` (E,) is pixels per mm for each slot; by default the row's median facing
    width over the shelf's median planned width.
    """
    e, o = exp.codes[:, None], obs.codes[None, :]
    same = e == o  # slots are SKU codes (>= 0): only SKU tokens can equal them
    sub = np.where(same, 0.0, costs.substitute)
    wild, unknown, gap = obs.codes == WILDCARD, obs.codes == UNKNOWN, obs.codes == GAP
    sub[:, wild] = 0.0
    sub[:, unknown] = costs.match_unknown
    sub[:, gap] = costs.gap_slot
    facing = ~gap
    known = ~np.isnan(exp.widths)
    if costs.width > 0 and facing.any() and known.any():
        if scale is None:
            ratio_px = float(np.median(obs.widths[facing])) / float(np.median(exp.widths[known]))
            scale = np.full(len(exp.codes), ratio_px)
        den = np.maximum(scale * exp.widths, 1e-6)

        def penalty(ratio: F) -> F:
            pen: F = costs.width * np.minimum(np.abs(np.log(np.maximum(ratio, 1e-6))), 1.0)
            return np.where(np.isnan(pen), 0.0, pen)

        # the width penalty counts where the slot's SKU may be the token's: a matching,
        # unrecognised or unknown token in full; gap widths are estimates (a gap is cut
        # into facing-sized tokens): half weight; computed only there (same values)
        full = np.flatnonzero(wild | unknown)
        sub[:, full] += penalty(obs.widths[full][None, :] / den[:, None])
        half = np.flatnonzero(gap)
        sub[:, half] += 0.5 * penalty(obs.widths[half][None, :] / den[:, None])
        ii, jj = np.nonzero(same)
        sub[ii, jj] += penalty(obs.widths[jj] / den[ii])
    return sub


@dataclass(frozen=True)
class Batch:
    """Padded cost tensors of P (shelf, row) pairs."""

    sub: F  # (P, E, O)
    ins: F  # (P, O)
    lead: F  # (P, E) cost of deleting slot i before any token is used
    dele: F  # (P, E)
    trail: F  # (P, E) cost of deleting slot i after every token is used
    n_exp: I  # (P,)
    n_obs: I  # (P,)


def build_batch(shelves: list[Expected], rows: list[Observed], costs: Costs) -> Batch:
    """Cost tensors of every (row, shelf) pair, row-major: pair k = row * len(shelves) + shelf.

    Substitution costs are computed once per row against all shelves' slots together.
    """
    n_s = len(shelves)
    p = len(rows) * n_s
    e_max = max((len(e.codes) for e in shelves), default=0)
    o_max = max((len(o.codes) for o in rows), default=0)
    sub = np.full((p, e_max, o_max), costs.substitute)
    ins = np.zeros((p, o_max))
    lead = np.full((p, e_max), costs.delete)
    dele = np.full((p, e_max), costs.delete)
    trail = np.full((p, e_max), costs.delete)
    sizes = [len(e.codes) for e in shelves]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    every = Expected(
        np.concatenate([e.codes for e in shelves]) if shelves else np.zeros(0, np.int64),
        np.concatenate([e.widths for e in shelves]) if shelves else np.zeros(0),
        np.concatenate([e.position for e in shelves]) if shelves else np.zeros(0, np.int64),
    )
    shelf_median = np.array(
        [
            float(np.median(e.widths[~np.isnan(e.widths)]))
            if (~np.isnan(e.widths)).any()
            else np.nan
            for e in shelves
        ]
    )
    for r, obs in enumerate(rows):
        no = len(obs.codes)
        rows_k = slice(r * n_s, (r + 1) * n_s)
        gap_cost = np.where(obs.end_gaps, costs.insert_end_gap, costs.insert_gap)
        ins[rows_k, :no] = np.where(obs.codes == GAP, gap_cost, costs.insert_facing)
        if obs.open_left:
            lead[rows_k] = costs.unseen
        if obs.open_right:
            trail[rows_k] = costs.unseen
        facing = obs.codes != GAP
        if not no or not len(every.codes):
            continue
        row_median = float(np.median(obs.widths[facing])) if facing.any() else np.nan
        scale = np.repeat(row_median / shelf_median, sizes)
        all_sub = substitution_costs(every, obs, costs, scale)
        for s in range(n_s):
            sub[r * n_s + s, : sizes[s], :no] = all_sub[offsets[s] : offsets[s + 1]]
    n_exp = np.tile(np.array(sizes, dtype=np.int64), len(rows))
    n_obs = np.repeat(np.array([len(o.codes) for o in rows], dtype=np.int64), n_s)
    return Batch(sub, ins, lead, dele, trail, n_exp, n_obs)


def run_dp(batch: Batch) -> tuple[F, F, I]:
    """Fill the DP tables of every pair.

    Returns:
        D: (P, E+1, O+1) cumulative costs.
        total: (P,) best cost per pair, trailing deletions included.
        end: (P,) the slot count consumed before the trailing deletions.
    """
    p, e_max, o_max = batch.sub.shape
    cumins = np.zeros((p, o_max + 1))
    cumins[:, 1:] = np.cumsum(batch.ins, axis=1)
    d = np.zeros((p, e_max + 1, o_max + 1))
    d[:, 0, :] = cumins
    t = np.empty((p, o_max + 1))  # buffers reused by every DP row (same arithmetic)
    diag = np.empty((p, o_max))
    down = np.empty((p, o_max))
    for i in range(1, e_max + 1):
        prev = d[:, i - 1, :]
        np.add(prev[:, 0], batch.lead[:, i - 1], out=t[:, 0])
        np.add(prev[:, :-1], batch.sub[:, i - 1, :], out=diag)
        np.add(prev[:, 1:], batch.dele[:, i - 1, None], out=down)
        np.minimum(diag, down, out=t[:, 1:])
        np.subtract(t, cumins, out=t)
        np.minimum.accumulate(t, axis=1, out=t)
        np.add(cumins, t, out=d[:, i, :])
    rows = np.arange(p)
    last = d[rows, :, batch.n_obs]  # (P, E+1): cost with every token used, i slots consumed
    # trailing deletions of slots i..n_exp-1
    trail = np.zeros((p, e_max + 1))
    trail[:, :-1] = np.cumsum(batch.trail[:, ::-1], axis=1)[:, ::-1]
    over = np.arange(e_max + 1)[None, :] > batch.n_exp[:, None]
    trail_to_end = trail - np.take_along_axis(trail, batch.n_exp[:, None], axis=1)
    cand = np.where(over, np.inf, last + trail_to_end)
    end = np.argmin(cand, axis=1).astype(np.int64)
    return d, cand[rows, end], end


def traceback(batch: Batch, d: F, k: int, end: int) -> list[tuple[str, int, int]]:
    """Operations of pair ``k``'s best alignment, left to right."""
    ops: list[tuple[str, int, int]] = []
    i, j = end, int(batch.n_obs[k])
    # read along the path only (numpy float64 scalars: the same arithmetic as floats);
    # converting the whole (E+1, O+1) tables to lists cost more than the walk
    dk = d[k]
    sub = batch.sub[k]
    lead = batch.lead[k]
    dele = batch.dele[k]

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))

    while i > 0 or j > 0:
        here = dk[i, j]
        if i > 0 and j > 0 and close(here, dk[i - 1, j - 1] + sub[i - 1, j - 1]):
            ops.append((MATCH, i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i > 0 and j == 0 and close(here, dk[i - 1, 0] + lead[i - 1]):
            ops.append((LEAD, i - 1, -1))
            i -= 1
        elif i > 0 and j > 0 and close(here, dk[i - 1, j] + dele[i - 1]):
            ops.append((DELETE, i - 1, -1))
            i -= 1
        else:
            ops.append((INSERT, -1, j - 1))
            j -= 1
    ops.reverse()
    return ops + [(TRAIL, i, -1) for i in range(end, int(batch.n_exp[k]))]
