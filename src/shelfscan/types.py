"""Core data types that flow through the pipeline.

``Detections`` is the one object every stage reads and returns: parallel numpy
columns (boxes, scores, class ids) plus a ``data`` dict of extra per-box columns
(``sku``, ``brand``, ``match_score``, ``embedding``, ``row`` ...).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # stage result types, named for annotations only (no import at run time)
    from shelfscan.imaging.quality import QualityReport
    from shelfscan.planogram.result import PlanogramMatch

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

# Detector class ids shared by the detector, the datasets and the layout stage.
CLASS_PRODUCT = 0
CLASS_EMPTY = 1
CLASS_PRICE_TAG = 2
CLASS_NAMES: tuple[str, ...] = ("product", "empty", "price_tag")


def _as_boxes(xyxy: Any) -> FloatArray:
    arr = np.asarray(xyxy, dtype=np.float32)
    if arr.size == 0:
        return np.zeros((0, 4), dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"xyxy must have shape (N, 4), got {arr.shape}")
    return arr


@dataclass(frozen=True)
class Detections:
    """Boxes found on one image, as parallel columns.

    Attributes:
        xyxy: (N, 4) float32 boxes in original image pixels, x1 y1 x2 y2.
        confidence: (N,) float32 scores in [0, 1].
        class_id: (N,) int64 detector class ids (see ``CLASS_NAMES``).
        data: extra per-box columns, each an array of length N.
    """

    xyxy: FloatArray
    confidence: FloatArray
    class_id: IntArray
    data: dict[str, npt.NDArray[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "xyxy", _as_boxes(self.xyxy))
        n = len(self.xyxy)
        conf = np.asarray(self.confidence, dtype=np.float32).reshape(-1)
        cls = np.asarray(self.class_id, dtype=np.int64).reshape(-1)
        if conf.shape != (n,):
            raise ValueError(f"confidence must have shape ({n},), got {conf.shape}")
        if cls.shape != (n,):
            raise ValueError(f"class_id must have shape ({n},), got {cls.shape}")
        object.__setattr__(self, "confidence", conf)
        object.__setattr__(self, "class_id", cls)
        for key, col in self.data.items():
            if len(col) != n:
                raise ValueError(f"data[{key!r}] must have length {n}, got {len(col)}")

    # -- constructors -------------------------------------------------
    @classmethod
    def empty(cls) -> Detections:
        return cls(
            xyxy=np.zeros((0, 4), dtype=np.float32),
            confidence=np.zeros((0,), dtype=np.float32),
            class_id=np.zeros((0,), dtype=np.int64),
        )

    @classmethod
    def from_boxes(
        cls,
        xyxy: Any,
        confidence: Any | None = None,
        class_id: Any | None = None,
        **data: Any,
    ) -> Detections:
        """Build from plain sequences; missing scores are 1.0 and classes ``product``."""
        boxes = _as_boxes(xyxy)
        n = len(boxes)
        conf = np.ones(n, np.float32) if confidence is None else np.asarray(confidence)
        cls_ids = np.zeros(n, np.int64) if class_id is None else np.asarray(class_id)
        return cls(boxes, conf, cls_ids, {k: np.asarray(v) for k, v in data.items()})

    @classmethod
    def merge(cls, items: list[Detections]) -> Detections:
        """Concatenate; extra columns present in only some items are dropped."""
        items = [d for d in items if len(d)]
        if not items:
            return cls.empty()
        keys = set(items[0].data)
        for d in items[1:]:
            keys &= set(d.data)
        return cls(
            np.concatenate([d.xyxy for d in items]),
            np.concatenate([d.confidence for d in items]),
            np.concatenate([d.class_id for d in items]),
            {k: np.concatenate([d.data[k] for d in items]) for k in sorted(keys)},
        )

    # -- container protocol -------------------------------------------
    def __len__(self) -> int:
        return len(self.xyxy)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self)))

    def __getitem__(self, index: Any) -> Detections:
        """Index with an int, slice, boolean mask or index array; returns a new object."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Detections(
            self.xyxy[index],
            self.confidence[index],
            self.class_id[index],
            {k: v[index] for k, v in self.data.items()},
        )

    # -- transformations ----------------------------------------------
    def with_data(self, **columns: Any) -> Detections:
        """Return a copy with extra columns added or replaced."""
        data = dict(self.data)
        data.update({k: np.asarray(v) for k, v in columns.items()})
        return Detections(self.xyxy, self.confidence, self.class_id, data)

    def with_boxes(self, xyxy: Any) -> Detections:
        return Detections(_as_boxes(xyxy), self.confidence, self.class_id, dict(self.data))

    def of_class(self, class_id: int) -> Detections:
        return self[self.class_id == class_id]

    # -- geometry -----------------------------------------------------
    @property
    def width(self) -> FloatArray:
        return self.xyxy[:, 2] - self.xyxy[:, 0]

    @property
    def height(self) -> FloatArray:
        return self.xyxy[:, 3] - self.xyxy[:, 1]

    @property
    def area(self) -> FloatArray:
        return self.width * self.height

    @property
    def center(self) -> FloatArray:
        """(N, 2) box centres."""
        return np.stack(
            [(self.xyxy[:, 0] + self.xyxy[:, 2]) / 2, (self.xyxy[:, 1] + self.xyxy[:, 3]) / 2],
            axis=1,
        ).astype(np.float32)

    def column(self, key: str, default: Any = None) -> npt.NDArray[Any]:
        """An extra column, or an array filled with ``default`` when absent."""
        if key in self.data:
            return self.data[key]
        return np.full(len(self), default, dtype=object)


@dataclass(frozen=True)
class Gap:
    """An empty stretch on a shelf row: an out-of-stock candidate."""

    row: int
    xyxy: tuple[float, float, float, float]
    width_facings: float  # gap width in units of the row's typical facing width
    confidence: float = 1.0  # how sure the layout is that the shelf shows here (0-1)

    @property
    def width(self) -> float:
        return self.xyxy[2] - self.xyxy[0]


@dataclass(frozen=True)
class ShelfRow:
    """One shelf row: facings ordered left to right."""

    index: int  # 0 = top row
    y_top: float
    y_bottom: float
    x_left: float
    x_right: float
    facing_ids: tuple[int, ...]  # indices into the photo's Detections, left to right
    typical_width: float  # median facing width on this row, pixels

    @property
    def facings(self) -> int:
        return len(self.facing_ids)


@dataclass(frozen=True)
class ShelfLayout:
    """Rows and gaps of one photo (or one stitched bay)."""

    rows: tuple[ShelfRow, ...]
    gaps: tuple[Gap, ...]
    image_size: tuple[int, int]  # (width, height)
    elapsed_ms: float = 0.0
    weak_gaps: tuple[Gap, ...] = ()  # gap candidates without enough evidence (not in KPIs)
    bays: tuple[tuple[float, float], ...] = ()  # (x_left, x_right) of each bay kept
    slope: float = 0.0  # shelf-line slope, pixels down per pixel right
    dropped: Mapping[str, int] = field(default_factory=dict)  # boxes cleaned away per rule

    @property
    def facings(self) -> int:
        return sum(r.facings for r in self.rows)


@dataclass(frozen=True)
class KpiReport:
    """KPI name -> value, with optional breakdowns (per row, per brand, per SKU...)."""

    values: Mapping[str, float]
    breakdowns: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    elapsed_ms: float = 0.0

    def __getitem__(self, key: str) -> float:
        return self.values[key]


@dataclass(frozen=True)
class PriceTag:
    """One price tag of a photo: what was read on it and the facings it prices.

    ``status`` is ``read`` or ``unreadable`` (then ``price`` is None). ``price`` is the
    main price as printed (a multi-buy tag's bundle price, for ``multi_qty`` units);
    ``kind`` is ``shelf_edge`` or ``peg``; ``facing_ids`` index the photo's Detections.
    """

    det_index: int
    xyxy: tuple[float, float, float, float]
    status: str
    price: float | None = None
    second_price: float | None = None
    second_role: str | None = None  # "regular" (was-price) or "promo"
    multi_qty: int | None = None
    unit_price: float | None = None
    unit: str | None = None
    currency: str | None = None
    ean: str | None = None
    text: str = ""
    confidence: float = 0.0
    kind: str = "shelf_edge"
    row: int = -1
    facing_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class PriceCheck:
    """A read tag compared with the price list for the SKU of the facings it prices."""

    tag: int  # index into PriceReadings.tags
    sku: str
    name: str
    shown: float
    expected: float
    promo_expected: float | None
    ok: bool
    promo_ok: bool | None  # None: no promo running for the SKU

    @property
    def action(self) -> str | None:
        """What the rep should do, or None when the tag is right."""
        if not self.ok:
            return f"Tag for {self.name} shows {self.shown:.2f}, the price list says {self.expected:.2f}"
        if self.promo_ok is False and self.promo_expected is not None:
            return (
                f"Tag for {self.name} shows {self.shown:.2f}, the promo price"
                f" {self.promo_expected:.2f} is not on the tag"
            )
        return None


@dataclass(frozen=True)
class PriceReadings:
    """The pricing stage's result: every tag read, facing links, list checks."""

    tags: tuple[PriceTag, ...]
    facing_tag: Mapping[int, int]  # facing det index -> index into ``tags``
    untagged: tuple[int, ...]  # product facings that no tag prices
    checks: tuple[PriceCheck, ...] = ()
    has_price_list: bool = False
    ocr_ms: float = 0.0
    elapsed_ms: float = 0.0

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(a for c in self.checks if (a := c.action) is not None)


@dataclass(frozen=True)
class PhotoInfo:
    """What the store keeps about a photo file."""

    path: Path
    sha256: str
    size_bytes: int
    width: int
    height: int
    taken_at: str  # ISO 8601: EXIF capture time, else the file's modification time


@dataclass(frozen=True)
class ScanResult:
    """Everything the pipeline found on one photo (or one stitched bay).

    Optional stages each have their own typed field (None when the stage did not run);
    a new stage appends its field at the end.

    Attributes:
        quality: the quality gate's report, the post-detection distance check included.
        planogram: the match with the best-fitting planogram.
        source: where the photo came from when not a file (capture: camera / stream name).
        prices: the price tags read, their facings and the price-list checks.
    """

    photo: PhotoInfo
    detections: Detections
    layout: ShelfLayout
    kpis: KpiReport
    model: str = ""
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    quality: QualityReport | None = None
    planogram: PlanogramMatch | None = None
    source: str | None = None
    prices: PriceReadings | None = None

    @property
    def elapsed_ms(self) -> float:
        return float(sum(self.timings_ms.values()))
