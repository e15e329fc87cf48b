"""Open-set decisions and shelf-context grouping."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.recognition.matcher import (
    UNKNOWN,
    MatchConfig,
    combine,
    context_groups,
    decide,
    match_with_context,
    smooth,
)


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


def _unit(deg: float) -> list[float]:
    return [float(np.cos(np.radians(deg))), float(np.sin(np.radians(deg)))]


# a gradual drift: each neighbour within 10 degrees, the ends 20 degrees apart
CHAIN = np.array([_unit(0), _unit(10), _unit(20), _unit(30)], np.float32)


@pytest.mark.parametrize(
    ("link", "groups"),
    [
        (float(np.cos(np.radians(11))), [0, 0, 2, 2]),  # no chaining from block to block
        (float(np.cos(np.radians(21))), [0, 0, 0, 3]),  # 3 is 30 degrees from 0
        (float(np.cos(np.radians(31))), [0, 0, 0, 0]),
    ],
)
def test_context_groups_do_not_chain(link: float, groups: list[int]) -> None:
    assert context_groups(CHAIN, [[0, 1, 2, 3]], link) == groups


def _d(skus: list[str], best: list[float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(skus, dtype=object), np.array(best, np.float32)


@pytest.mark.parametrize(
    ("own", "group", "config", "expected"),
    [
        # a confident own match that differs from the group's is kept
        (("A", 0.93), ("B", 0.95), MatchConfig(threshold=0.8, confident=0.9), "A"),
        # accepted but not confident: the group decides
        (("A", 0.85), ("B", 0.95), MatchConfig(threshold=0.8, confident=0.9), "B"),
        # confident 0 = threshold: every accepted own match is kept
        (("A", 0.85), ("B", 0.95), MatchConfig(threshold=0.8), "A"),
        # the group never pulls a confident facing to unknown
        (("A", 0.93), (UNKNOWN, 0.7), MatchConfig(threshold=0.8, confident=0.9), "A"),
        # an own unknown follows its group (look-alike neighbours agree)
        ((UNKNOWN, 0.75), ("A", 0.85), MatchConfig(threshold=0.8), "A"),
        ((UNKNOWN, 0.75), (UNKNOWN, 0.7), MatchConfig(threshold=0.8), UNKNOWN),
    ],
)
def test_combine(
    own: tuple[str, float], group: tuple[str, float], config: MatchConfig, expected: str
) -> None:
    skus, best = combine(_d([own[0]], [own[1]]), _d([group[0]], [group[1]]), config)
    assert skus.tolist() == [expected]
    kept_own = expected == own[0] != UNKNOWN
    assert best[0] == pytest.approx(own[1] if kept_own else group[1])


def test_match_with_context_keeps_unknown_neighbour_of_a_sibling() -> None:
    """A SKU not in the catalog beside a block of its catalogued sibling: its own match
    is below threshold, it is not linked to the block, so it stays unknown."""
    labels = np.array([["A", "B"]] * 3)
    raw = (np.array([[0.95, 0.5], [0.94, 0.5], [0.6, 0.5]], np.float32), labels)
    emb = np.array([_unit(0), _unit(2), _unit(40)], np.float32)
    groups = context_groups(emb, [[0, 1, 2]], 0.97)
    assert groups == [0, 0, 2]
    skus, _ = match_with_context(raw, raw, MatchConfig(threshold=0.8, link=0.97))
    assert skus.tolist() == ["A", "A", UNKNOWN]
