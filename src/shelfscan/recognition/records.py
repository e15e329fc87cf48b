"""Plain records of the catalog: a SKU's attributes and one reference image."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shelfscan.types import FloatArray


@dataclass(frozen=True)
class SkuInfo:
    """Catalog attributes of one SKU (what recognition and the share KPIs need)."""

    sku: str
    ean: str = ""
    name: str = ""
    brand: str = ""
    category: str = ""
    width_mm: float | None = None


@dataclass(frozen=True)
class RefImage:
    """One reference image of a SKU, ready to store: JPEG bytes and its embedding."""

    source: str  # file path, or "review:<unknown facing id>"
    sha256: str
    width: int
    height: int
    jpeg: bytes
    embedding: FloatArray = field(default_factory=lambda: np.zeros(0, np.float32))
