"""Assign observed rows to planogram shelves (some rows or shelves may stay unassigned)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

INVERSION_COST = 1.0  # per pair of rows whose shelves are in the opposite order
MAX_BITMASK_SHELVES = 8


def assign_rows(
    pair_cost: npt.NDArray[np.float64],
    row_alone: npt.NDArray[np.float64],
    shelf_alone: npt.NDArray[np.float64],
) -> list[int]:
    """Best row -> shelf assignment (each shelf used at most once).

    Args:
        pair_cost: (R, S) cost of aligning row r (top first) with shelf s.
        row_alone: (R,) cost of leaving row r unassigned (all its facings extra).
        shelf_alone: (S,) cost of leaving shelf s unassigned.

    Returns:
        shelf index per row, -1 for unassigned rows.

    Rows may take shelves out of order (perspective can confuse the row order), at
    ``INVERSION_COST`` per inverted pair. Exact over subsets for up to
    ``MAX_BITMASK_SHELVES`` shelves, otherwise order-preserving.
    """
    r_count, s_count = pair_cost.shape
    if r_count == 0:
        return []
    if s_count == 0:
        return [-1] * r_count
    if s_count > MAX_BITMASK_SHELVES:
        return _monotonic(pair_cost, row_alone, shelf_alone)
    full = 1 << s_count
    above = [[bin(mask >> (s + 1)).count("1") for s in range(s_count)] for mask in range(full)]
    best: dict[int, tuple[float, tuple[int, ...]]] = {0: (0.0, ())}  # mask -> (cost, picks)
    for r in range(r_count):
        nxt: dict[int, tuple[float, tuple[int, ...]]] = {}
        for mask, (cost, picks) in best.items():
            cands = [(mask, cost + float(row_alone[r]), -1)]
            for s in range(s_count):
                if not mask >> s & 1:
                    extra = float(pair_cost[r, s]) + INVERSION_COST * above[mask][s]
                    cands.append((mask | 1 << s, cost + extra, s))
            for new_mask, new_cost, s in cands:
                if new_mask not in nxt or new_cost < nxt[new_mask][0]:
                    nxt[new_mask] = (new_cost, (*picks, s))
        best = nxt
    total = {
        mask: cost + sum(float(shelf_alone[s]) for s in range(s_count) if not mask >> s & 1)
        for mask, (cost, _) in best.items()
    }
    return list(best[min(total, key=lambda m: total[m])][1])


def _monotonic(
    pair_cost: npt.NDArray[np.float64],
    row_alone: npt.NDArray[np.float64],
    shelf_alone: npt.NDArray[np.float64],
) -> list[int]:
    """Order-preserving assignment: an alignment of rows with shelves."""
    r_count, s_count = pair_cost.shape
    d = np.zeros((r_count + 1, s_count + 1))
    d[1:, 0] = np.cumsum(row_alone)
    d[0, 1:] = np.cumsum(shelf_alone)
    for r in range(1, r_count + 1):
        for s in range(1, s_count + 1):
            d[r, s] = min(
                d[r - 1, s - 1] + pair_cost[r - 1, s - 1],
                d[r - 1, s] + row_alone[r - 1],
                d[r, s - 1] + shelf_alone[s - 1],
            )
    out = [-1] * r_count
    r, s = r_count, s_count
    while r > 0 and s > 0:
        if np.isclose(d[r, s], d[r - 1, s - 1] + pair_cost[r - 1, s - 1]):
            out[r - 1] = s - 1
            r, s = r - 1, s - 1
        elif np.isclose(d[r, s], d[r - 1, s] + row_alone[r - 1]):
            r -= 1
        else:
            s -= 1
    return out
