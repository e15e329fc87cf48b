"""Open-set matching: catalog scores -> SKU or ``unknown``, helped by shelf context.

Pure functions over arrays. A facing whose best SKU scores below the threshold is
``unknown``; it is never forced onto the closest SKU. Neighbouring facings on one
shelf row that look alike (one SKU is usually faced several times side by side) are
matched together: their embeddings are averaged before the search, which steadies
both the SKU decision and the unknown decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from shelfscan.types import FloatArray

UNKNOWN = "unknown"


@dataclass(frozen=True)
class MatchConfig:
    """Decision knobs: ``threshold`` on cosine similarity, ``margin`` over the runner-up
    SKU (0 = off), and ``link`` = similarity above which adjacent facings are grouped
    (above 1 = no shelf context)."""

    threshold: float = 0.8
    margin: float = 0.0
    link: float = 0.9


def context_groups(embeddings: FloatArray, rows: Sequence[Sequence[int]], link: float) -> list[int]:
    """Group id per facing: runs of adjacent facings in a row whose similarity >= ``link``.

    Args:
        embeddings: (N, D) unit vectors.
        rows: per shelf row, facing indices left to right (facings in no row stay alone).
    """
    n = len(embeddings)
    group = list(range(n))
    for row in rows:
        for left, right in pairwise(row):
            if float(embeddings[left] @ embeddings[right]) >= link:
                group[right] = group[left]
    return group


def smooth(embeddings: FloatArray, groups: Sequence[int]) -> FloatArray:
    """Replace each facing's vector by its group's normalised mean vector; (N, D)."""
    if not len(embeddings):
        return embeddings
    ids = np.asarray(groups)
    out = np.empty_like(embeddings)
    for g in np.unique(ids):
        members = ids == g
        mean = embeddings[members].mean(axis=0)
        out[members] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


def decide(
    scores: FloatArray, labels: npt.NDArray[np.str_], config: MatchConfig
) -> tuple[npt.NDArray[np.object_], FloatArray]:
    """(N,) SKU ids (``UNKNOWN`` below threshold or margin) and (N,) best scores.

    Args:
        scores: (N, k) best-first similarities from ``CatalogIndex.search`` (k >= 1).
        labels: (N, k) SKU ids of those scores.
    """
    n = len(scores)
    if n == 0:
        return np.zeros(0, dtype=object), np.zeros(0, np.float32)
    best = scores[:, 0].astype(np.float32)
    second = scores[:, 1] if scores.shape[1] > 1 else np.full(n, -np.inf)
    ok = (best >= config.threshold) & (best - second >= config.margin)
    skus = np.where(ok, labels[:, 0], UNKNOWN).astype(object)
    return skus, np.where(np.isfinite(best), best, 0.0).astype(np.float32)
