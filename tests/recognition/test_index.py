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
