"""Plain records of the catalog: a SKU's attributes and one reference image."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
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


class SkuTable(Mapping[str, SkuInfo]):
    """Every SKU's attributes as columns (plain data, picklable), each ``SkuInfo`` made
    when looked up: a 20,000-SKU catalog is read per scan without 20,000 objects."""

    def __init__(
        self,
        ids: Sequence[str],
        eans: Sequence[str],
        names: Sequence[str],
        brands: Sequence[str],
        categories: Sequence[str],
        widths: Sequence[float | None],
    ) -> None:
        self._cols = (list(ids), list(eans), list(names), list(brands), list(categories))
        self._widths = list(widths)
        self._pos = {sku: i for i, sku in enumerate(self._cols[0])}

    def __getitem__(self, sku: str) -> SkuInfo:
        i = self._pos[sku]
        ids, eans, names, brands, categories = self._cols
        return SkuInfo(ids[i], eans[i], names[i], brands[i], categories[i], self._widths[i])

    def __iter__(self) -> Iterator[str]:
        return iter(self._cols[0])

    def __len__(self) -> int:
        return len(self._pos)

    def columns(
        self,
    ) -> tuple[list[str], list[str], list[str], list[str], list[str], list[float | None]]:
        """(ids, EANs, names, brands, categories, widths in mm)."""
        return (*self._cols, self._widths)

    def brands(self) -> dict[str, str]:
        """SKU -> brand, without making the ``SkuInfo`` objects."""
        return dict(zip(self._cols[0], self._cols[3], strict=True))
