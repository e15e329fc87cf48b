"""Nearest-SKU search over reference embeddings, behind a small interface.

``NumpyIndex`` is an exact matrix search: enough for tens of thousands of SKUs on a
phone CPU. Another backend (an ANN library) only has to satisfy ``CatalogIndex`` and
be registered in ``INDEXES``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from shelfscan.errors import ConfigError
from shelfscan.types import FloatArray

StrArray = npt.NDArray[np.str_]


class CatalogIndex(Protocol):
    """Reference vectors labelled with SKU ids; search returns the best SKUs per query."""

    @property
    def skus(self) -> list[str]: ...

    def __len__(self) -> int: ...

    def add(self, sku: str, vectors: FloatArray) -> None: ...

    def remove(self, sku: str) -> int: ...

    def search(self, queries: FloatArray, k: int = 2) -> tuple[FloatArray, StrArray]: ...


class NumpyIndex:
    """Exact cosine search; a SKU's score is its best reference's similarity.

    Vectors must be L2-normalised. ``search`` returns (N, k) scores, best first, and the
    (N, k) SKU ids; with fewer than ``k`` SKUs the missing places hold score -inf and "".
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._vectors: dict[str, FloatArray] = {}
        self._matrix: FloatArray | None = None  # rows grouped by SKU, in ``_labels`` order
        self._labels: list[str] = []
        self._starts: npt.NDArray[np.int64] = np.zeros(0, np.int64)

    @property
    def skus(self) -> list[str]:
        return list(self._vectors)

    def __len__(self) -> int:
        return sum(len(v) for v in self._vectors.values())

    def add(self, sku: str, vectors: FloatArray) -> None:
        """Add reference vectors (M, D) to ``sku`` (created if new)."""
        vecs = np.asarray(vectors, np.float32).reshape(-1, self.dim)
        old = self._vectors.get(sku)
        self._vectors[sku] = vecs if old is None else np.concatenate([old, vecs])
        self._matrix = None

    def remove(self, sku: str) -> int:
        """Drop a SKU; returns the number of vectors removed (0 if absent)."""
        gone = self._vectors.pop(sku, None)
        self._matrix = None
        return 0 if gone is None else len(gone)

    def _build(self) -> FloatArray:
        if self._matrix is None:
            self._labels = list(self._vectors)
            sizes = [len(self._vectors[s]) for s in self._labels]
            self._starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
            parts = [self._vectors[s] for s in self._labels]
            self._matrix = (
                np.ascontiguousarray(np.concatenate(parts))
                if parts
                else np.zeros((0, self.dim), np.float32)
            )
        return self._matrix

    def sku_scores(self, queries: FloatArray) -> FloatArray:
        """(N, S) best-reference similarity of each query to each SKU (``skus`` order)."""
        matrix = self._build()
        q = np.asarray(queries, np.float32).reshape(-1, self.dim)
        if not len(matrix) or not len(q):
            return np.zeros((len(q), len(self._labels)), np.float32)
        sims = q @ matrix.T
        return np.maximum.reduceat(sims, self._starts, axis=1)

    def search(self, queries: FloatArray, k: int = 2) -> tuple[FloatArray, StrArray]:
        scores = self.sku_scores(queries)
        n, s = scores.shape
        out_s = np.full((n, k), -np.inf, np.float32)
        out_l = np.full((n, k), "", dtype=object)
        if n and s:
            kk = min(k, s)
            top = (
                np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
                if kk < s
                else np.tile(np.arange(s), (n, 1))
            )
            top_scores = np.take_along_axis(scores, top, axis=1)
            order = np.argsort(-top_scores, axis=1, kind="stable")
            top = np.take_along_axis(top, order, axis=1)[:, :kk]
            out_s[:, :kk] = np.take_along_axis(top_scores, order, axis=1)[:, :kk]
            out_l[:, :kk] = np.asarray(self._labels, dtype=object)[top]
        return out_s, out_l.astype(str)


INDEXES: dict[str, Callable[[int], CatalogIndex]] = {"numpy": NumpyIndex}


def make_index(name: str, dim: int) -> CatalogIndex:
    """An empty index of the named kind; ``ConfigError`` listing the valid names on a miss."""
    try:
        return INDEXES[name](dim)
    except KeyError:
        raise ConfigError(f"unknown index {name!r} (valid: {', '.join(sorted(INDEXES))})") from None


def build_index(name: str, dim: int, refs: Sequence[tuple[str, FloatArray]]) -> CatalogIndex:
    """An index holding ``refs`` = [(sku, (M, D) vectors), ...]."""
    index = make_index(name, dim)
    for sku, vecs in refs:
        index.add(sku, vecs)
    return index
