"""Open-set matching: catalog scores -> SKU or ``unknown``, helped by shelf context.

Pure functions over arrays. A facing whose best SKU scores below the threshold is
``unknown``; it is never forced onto the closest SKU. Neighbouring facings on one
shelf row that look very alike (one SKU is usually faced several times side by side)
are matched together as well: their embeddings are averaged and searched once. A run
only grows while the next facing is close to *every* facing already in it, so a block
of one variant never chains into the neighbouring block of the same brand; and the
group's answer never overrides a facing whose own match is confident and different
(see ``combine``).
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
    SKU (0 = off), ``link`` = similarity above which adjacent facings are grouped
    (above 1 = no shelf context) and ``confident`` = own best score from which a
    facing keeps its own SKU whatever its group says (0 = ``threshold``: every facing
    whose own match is accepted keeps it)."""

    threshold: float = 0.8
    margin: float = 0.0
    link: float = 0.9
    confident: float = 0.0

    @property
    def confident_at(self) -> float:
        return self.confident or self.threshold


def context_groups(embeddings: FloatArray, rows: Sequence[Sequence[int]], link: float) -> list[int]:
    """Group id per facing: runs of adjacent facings in a row, each facing's similarity
    to every facing already in the run >= ``link`` (complete linkage: no chaining from
    one block of look-alikes into the next).

    Args:
        embeddings: (N, D) unit vectors.
        rows: per shelf row, facing indices left to right (facings in no row stay alone).
    """
    n = len(embeddings)
    group = list(range(n))
    for row in rows:
        run: list[int] = []
        for left, right in pairwise(row):
            if not run or run[-1] != left:
                run = [left]
            if link <= 1.0 and all(float(embeddings[m] @ embeddings[right]) >= link for m in run):
                group[right] = group[left]
                run.append(right)
            else:
                run = [right]
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


def combine(
    own: tuple[npt.NDArray[np.object_], FloatArray],
    grouped: tuple[npt.NDArray[np.object_], FloatArray],
    config: MatchConfig,
) -> tuple[npt.NDArray[np.object_], FloatArray]:
    """Per facing, its group's decision, except where its own best match is confident
    (own score >= ``config.confident_at`` and accepted) and names another SKU: then the
    facing keeps its own. Both arguments are ``decide`` results for the same facings."""
    own_skus, own_best = own
    grp_skus, grp_best = grouped
    keep = (own_skus != UNKNOWN) & (own_best >= config.confident_at) & (own_skus != grp_skus)
    return np.where(keep, own_skus, grp_skus).astype(object), np.where(
        keep, own_best, grp_best
    ).astype(np.float32)


def match_with_context(
    raw: tuple[FloatArray, npt.NDArray[np.str_]],
    grouped: tuple[FloatArray, npt.NDArray[np.str_]],
    config: MatchConfig,
) -> tuple[npt.NDArray[np.object_], FloatArray]:
    """``decide`` on each facing's own search and on its group's, then ``combine``.

    Args:
        raw: (scores, labels) of the facings' own embeddings, as from ``search(k=2)``.
        grouped: the same for the ``smooth``-ed (group mean) embeddings.
    """
    return combine(decide(*raw, config), decide(*grouped, config), config)
