"""SKU recognition: crops -> embeddings -> nearest SKU in the catalog, or ``unknown``."""

from __future__ import annotations

from shelfscan.recognition.embedder import Embedder, crop_boxes
from shelfscan.recognition.index import CatalogIndex, NumpyIndex, make_index
from shelfscan.recognition.matcher import UNKNOWN, MatchConfig
from shelfscan.recognition.recognizer import CatalogRecognizer
from shelfscan.recognition.records import RefImage, SkuInfo
from shelfscan.recognition.settings import RecognitionSettings, load_recognition_settings

__all__ = [
    "UNKNOWN",
    "CatalogIndex",
    "CatalogRecognizer",
    "Embedder",
    "MatchConfig",
    "NumpyIndex",
    "RecognitionSettings",
    "RefImage",
    "SkuInfo",
    "crop_boxes",
    "load_recognition_settings",
    "make_index",
]
