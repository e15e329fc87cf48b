"""Needleman-Wunsch-style alignment of planogram facing slots with an observed shelf row.

Pure numpy. Many (shelf, row) pairs are aligned in one batch: every DP row is a few
vectorised operations over all pairs at once, and the left-to-right insertion chain is a
running minimum (``np.minimum.accumulate``), so a 6-shelf, 150-facing bay costs a few ms.

Token codes shared by the slots and the observed tokens:
    >= 0      a planogram SKU (index into the matcher's SKU vocabulary)
    WILDCARD  a facing whose SKU was not recognised at all (no ``sku`` column)
    UNKNOWN   a facing the recogniser could not identify (``sku`` = "unknown" or empty)
    FOREIGN   a recognised SKU that is not in the planogram (e.g. a competitor)
    GAP       one facing-width of empty shelf
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

WILDCARD, UNKNOWN, FOREIGN, GAP = -1, -2, -3, -4

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741


@dataclass(frozen=True)
class Costs:
    """Edit costs; defaults tuned on synthetic bays (see scripts/eval_planogram.py)."""

    match_unknown: float = 0.5  # a slot filled by a facing the recogniser could not name
    substitute: float = 1.6  # a slot filled by another SKU (below delete + insert_facing)
    gap_slot: float = 0.3  # a slot whose place is empty shelf: the slot is missing
    delete: float = 1.0  # a slot with nothing observed at its place
    insert_facing: float = 1.0  # an observed facing that has no slot
    insert_gap: float = 0.4  # empty shelf that has no slot (wider spacing than planned)
    insert_end_gap: float = 0.1  # empty shelf past the row's planned ends (a wider bay)
    unseen: float = 0.7  # a slot beyond an image edge that cuts the row (below delete)
    width: float = 0.6  # weight of |log(observed width / planned width)|, capped at 1


@dataclass(frozen=True)
class Observed:
    """One observed row as tokens, left to right."""

    codes: I  # (O,) token codes
    widths: F  # (O,) token widths in pixels
    open_left: bool = False  # the bay continues past the image's left edge
    open_right: bool = False

    @property
    def end_gaps(self) -> npt.NDArray[np.bool_]:
        """(O,) gap tokens before the first facing or after the last one."""
        facing = np.flatnonzero(self.codes != GAP)
        idx = np.arange(len(self.codes))
        if len(facing) == 0:
            return np.ones(len(self.codes), dtype=bool)
        ends: npt.NDArray[np.bool_] = (idx < facing[0]) | (idx > facing[-1])
        return ends


@dataclass(frozen=True)
class Expected:
    """One planogram shelf as facing slots, left to right."""

    codes: I  # (E,) SKU codes
    widths: F  # (E,) planned facing widths in mm, NaN where unknown
    position: I  # (E,) index of the position each slot belongs to


def penalty(ratio: F, weight: float) -> F:
    """``weight`` x |log(observed / planned width)|, capped at ``weight``; 0 where unknown."""
    pen: F = weight * np.minimum(np.abs(np.log(np.maximum(ratio, 1e-6))), 1.0)
    out: F = np.where(np.isnan(pen), 0.0, pen)
    return out


def substitution_costs(
    codes: I, den: F, obs: Observed, costs: Costs, with_width: bool, out: F
) -> None:
    """Write into ``out`` (..., O) the cost of aligning each slot with each token.

    ``codes`` and ``den`` (...) are the slots' SKU codes and planned widths in pixels
    (scale x width in mm, at least 1e-6; NaN where unknown); padding slots have a code no
    token has. A slot costs ``substitute`` against another SKU, 0 against its own SKU or
    an unrecognised facing, ``match_unknown`` against an unknown one, ``gap_slot`` against
    a gap; plus, with ``with_width``, the width penalty where the slot's SKU may be the
    token's (its own SKU, unrecognised or unknown facings) and half of it against a gap
    (gap widths are estimates: a gap is cut into facing-sized tokens).

    The penalty is computed once per distinct planned width (slots of one position share
    theirs) and for the same-SKU pairs only; the values are those of the elementwise
    formula.
    """
    tok = obs.codes
    wild, unknown, gap = tok == WILDCARD, tok == UNKNOWN, tok == GAP
    base = np.full(len(tok), costs.substitute)
    base[wild] = 0.0
    base[unknown] = costs.match_unknown
    base[gap] = costs.gap_slot
    out[...] = base
    if not with_width:
        _same_sku(codes, obs, out, None)
        return
    cols = np.flatnonzero(wild | unknown | gap)
    if len(cols):
        uniq, inv = np.unique(den, return_inverse=True)
        pen = penalty(obs.widths[cols][None, :] / uniq[:, None], costs.width)
        pen[:, gap[cols]] *= 0.5
        vals = base[cols] + pen
        if len(cols) == len(tok):
            out[...] = vals[inv.reshape(den.shape)]
        else:
            out[..., cols] = vals[inv.reshape(den.shape)]
    _same_sku(codes, obs, out, (den, costs.width))


def _same_sku(codes: I, obs: Observed, out: F, width: tuple[F, float] | None) -> None:
    """Set the (slot, token) pairs of one SKU to 0, plus the width penalty if given."""
    flat = codes.ravel()
    order = np.argsort(flat, kind="stable")
    ranked = flat[order]
    tok = np.flatnonzero(obs.codes >= 0)
    lo = np.searchsorted(ranked, obs.codes[tok], side="left")
    count = np.searchsorted(ranked, obs.codes[tok], side="right") - lo
    if not count.sum():
        return
    jj = np.repeat(tok, count)
    first = np.repeat(lo - (np.cumsum(count) - count), count)
    slot = order[first + np.arange(int(count.sum()))]
    where = (*np.unravel_index(slot, codes.shape), jj)
    if width is None:
        out[where] = 0.0
    else:
        den, weight = width
        out[where] = penalty(obs.widths[jj] / den.ravel()[slot], weight)


@dataclass(frozen=True)
class Batch:
    """Padded cost tensors of P (shelf, row) pairs."""

    sub: F  # (E, P, O), slot-major: DP row i of every pair is one contiguous block
    ins: F  # (P, O)
    lead: F  # (P, E) cost of deleting slot i before any token is used
    dele: F  # (P, E)
    trail: F  # (P, E) cost of deleting slot i after every token is used
    n_exp: I  # (P,)
    n_obs: I  # (P,)


PAD = -(1 << 40)  # code of a padding slot: equals no token


def build_batch(shelves: list[Expected], rows: list[Observed], costs: Costs) -> Batch:
    """Cost tensors of every (row, shelf) pair, row-major: pair k = row * len(shelves) + shelf.

    Substitution costs are computed once per row against all shelves' slots together,
    straight into the padded tensor (values in padding are never read).
    """
    n_s = len(shelves)
    p = len(rows) * n_s
    e_max = max((len(e.codes) for e in shelves), default=0)
    o_max = max((len(o.codes) for o in rows), default=0)
    sub = np.full((e_max, p, o_max), costs.substitute)
    ins = np.zeros((p, o_max))
    lead = np.full((p, e_max), costs.delete)
    dele = np.full((p, e_max), costs.delete)
    trail = np.full((p, e_max), costs.delete)
    sizes = [len(e.codes) for e in shelves]
    codes = np.full((e_max, n_s), PAD, dtype=np.int64)  # slot i of shelf s
    widths = np.full((e_max, n_s), np.nan)
    for s, e in enumerate(shelves):
        codes[: sizes[s], s] = e.codes
        widths[: sizes[s], s] = e.widths
    known = ~np.isnan(widths)
    shelf_median = np.array(
        [
            float(np.median(widths[known[:, s], s])) if known[:, s].any() else np.nan
            for s in range(n_s)
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
        if not no or not sum(sizes):
            continue
        with_width = costs.width > 0 and bool(facing.any()) and bool(known.any())
        den = widths
        if with_width:
            row_median = float(np.median(obs.widths[facing]))
            den = np.maximum((row_median / shelf_median)[None, :] * widths, 1e-6)
        substitution_costs(codes, den, obs, costs, with_width, sub[:, rows_k, :no])
    n_exp = np.tile(np.array(sizes, dtype=np.int64), len(rows))
    n_obs = np.repeat(np.array([len(o.codes) for o in rows], dtype=np.int64), n_s)
    return Batch(sub, ins, lead, dele, trail, n_exp, n_obs)


def run_dp(batch: Batch) -> tuple[F, F, I]:
    """Fill the DP tables of every pair.

    Returns:
        D: (E+1, P, O+1) cumulative costs, slot-major (pair k's table is ``D[:, k]``).
        total: (P,) best cost per pair, trailing deletions included.
        end: (P,) the slot count consumed before the trailing deletions.

    DP row i: T[j] = min(D[i-1][j-1] + sub, D[i-1][j] + delete), then the insertion chain
    D[i][j] = min(T[j], D[i][j-1] + ins[j]) as C[j] + running minimum of (T - C) with C
    the prefix sums of ``ins`` (``fmin``: the same as ``minimum`` without NaNs, faster).
    """
    e_max, p, o_max = batch.sub.shape
    cumins = np.zeros((p, o_max + 1))
    cumins[:, 1:] = np.cumsum(batch.ins, axis=1)
    d = np.empty((e_max + 1, p, o_max + 1))
    d[0] = cumins
    t = np.empty((p, o_max + 1))  # buffers reused by every DP row (same arithmetic)
    down = np.empty((p, o_max))
    lead = np.ascontiguousarray(batch.lead.T)
    dele = np.ascontiguousarray(batch.dele.T)
    for i in range(1, e_max + 1):
        prev = d[i - 1]
        np.add(prev[:, 0], lead[i - 1], out=t[:, 0])
        np.add(prev[:, :-1], batch.sub[i - 1], out=t[:, 1:])
        np.add(prev[:, 1:], dele[i - 1, :, None], out=down)
        np.minimum(t[:, 1:], down, out=t[:, 1:])
        np.subtract(t, cumins, out=t)
        np.fmin.accumulate(t, axis=1, out=t)
        np.add(cumins, t, out=d[i])
    rows = np.arange(p)
    last = d[:, rows, batch.n_obs].T  # (P, E+1): cost with every token used, i slots consumed
    # trailing deletions of slots i..n_exp-1
    trail = np.zeros((p, e_max + 1))
    trail[:, :-1] = np.cumsum(batch.trail[:, ::-1], axis=1)[:, ::-1]
    over = np.arange(e_max + 1)[None, :] > batch.n_exp[:, None]
    trail_to_end = trail - np.take_along_axis(trail, batch.n_exp[:, None], axis=1)
    cand = np.where(over, np.inf, last + trail_to_end)
    end = np.argmin(cand, axis=1).astype(np.int64)
    return d, cand[rows, end], end


# Operations of a traceback: (kind, slot index or -1, token index or -1)
MATCH, DELETE, INSERT, LEAD, TRAIL = "match", "delete", "insert", "lead", "trail"


def traceback(batch: Batch, d: F, k: int, end: int) -> list[tuple[str, int, int]]:
    """Operations of pair ``k``'s best alignment, left to right."""
    ops: list[tuple[str, int, int]] = []
    i, j = end, int(batch.n_obs[k])
    # read along the path only (numpy float64 scalars: the same arithmetic as floats);
    # converting the whole (E+1, O+1) tables to lists cost more than the walk
    dk = d[:, k]
    sub = batch.sub[:, k]
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
