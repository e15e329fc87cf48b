"""Open-set decisions and shelf-context grouping."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.recognition.matcher import UNKNOWN, MatchConfig, context_groups, decide, smooth


@pytest.mark.parametrize(
    ("scores", "config", "expected"),
    [
        ([0.95, 0.5], MatchConfig(threshold=0.9), "A"),  # clear match
        ([0.85, 0.5], MatchConfig(threshold=0.9), UNKNOWN),  # below threshold: never forced
        ([0.95, 0.94], MatchConfig(threshold=0.9, margin=0.05), UNKNOWN),  # too close a call
        ([0.95, 0.94], MatchConfig(threshold=0.9, margin=0.0), "A"),  # margin off
        ([0.9, -np.inf], MatchConfig(threshold=0.9), "A"),  # one-SKU catalog, at threshold
    ],
)
def test_decide(scores: list[float], config: MatchConfig, expected: str) -> None:
    skus, best = decide(np.array([scores], np.float32), np.array([["A", "B"]]), config)
    assert skus.tolist() == [expected]
    assert best[0] == pytest.approx(scores[0])


def test_decide_empty() -> None:
    skus, best = decide(np.zeros((0, 2), np.float32), np.zeros((0, 2), str), MatchConfig())
    assert len(skus) == 0 and len(best) == 0


E = np.array([[1, 0], [0.99, 0.141], [0, 1], [0.995, 0.0998]], np.float32)


@pytest.mark.parametrize(
    ("rows", "link", "groups"),
    [
        ([[0, 1, 2, 3]], 0.9, [0, 0, 2, 3]),  # 0-1 alike, 2 breaks the run, 3 alone
        ([[0, 1], [3]], 0.9, [0, 0, 2, 3]),  # rows never link to each other
        ([[0, 3]], 0.9, [0, 1, 2, 0]),  # adjacency in the row is what counts
        ([[0, 1, 2, 3]], 1.01, [0, 1, 2, 3]),  # link above 1: context off
    ],
)
def test_context_groups(rows: list[list[int]], link: float, groups: list[int]) -> None:
    assert context_groups(E, rows, link) == groups


def test_smooth_averages_groups_and_keeps_unit_length() -> None:
    out = smooth(E, [0, 0, 2, 3])
    assert np.allclose(out[0], out[1])
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    assert np.allclose(out[2], E[2])
