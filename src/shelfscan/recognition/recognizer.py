"""The pipeline's recognition stage: facings -> crops -> embeddings -> SKU or ``unknown``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np
import numpy.typing as npt

from shelfscan.recognition.embedder import Embedder, Image, crop_boxes
from shelfscan.recognition.geometry import MIN_NATIVE_WIDTH
from shelfscan.recognition.index import CatalogIndex
from shelfscan.recognition.matcher import (
    UNKNOWN,
    MatchConfig,
    context_groups,
    match_with_context,
    smooth,
)
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.verify import Verifier, ambiguous, facing_bands, image_cues
from shelfscan.types import CLASS_PRODUCT, Detections, ShelfLayout

CROP_JPEG_QUALITY = 85
NOT_GIVEN = "(none)"  # brand/category of a recognised SKU whose catalog entry lacks it
CROP_MAX_SIDE = 256  # stored unknown crops are downscaled to this long side


def encode_crop(crop: Image) -> bytes:
    """A crop as JPEG bytes, long side at most ``CROP_MAX_SIDE`` pixels."""
    h, w = crop.shape[:2]
    scale = min(1.0, CROP_MAX_SIDE / max(h, w, 1))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        crop = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), np.uint8)
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, CROP_JPEG_QUALITY])
    return bytes(buf) if ok else b""


def to_verify(
    scores: npt.NDArray[np.float32], skus: npt.NDArray[np.object_], verifier: Verifier
) -> npt.NDArray[np.bool_]:
    """(N,) facings to verify: best two SKUs within ``gap`` (``scores``: (N, k) own
    search, best first) or left ``unknown``."""
    if not len(skus):
        return np.zeros(0, bool)
    out: npt.NDArray[np.bool_] = ambiguous(scores, verifier.config.gap) | (skus == UNKNOWN)
    return out


def to_check(
    scores: npt.NDArray[np.float32],
    verified: npt.NDArray[np.bool_],
    crops: Sequence[Image],
    verifier: Verifier,
) -> npt.NDArray[np.bool_]:
    """(N,) facings for geometry alone (``Verifier.check``): not ``verified`` (close
    calls), best whole-crop score below ``sure`` and either below ``low`` or within
    ``near`` of the second best, crop wide enough to be judged, and reference images at
    hand; plus, of the other such facings below ``sure``, the ``budget`` lowest-scoring
    (``scores`` holds one photo's facings: a per-photo budget; ties: the earlier facing)."""
    n = len(verified)
    cfg = verifier.config
    if not verifier.geometric or cfg.sure <= 0 or not n:
        return np.zeros(n, bool)
    wide = np.array([c.shape[1] >= MIN_NATIVE_WIDTH for c in crops], bool)
    best = scores[:, 0]
    worth = (best < cfg.low) | ambiguous(scores, cfg.near)
    eligible = ~verified & wide & (best < cfg.sure)
    out: npt.NDArray[np.bool_] = eligible & worth
    rest = np.flatnonzero(eligible & ~worth)
    if cfg.budget > 0 and len(rest):
        out[rest[np.argsort(best[rest], kind="stable")[: cfg.budget]]] = True
    return out


class CatalogRecognizer:
    """Adds columns ``sku`` / ``brand`` / ``category`` (``unknown`` below the threshold,
    None for non-products), ``match_score``, ``nearest_sku``, ``embedding`` (N, D) and
    ``crop_jpeg`` (JPEG bytes of unknown facings, for review) to the detections.

    With a ``verifier``, facings whose closest SKUs are close (or that are left unknown)
    are re-scored on the brand band and its colours (``verify``); an unknown facing
    whose candidates agree on a brand is counted for that brand (``sku`` stays
    ``unknown``, ``brand_fallback`` is True)."""

    def __init__(
        self,
        embedder: Embedder,
        index: CatalogIndex,
        info: Mapping[str, SkuInfo],
        config: MatchConfig | None = None,
        keep_crops: bool = True,
        verifier: Verifier | None = None,
    ) -> None:
        self.verifier = verifier
        self._brand_category: dict[str, str] | None = None
        self.embedder = embedder
        self.index = index
        self.info = info
        self.config = config or MatchConfig()
        self.keep_crops = keep_crops

    def match(
        self, embeddings: npt.NDArray[np.float32], rows: list[list[int]]
    ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float32], npt.NDArray[np.str_]]:
        """SKU id (or ``unknown``), best score and nearest SKU per embedding.

        ``rows``: per shelf row, indices into ``embeddings`` left to right.
        """
        skus, best, nearest, _ = self.match_candidates(embeddings, rows)
        return skus, best, nearest

    def match_candidates(
        self, embeddings: npt.NDArray[np.float32], rows: list[list[int]]
    ) -> tuple[
        npt.NDArray[np.object_],
        npt.NDArray[np.float32],
        npt.NDArray[np.str_],
        tuple[npt.NDArray[np.float32], npt.NDArray[np.str_]],
    ]:
        """``match`` plus the own search (scores, SKU ids), best first, with as many
        candidates as verification looks at."""
        groups = context_groups(embeddings, rows, self.config.link)
        # each facing, and each group of two or more facings by its mean: one search (one
        # matrix product over the catalog); single facings reuse their own result
        ids, first, inverse, counts = np.unique(
            np.asarray(groups, np.int64), return_index=True, return_inverse=True, return_counts=True
        )
        grouping = bool(len(ids)) and counts.max() > 1
        means = smooth(embeddings, groups)[first] if grouping else embeddings[:0]
        n = len(embeddings)
        scores, labels = self.index.search(np.concatenate([embeddings, means]), k=self._k())
        raw = (scores[:n], labels[:n])
        grouped = (scores[n:, :2][inverse], labels[n:, :2][inverse]) if grouping else raw
        skus, best = match_with_context(raw, grouped, self.config)
        labels = raw[1]
        return skus, best, labels[:, 0] if len(labels) else np.zeros(0, str), raw

    def _k(self) -> int:
        return max(2, self.verifier.config.candidates) if self.verifier is not None else 2

    def match_verified(
        self, embeddings: npt.NDArray[np.float32], rows: list[list[int]], crops: list[Image]
    ) -> tuple[
        npt.NDArray[np.object_],
        npt.NDArray[np.float32],
        npt.NDArray[np.str_],
        npt.NDArray[np.object_],
    ]:
        """``match``, then verification of the close calls among ``crops`` (the images
        of ``embeddings``: the facings' boxes, tight like the references their band cues
        are compared with) and, with reference images, geometry alone on the facings
        below ``sure`` (``to_check``); also returns the fallback brand per facing (""
        where none)."""
        skus, best, nearest, (scores, labels) = self.match_candidates(embeddings, rows)
        brands = np.full(len(skus), "", dtype=object)
        v = self.verifier
        if v is None or not v.config.enabled or not len(skus):
            return skus, best, nearest, brands
        close = to_verify(scores, skus, v)
        todo = np.flatnonzero(close)
        skus, best = skus.copy(), best.copy()
        k = v.config.candidates
        if len(todo):
            chosen = [crops[i] for i in todo]
            query = image_cues(self.embedder, chosen, embeddings[todo])
            candidates = [[str(c) for c in labels[i, :k] if c] for i in todo]
            out = v.decide(
                query, candidates, facing_bands(chosen, True, v.threads) if v.geometric else None
            )
            skus[todo], best[todo], brands[todo] = out.skus, out.scores, out.brands
        check = np.flatnonzero(to_check(scores, close, crops, v))
        if len(check):
            chosen = [crops[i] for i in check]
            query = image_cues(self.embedder, chosen, embeddings[check])
            candidates = [[str(c) for c in labels[i, :k] if c] for i in check]
            current = [str(s) for s in skus[check]]
            bands = facing_bands(chosen, threads=v.threads)
            out = v.check(query, candidates, bands, current, best[check].tolist())
            skus[check], best[check], brands[check] = out.skus, out.scores, out.brands
        return skus, best, nearest, brands

    def __call__(self, image: Image, dets: Detections, layout: ShelfLayout) -> Detections:
        n = len(dets)
        products = np.flatnonzero(dets.class_id == CLASS_PRODUCT)
        local = {int(g): i for i, g in enumerate(products)}
        rows = [[local[f] for f in r.facing_ids if f in local] for r in layout.rows]
        crops = crop_boxes(image, dets.xyxy[products])
        emb = self.embedder(crops)
        skus, best, nearest, fallback = self.match_verified(emb, rows, crops)
        sku_col = np.full(n, None, dtype=object)
        brand_col = np.full(n, None, dtype=object)
        cat_col = np.full(n, None, dtype=object)
        score_col = np.full(n, None, dtype=object)
        crop_col = np.full(n, None, dtype=object)
        near_col = np.full(n, None, dtype=object)
        fallback_col = np.full(n, None, dtype=object)
        emb_col = np.zeros((n, emb.shape[1]), np.float32)
        for i, g in enumerate(products):
            sku = str(skus[i])
            meta = self.info.get(sku)
            sku_col[g] = sku
            if sku == UNKNOWN:
                brand_col[g] = fallback[i] or UNKNOWN
                cat_col[g] = self._category(str(fallback[i])) if fallback[i] else UNKNOWN
                fallback_col[g] = bool(fallback[i])
            else:  # a known SKU without a brand/category is not an unknown product
                brand_col[g] = (meta.brand if meta else "") or NOT_GIVEN
                cat_col[g] = (meta.category if meta else "") or NOT_GIVEN
            score_col[g] = float(best[i])
            emb_col[g] = emb[i]
            near_col[g] = str(nearest[i]) or None
            if sku == UNKNOWN and self.keep_crops:
                crop_col[g] = encode_crop(crops[i])
        return dets.with_data(
            sku=sku_col,
            brand=brand_col,
            category=cat_col,
            match_score=score_col,
            embedding=emb_col,
            crop_jpeg=crop_col,
            nearest_sku=near_col,
            brand_fallback=fallback_col,
        )

    def _category(self, brand: str) -> str:
        """The category shared by every catalogued SKU of ``brand`` (else ``unknown``)."""
        if self._brand_category is None:
            found: dict[str, set[str]] = {}
            for m in self.info.values():
                found.setdefault(m.brand, set()).add(m.category)
            self._brand_category = {
                b: next(iter(c)) for b, c in found.items() if len(c) == 1 and next(iter(c))
            }
        return self._brand_category.get(brand, UNKNOWN)
