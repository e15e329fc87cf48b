"""Row-to-shelf assignment: order, confused order, rows and shelves left over."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.planogram.assign import MAX_BITMASK_SHELVES, assign_rows


@pytest.mark.parametrize(
    ("case", "cost", "row_alone", "shelf_alone", "expected"),
    [
        ("diagonal", [[0, 9, 9], [9, 0, 9], [9, 9, 0]], [5, 5, 5], [5, 5, 5], [0, 1, 2]),
        # rows 0 and 1 clearly belong to shelves 1 and 0: worth one inversion
        ("confused order", [[9, 0, 9], [0, 9, 9], [9, 9, 0]], [5, 5, 5], [5, 5, 5], [1, 0, 2]),
        # a tie is broken in favour of keeping the order
        ("tie keeps order", [[1, 1], [1, 1]], [5, 5], [5, 5], [0, 1]),
        # an extra row matching nothing stays unassigned
        ("extra row", [[0, 9], [9, 9], [9, 0]], [5, 2, 5], [5, 5], [0, -1, 1]),
        # fewer rows than shelves: the photo shows shelves 1 and 2 only
        ("partial bay", [[9, 0, 9], [9, 9, 0]], [5, 5], [5, 5, 5], [1, 2]),
        ("no shelves", np.zeros((2, 0)), [1, 1], [], [-1, -1]),
        ("no rows", np.zeros((0, 2)), [], [1, 1], []),
    ],
)
def test_assign_rows(
    case: str, cost: object, row_alone: list[float], shelf_alone: list[float], expected: list[int]
) -> None:
    got = assign_rows(
        np.asarray(cost, dtype=np.float64).reshape(len(row_alone), len(shelf_alone)),
        np.asarray(row_alone, np.float64),
        np.asarray(shelf_alone, np.float64),
    )
    assert got == expected


def test_many_shelves_fall_back_to_ordered_assignment() -> None:
    n = MAX_BITMASK_SHELVES + 2
    cost = np.full((n, n), 9.0)
    np.fill_diagonal(cost, 0.0)
    assert assign_rows(cost, np.full(n, 5.0), np.full(n, 5.0)) == list(range(n))
