"""``CatalogSpec``: the recognition stage's catalog as plain data, built into a recognizer.

The composition root reads the references from the store once; worker processes and
Ray actors each build their own recognizer (one embedder session) from the same spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shelfscan.recognition.embedder import Embedder
from shelfscan.recognition.index import make_index
from shelfscan.recognition.matcher import MatchConfig
from shelfscan.recognition.recognizer import CatalogRecognizer
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.settings import RecognitionSettings
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


@dataclass(frozen=True)
class CatalogSpec:
    """The catalog a recognizer needs: (sku, (M, D) unit vectors) per SKU, the SKUs'
    attributes and the decision values, for the embedder named in ``settings``."""

    settings: RecognitionSettings
    config: MatchConfig
    vectors: tuple[tuple[str, FloatArray], ...]
    skus: Mapping[str, SkuInfo]

    def build(self, embedder: Embedder | None = None) -> CatalogRecognizer:
        """The recognizer (loads the embedder unless given one)."""
        s = self.settings
        embedder = embedder or Embedder.from_path(s.embedder_path, s.threads)
        index = make_index(s.index, embedder.dim)
        for sku, vecs in self.vectors:
            index.add(sku, vecs)
        return CatalogRecognizer(embedder, index, dict(self.skus), self.config, s.keep_crops)
