"""Planogram matchers: a small Protocol, a lookup by name, and the default DP aligner.

``align`` (default): rows are aligned with shelves by dynamic programming (see
``align.py``), rows are assigned to shelves allowing a confused order and a partial bay
(``assign.py``), then each position gets its status and each facing its status.
``sequential``: a naive baseline that pairs rows with shelves top-down and facings with
slots left to right; kept for comparison in ``scripts/eval_planogram.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from shelfscan.errors import ConfigError
from shelfscan.planogram.align import (
    DELETE,
    GAP,
    LEAD,
    MATCH,
    TRAIL,
    UNKNOWN,
    WILDCARD,
    Costs,
    Expected,
    build_batch,
    run_dp,
    traceback,
)
from shelfscan.planogram.assign import assign_rows
from shelfscan.planogram.model import Planogram
from shelfscan.planogram.observe import RowTokens, near_top_bottom, observe
from shelfscan.planogram.result import (
    Box,
    FacingStatus,
    PlanogramMatch,
    PositionMatch,
    PositionStatus,
)
from shelfscan.types import Detections, ShelfLayout


class Matcher(Protocol):
    """Match one photo's detections and layout against a planogram."""

    name: str

    def __call__(
        self, planogram: Planogram, dets: Detections, layout: ShelfLayout
    ) -> PlanogramMatch: ...


def expected_shelves(planogram: Planogram, vocab: dict[str, int]) -> list[Expected]:
    out = []
    for shelf in planogram.shelves:
        codes, widths, owner = [], [], []
        for p, pos in enumerate(shelf.positions):
            for _ in range(pos.facings):
                codes.append(vocab[pos.sku])
                widths.append(np.nan if pos.width_mm is None else pos.width_mm)
                owner.append(p)
        out.append(
            Expected(
                np.array(codes, dtype=np.int64),
                np.array(widths, dtype=np.float64),
                np.array(owner, dtype=np.int64),
            )
        )
    return out


@dataclass
class _Tally:
    """Per-position working state while reading the alignments."""

    facing_ids: list[list[int]]
    unseen: list[int]
    boxes: list[list[Box]]
    rows: list[int]


@dataclass
class AlignMatcher:
    """Default matcher: DP alignment per (row, shelf) pair plus row-to-shelf assignment."""

    costs: Costs = field(default_factory=Costs)
    name: str = "align"

    def __call__(
        self, planogram: Planogram, dets: Detections, layout: ShelfLayout
    ) -> PlanogramMatch:
        t0 = time.perf_counter()
        vocab = {sku: i for i, sku in enumerate(planogram.skus())}
        shelves = expected_shelves(planogram, vocab)
        rows = observe(dets, layout, vocab)
        shelf_of_row: list[int] = [-1] * len(rows)
        ops_of_row: dict[int, list[tuple[str, int, int]]] = {}
        cost = float(sum(len(e.codes) for e in shelves)) * self.costs.delete
        if rows and shelves:
            batch = build_batch(shelves, [r.observed for r in rows], self.costs)
            d, total, end = run_dp(batch)
            pair_cost = total.reshape(len(rows), len(shelves))
            row_alone = batch.ins.sum(axis=1).reshape(len(rows), len(shelves))[:, 0]
            shelf_alone = np.array([len(e.codes) * self.costs.delete for e in shelves])
            shelf_of_row = assign_rows(pair_cost, row_alone, shelf_alone)
            cost = 0.0
            for r, s in enumerate(shelf_of_row):
                if s < 0:
                    cost += float(row_alone[r])
                    continue
                k = r * len(shelves) + s
                ops_of_row[r] = traceback(batch, d, k, int(end[k]))
                cost += float(pair_cost[r, s])
            cost += float(sum(shelf_alone[s] for s in range(len(shelves)) if s not in shelf_of_row))
        match = _statuses(planogram, shelves, rows, shelf_of_row, ops_of_row, dets, layout)
        return PlanogramMatch(
            planogram.id,
            self.name,
            match[0],
            match[1],
            tuple(shelf_of_row),
            cost,
            (time.perf_counter() - t0) * 1000,
        )


@dataclass
class _Walk:
    """What reading the row alignments found, per detection."""

    facing_status: list[FacingStatus]
    owner: dict[int, tuple[int, int]] = field(default_factory=dict)  # det -> (shelf, pos)
    strays: list[tuple[int, int]] = field(default_factory=list)  # (row list index, token)
    swapped: set[tuple[int, int]] = field(default_factory=set)  # strays in another's slot


def _statuses(
    planogram: Planogram,
    shelves: list[Expected],
    rows: list[RowTokens],
    shelf_of_row: list[int],
    ops_of_row: dict[int, list[tuple[str, int, int]]],
    dets: Detections,
    layout: ShelfLayout,
) -> tuple[tuple[PositionMatch, ...], tuple[FacingStatus, ...]]:
    """Per-position status and per-facing status from the row alignments."""
    tallies = [
        _Tally(
            [[] for _ in sh.positions],
            [0] * len(sh.positions),
            [[] for _ in sh.positions],
            [-1] * len(sh.positions),
        )
        for sh in planogram.shelves
    ]
    walk = _Walk([""] * len(dets))
    for r, tokens in enumerate(rows):
        s = shelf_of_row[r]
        if s < 0:
            walk.strays.extend((r, j) for j, det in enumerate(tokens.det) if det >= 0)
            continue
        for op in ops_of_row[r]:
            _read_op(op, r, s, tokens, shelves[s], tallies[s], walk)
    seen_elsewhere = _attribute_strays(
        rows, walk.strays, walk.swapped, walk.owner, tallies, planogram, walk.facing_status
    )
    out = _positions(planogram, tallies, shelf_of_row, seen_elsewhere, dets, layout)
    return _swaps(out, dets, layout), tuple(walk.facing_status)


def _read_op(
    op: tuple[str, int, int],
    r: int,
    s: int,
    tokens: RowTokens,
    exp: Expected,
    tally: _Tally,
    walk: _Walk,
) -> None:
    """One alignment step of row ``r`` against shelf ``s``: a facing in its slot, a gap in
    a slot, a slot outside the photo, or a stray facing."""
    kind, i, j = op
    p = int(exp.position[i]) if i >= 0 else -1
    if p >= 0:
        tally.rows[p] = tokens.row
    if kind == MATCH:
        code, det = int(tokens.observed.codes[j]), tokens.det[j]
        if code == GAP:
            tally.boxes[p].append(tokens.boxes[j])
        elif code in (int(exp.codes[i]), WILDCARD, UNKNOWN):
            tally.facing_ids[p].append(det)
            walk.owner[det] = (s, p)
            walk.facing_status[det] = "expected"
        else:
            walk.strays.append((r, j))
            walk.swapped.add((r, j))
    elif (kind == LEAD and tokens.observed.open_left) or (
        kind == TRAIL and tokens.observed.open_right
    ):
        tally.unseen[p] += 1
    elif kind not in (DELETE, LEAD, TRAIL) and tokens.det[j] >= 0:
        walk.strays.append((r, j))


def _positions(
    planogram: Planogram,
    tallies: list[_Tally],
    shelf_of_row: list[int],
    seen_elsewhere: set[str],
    dets: Detections,
    layout: ShelfLayout,
) -> list[PositionMatch]:
    """Each planogram position with what was counted for it; shelves above or below the
    matched ones count as outside the photo where the photo is cut there."""
    top_cut, bottom_cut = near_top_bottom(layout)
    used = [s for s in shelf_of_row if s >= 0]
    out = []
    for s, shelf in enumerate(planogram.shelves):
        t = tallies[s]
        off_view = s not in used and (
            (used and s < min(used) and top_cut) or (used and s > max(used) and bottom_cut)
        )
        for p, pos in enumerate(shelf.positions):
            ids = tuple(sorted(t.facing_ids[p], key=lambda i: float(dets.xyxy[i, 0])))
            visible = 0 if off_view else pos.facings - t.unseen[p]
            status = position_status(pos.facings, len(ids), visible, pos.sku in seen_elsewhere)
            out.append(
                PositionMatch(
                    s,
                    p,
                    pos.sku,
                    pos.facings,
                    len(ids),
                    status,
                    t.rows[p],
                    ids,
                    tuple(t.boxes[p]),
                    visible,
                )
            )
    return out


def _attribute_strays(
    rows: list[RowTokens],
    strays: list[tuple[int, int]],
    swapped: set[tuple[int, int]],
    owner: dict[int, tuple[int, int]],
    tallies: list[_Tally],
    planogram: Planogram,
    facing_status: list[FacingStatus],
) -> set[str]:
    """Facings that fill no slot: extra facings of a neighbouring block of the same SKU,
    else misplaced (SKU planned elsewhere), unexpected (not in the planogram) or unknown.
    Returns the SKUs seen away from their positions."""
    stray = set(strays)

    def claim(r: int, j: int, block: tuple[int, int]) -> None:
        det = rows[r].det[j]
        owner[det] = block
        tallies[block[0]].facing_ids[block[1]].append(det)
        facing_status[det] = "expected"
        stray.discard((r, j))

    for r, j in sorted(stray & swapped):
        block = _flanking_block(rows[r], j, owner)
        if block is not None:
            claim(r, j, block)
    skus = planogram.skus()
    changed = True
    while changed:  # a block grows by its neighbours of its SKU, one facing at a time
        changed = False
        for r, j in sorted(stray):
            block = _neighbour_block(rows[r], j, owner, planogram, skus)
            if block is not None:
                claim(r, j, block)
                changed = True
    return _mark_strays(rows, stray, skus, facing_status)


def _flanking_block(
    tokens: RowTokens, j: int, owner: dict[int, tuple[int, int]]
) -> tuple[int, int] | None:
    """The block on both sides of facing ``j``: a lone facing of another SKU inside a
    block is far more often a recognition slip than a product put back wrong."""
    left = tokens.det[j - 1] if j > 0 else -1
    right = tokens.det[j + 1] if j + 1 < len(tokens.det) else -1
    block = owner.get(left)
    return block if block is not None and block == owner.get(right) else None


def _neighbour_block(
    tokens: RowTokens,
    j: int,
    owner: dict[int, tuple[int, int]],
    planogram: Planogram,
    skus: list[str],
) -> tuple[int, int] | None:
    """A neighbouring facing's block planned for facing ``j``'s SKU, if any."""
    code = int(tokens.observed.codes[j])
    if code < 0:
        return None
    for nb in (j - 1, j + 1):
        if 0 <= nb < len(tokens.det) and tokens.det[nb] in owner:
            s, p = owner[tokens.det[nb]]
            if planogram.shelves[s].positions[p].sku == skus[code]:
                return s, p
    return None


def _mark_strays(
    rows: list[RowTokens],
    stray: set[tuple[int, int]],
    skus: list[str],
    facing_status: list[FacingStatus],
) -> set[str]:
    """Statuses of the facings left: misplaced, unknown or unexpected; the SKUs misplaced."""
    elsewhere: set[str] = set()
    for r, j in stray:
        code, det = int(rows[r].observed.codes[j]), rows[r].det[j]
        if code >= 0:
            facing_status[det] = "misplaced"
            elsewhere.add(skus[code])
        elif code in (UNKNOWN, WILDCARD):
            facing_status[det] = "unknown"
        else:
            facing_status[det] = "unexpected"
    return elsewhere


def position_status(expected: int, observed: int, visible: int, elsewhere: bool) -> PositionStatus:
    if visible <= 0 and observed == 0:
        return "unseen"
    if observed == 0:
        return "misplaced" if elsewhere else "missing"
    if observed == expected or (visible < expected and visible <= observed <= expected):
        return "ok"
    return "wrong_facings"


def _swaps(
    positions: list[PositionMatch], dets: Detections, layout: ShelfLayout
) -> tuple[PositionMatch, ...]:
    """Neighbouring positions found in the opposite order on their row are both misplaced.

    The alignment keeps the order of the longest consistent run, so of two swapped
    blocks one aligns and the other is 'misplaced'; this marks the aligned one too.
    """
    if "sku" not in dets.data:
        return tuple(positions)
    skus = [str(v) for v in dets.data["sku"]]
    order = {r.index: list(r.facing_ids) for r in layout.rows}
    by_key = {(p.shelf, p.position): p for p in positions}
    out = dict(by_key)
    for p in positions:
        if p.status not in ("ok", "wrong_facings") or not p.facing_ids or p.row not in order:
            continue
        ids = order[p.row]
        idx = sorted(ids.index(i) for i in p.facing_ids if i in ids)
        if not idx:
            continue
        # planned right neighbour found on the left, or planned left neighbour on the right
        # ... with, on p's other side, what was planned beyond q (a true exchange)
        sides = ((1, idx[0] - 1, idx[-1] + 1), (-1, idx[-1] + 1, idx[0] - 1))
        for step, at, other in sides:
            q = by_key.get((p.shelf, p.position + step))
            if q is None or q.status != "misplaced" or not 0 <= at < len(ids):
                continue
            beyond = by_key.get((p.shelf, q.position + step))
            fits = not 0 <= other < len(ids) or beyond is None or skus[ids[other]] == beyond.sku
            if skus[ids[at]] == q.sku and fits:
                out[(p.shelf, p.position)] = replace(p, status="misplaced")
    return tuple(out[(p.shelf, p.position)] for p in positions)


@dataclass
class SequentialMatcher:
    """Baseline: row k <-> shelf k, facing n <-> slot n; no alignment, no gaps."""

    name: str = "sequential"

    def __call__(
        self, planogram: Planogram, dets: Detections, layout: ShelfLayout
    ) -> PlanogramMatch:
        t0 = time.perf_counter()
        skus = dets.column("sku", None) if "sku" in dets.data else None
        facing_status: list[FacingStatus] = [""] * len(dets)
        out = []
        for s, shelf in enumerate(planogram.shelves):
            row = layout.rows[s] if s < len(layout.rows) else None
            ids = list(row.facing_ids) if row else []
            k = 0
            for p, pos in enumerate(shelf.positions):
                got = []
                for i in ids[k : k + pos.facings]:
                    if skus is None or str(skus[i]) == pos.sku:
                        got.append(i)
                        facing_status[i] = "expected"
                    else:
                        facing_status[i] = "unexpected"
                k += pos.facings
                status = position_status(pos.facings, len(got), pos.facings, False)
                out.append(
                    PositionMatch(
                        s,
                        p,
                        pos.sku,
                        pos.facings,
                        len(got),
                        status,
                        row.index if row else -1,
                        tuple(got),
                    )
                )
            for i in ids[k:]:
                facing_status[i] = "unexpected"
        shelf_of_row = tuple(
            r.index if r.index < len(planogram.shelves) else -1 for r in layout.rows
        )
        return PlanogramMatch(
            planogram.id,
            self.name,
            tuple(out),
            tuple(facing_status),
            shelf_of_row,
            0.0,
            (time.perf_counter() - t0) * 1000,
        )


MATCHERS: dict[str, Callable[[], Matcher]] = {
    "align": AlignMatcher,
    "sequential": SequentialMatcher,
}
DEFAULT_MATCHER = "align"


def get_matcher(name: str = DEFAULT_MATCHER) -> Matcher:
    """The matcher registered as ``name``; ``ConfigError`` listing the valid names if none."""
    try:
        return MATCHERS[name]()
    except KeyError:
        raise ConfigError(
            f"unknown planogram matcher {name!r} (valid: {', '.join(sorted(MATCHERS))})"
        ) from None


def match_planogram(
    planogram: Planogram, dets: Detections, layout: ShelfLayout, matcher: str = DEFAULT_MATCHER
) -> PlanogramMatch:
    return get_matcher(matcher)(planogram, dets, layout)
