"""``CatalogSpec``: the recognition stage's catalog as plain data, built into a recognizer.

The composition root reads the references from the store once; worker processes and
Ray actors each build their own recognizer (one embedder session) from the same spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shelfscan.recognition.embedder import Embedder
from shelfscan.recognition.index import make_index
from shelfscan.recognition.matcher import MatchConfig
from shelfscan.recognition.recognizer import CatalogRecognizer
from shelfscan.recognition.records import SkuInfo, SkuTable
from shelfscan.recognition.settings import RecognitionSettings
from shelfscan.recognition.verify import (
    Cues,
    CueTable,
    ReferenceImages,
    Verifier,
    VerifyConfig,
)
from shelfscan.types import FloatArray


def match_config(embedder: Embedder, settings: RecognitionSettings) -> MatchConfig:
    """The embedder's calibrated decision values, overridden by non-zero settings."""
    base = embedder.match_config
    return MatchConfig(
        threshold=settings.threshold or base.threshold,
        margin=settings.margin or base.margin,
        link=settings.link or base.link,
        confident=settings.confident or base.confident,
    )


def verify_config(settings: RecognitionSettings) -> VerifyConfig:
    """The calibrated verification values, overridden by non-zero settings; ``verify``
    false turns verification off."""
    base = VerifyConfig()
    if not settings.verify:
        return VerifyConfig(gap=-1.0)
    return VerifyConfig(
        gap=settings.verify_gap or base.gap,
        threshold=settings.verify_threshold or base.threshold,
        brand=settings.brand_threshold or base.brand,
        candidates=base.candidates,
        sure=base.sure if settings.geometric else 0.0,
        low=settings.geometry_low or base.low,
        budget=base.budget if settings.geometry_budget < 0 else settings.geometry_budget,
    )


@dataclass(frozen=True)
class CatalogSpec:
    """The catalog a recognizer needs: (sku, (M, D) unit vectors) per SKU, the SKUs'
    attributes and the decision values, for the embedder named in ``settings``; with
    ``cues`` (per SKU, its references' verification cues) close calls are verified."""

    settings: RecognitionSettings
    config: MatchConfig
    vectors: tuple[tuple[str, FloatArray], ...]
    skus: Mapping[str, SkuInfo]
    cues: CueTable | tuple[tuple[str, Cues], ...] = ()
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    references: ReferenceImages | None = None  # reference images: geometric verification

    def build(self, embedder: Embedder | None = None) -> CatalogRecognizer:
        """The recognizer (loads the embedder unless given one)."""
        s = self.settings
        embedder = embedder or Embedder.from_path(s.embedder_path, s.threads)
        index = make_index(s.index, embedder.dim)
        for sku, vecs in self.vectors:
            index.add(sku, vecs)
        verifier = None
        if len(self.cues) and self.verify.enabled:
            skus = self.skus
            brands = (
                skus.brands()
                if isinstance(skus, SkuTable)
                else {k: v.brand for k, v in skus.items()}
            )
            verifier = Verifier(brands, self.verify, self.references, s.threads)
            if isinstance(self.cues, CueTable):
                verifier.add_table(self.cues)
            else:
                for sku, cues in self.cues:
                    verifier.add(sku, cues)
        info = self.skus if isinstance(self.skus, SkuTable) else dict(self.skus)
        return CatalogRecognizer(embedder, index, info, self.config, s.keep_crops, verifier)
