"""NumpyIndex: exact per-SKU best-reference cosine search."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.errors import ConfigError
from shelfscan.recognition.index import NumpyIndex, build_index, make_index


def unit(*v: float) -> np.ndarray:
    a = np.asarray(v, np.float32)
    return a / np.linalg.norm(a)


REFS = [
    ("A", np.stack([unit(1, 0, 0), unit(0.9, 0.1, 0)])),
    ("B", np.stack([unit(0, 1, 0)])),
    ("C", np.stack([unit(0, 0, 1), unit(0, 0.2, 1)])),
]


@pytest.mark.parametrize(
    ("query", "k", "labels"),
    [
        (unit(1, 0, 0), 1, ["A"]),  # exact hit on a reference
        (unit(0.1, 1, 0), 2, ["B", "A"]),  # runner-up is the next closest SKU
        (unit(0, 0.3, 1), 3, ["C", "B", "A"]),  # every SKU ranked
        (unit(0, 0.1, 1), 5, ["C", "B", "A", "", ""]),  # k above the SKU count pads with ""
    ],
)
def test_search_ranks_skus(query: np.ndarray, k: int, labels: list[str]) -> None:
    index = build_index("numpy", 3, REFS)
    scores, got = index.search(query[None], k)
    assert got[0].tolist() == labels
    finite = scores[0][np.isfinite(scores[0])]
    assert np.all(np.diff(finite) <= 1e-6)  # best first
    assert np.isclose(finite[0], max(float(v @ query) for v in dict(REFS)[labels[0]]))


def test_sku_score_is_best_reference() -> None:
    index = build_index("numpy", 3, REFS)
    q = unit(0, 0.2, 1)
    scores = index.sku_scores(q[None])[0]
    assert np.isclose(scores[index.skus.index("C")], 1.0, atol=1e-6)


def test_add_remove_and_empty() -> None:
    index = NumpyIndex(3)
    s, lab = index.search(unit(1, 0, 0)[None], 2)
    assert lab.tolist() == [["", ""]] and np.isneginf(s).all()  # empty catalog
    index.add("A", unit(1, 0, 0))
    index.add("A", unit(0, 1, 0))  # a second reference for the same SKU
    assert len(index) == 2 and index.skus == ["A"]
    assert index.search(unit(0, 1, 0)[None], 1)[1][0, 0] == "A"
    assert index.remove("A") == 2 and index.remove("A") == 0
    assert index.search(np.zeros((0, 3), np.float32), 2)[0].shape == (0, 2)


def test_unknown_index_name_lists_valid_ones() -> None:
    with pytest.raises(ConfigError, match="valid: numpy"):
        make_index("faiss", 8)


def brute_force(refs: list[tuple[str, np.ndarray]], q: np.ndarray) -> np.ndarray:
    return np.array([[float((v @ x).max()) for _, v in refs] for x in q], np.float32)


@pytest.mark.parametrize(
    ("counts", "k"),
    [
        ([1, 2, 3, 1, 2], 2),  # few references each: slot-major layout with repeats
        ([3, 3, 3, 3], 1),  # same count everywhere: no repeats
        ([1, 1, 1, 1, 12], 2),  # one SKU with many: grouped rows + reduceat instead
        ([2, 1, 2, 1, 2, 1, 2], 6),  # k = 6: still argmax passes
        ([1, 2] * 6, 9),  # k above 8: argpartition path
    ],
)
def test_layouts_give_brute_force_scores(counts: list[int], k: int) -> None:
    rng = np.random.default_rng(len(counts))
    refs = []
    for i, c in enumerate(counts):
        v = rng.normal(size=(c, 8)).astype(np.float32)
        refs.append((f"S{i}", v / np.linalg.norm(v, axis=1, keepdims=True)))
    index = build_index("numpy", 8, refs)
    q = rng.normal(size=(5, 8)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    expected = brute_force(refs, q)
    assert np.allclose(index.sku_scores(q), expected, atol=1e-5)
    scores, labels = index.search(q, k)
    best = np.argsort(-expected, axis=1, kind="stable")[:, :k]
    assert labels.tolist() == [[f"S{j}" for j in row] for row in best]
    assert np.allclose(scores, np.take_along_axis(expected, best, axis=1), atol=1e-5)


def test_arrays_round_trip() -> None:
    index = build_index("numpy", 3, REFS)
    again = NumpyIndex.from_arrays(3, *index.arrays())
    q = np.stack([unit(1, 0.2, 0), unit(0, 0.1, 1)])
    assert again.skus == index.skus
    assert np.array_equal(again.search(q, 2)[1], index.search(q, 2)[1])
    with pytest.raises(ValueError, match="references"):
        NumpyIndex.from_arrays(3, ["A"], np.array([2]), np.zeros((3, 3), np.float32))
