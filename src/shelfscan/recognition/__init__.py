"""SKU recognition: crops -> embeddings -> nearest SKU in the catalog, or ``unknown``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shelfscan.lazy import lazy_exports

if TYPE_CHECKING:
    from shelfscan.recognition.embedder import Embedder, crop_boxes
    from shelfscan.recognition.index import CatalogIndex, NumpyIndex, make_index
    from shelfscan.recognition.matcher import UNKNOWN, MatchConfig
    from shelfscan.recognition.recognizer import CatalogRecognizer
    from shelfscan.recognition.records import RefImage, SkuInfo
    from shelfscan.recognition.settings import RecognitionSettings, load_recognition_settings

# name -> module: imported on first use (PEP 562), so that importing one light part
# of the package does not load OpenCV / ONNX Runtime with the rest
_EXPORTS = {
    "Embedder": "shelfscan.recognition.embedder",
    "crop_boxes": "shelfscan.recognition.embedder",
    "CatalogIndex": "shelfscan.recognition.index",
    "NumpyIndex": "shelfscan.recognition.index",
    "make_index": "shelfscan.recognition.index",
    "UNKNOWN": "shelfscan.recognition.matcher",
    "MatchConfig": "shelfscan.recognition.matcher",
    "CatalogRecognizer": "shelfscan.recognition.recognizer",
    "RefImage": "shelfscan.recognition.records",
    "SkuInfo": "shelfscan.recognition.records",
    "RecognitionSettings": "shelfscan.recognition.settings",
    "load_recognition_settings": "shelfscan.recognition.settings",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


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
