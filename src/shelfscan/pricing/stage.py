"""``PricingStage``: the pipeline stage that reads a photo's price tags, links them to
facings and, given a price list, checks them. Runs after planogram matching, before KPIs."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from shelfscan.pricing.compliance import check_tags
from shelfscan.pricing.link import link_tags
from shelfscan.pricing.ocr import OcrSettings, TagOcr
from shelfscan.pricing.parse import distrust_lost_marks, parse_tag
from shelfscan.pricing.pricelist import PriceEntry
from shelfscan.types import (
    CLASS_PRICE_TAG,
    CLASS_PRODUCT,
    Detections,
    PriceReadings,
    PriceTag,
    ShelfLayout,
)


@dataclass
class PricingStage:
    """OCR + parsing + tag-to-facing links (+ price-list checks when a list is given)."""

    ocr: TagOcr
    prices: Mapping[str, PriceEntry] | None = None  # SKU -> entry in force; None: no list
    names: Mapping[str, str] = field(default_factory=dict)  # SKU -> product name

    def __call__(
        self, image: npt.NDArray[np.uint8], dets: Detections, layout: ShelfLayout
    ) -> PriceReadings:
        t0 = time.perf_counter()
        tag_ids = np.flatnonzero(dets.class_id == CLASS_PRICE_TAG)
        boxes = dets.xyxy[tag_ids]
        t1 = time.perf_counter()
        lines = self.ocr.read(image, boxes)
        ocr_ms = (time.perf_counter() - t1) * 1000
        links = link_tags(boxes, layout, dets.xyxy)
        tags = []
        parsed = distrust_lost_marks([parse_tag(ln) for ln in lines])
        for k, (det_index, link) in enumerate(zip(tag_ids, links, strict=True)):
            p = parsed[k]
            tags.append(
                PriceTag(
                    int(det_index),
                    (
                        float(boxes[k, 0]),
                        float(boxes[k, 1]),
                        float(boxes[k, 2]),
                        float(boxes[k, 3]),
                    ),
                    p.status,
                    p.price,
                    p.second_price,
                    p.second_role,
                    p.multi_qty,
                    p.unit_price,
                    p.unit,
                    p.currency,
                    p.ean,
                    p.text,
                    p.confidence,
                    link.kind,
                    link.row,
                    link.facing_ids,
                )
            )
        facing_tag = {f: t for t, tag in enumerate(tags) for f in tag.facing_ids}
        untagged = tuple(
            int(i)
            for i in np.flatnonzero(dets.class_id == CLASS_PRODUCT)
            if int(i) not in facing_tag and dets.column("row", -1)[i] >= 0
        )
        checks = (
            check_tags(tags, list(dets.column("sku", None)), self.prices, self.names)
            if self.prices is not None
            else ()
        )
        return PriceReadings(
            tuple(tags),
            facing_tag,
            untagged,
            checks,
            self.prices is not None,
            ocr_ms,
            (time.perf_counter() - t0) * 1000,
        )


@dataclass(frozen=True)
class PricingSpec:
    """What the pricing stage needs, as plain data (pickles to worker processes).

    Attributes:
        prices: by store id, SKU -> price-list entry in force; a store not listed has no list.
        names: SKU -> product name, for the actions.
        always: read tags on every photo; else only on photos of stores with a list.
        ocr: the OCR settings.
    """

    prices: Mapping[str, Mapping[str, PriceEntry]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    always: bool = False
    ocr: OcrSettings = field(default_factory=OcrSettings)

    def reads(self, store_id: str) -> bool:
        """Whether photos of ``store_id`` have their tags read."""
        return self.always or store_id in self.prices

    def stage(self, ocr: TagOcr, store_id: str) -> PricingStage | None:
        """The stage for a photo of ``store_id``, or None when it reads no tags."""
        if not self.reads(store_id):
            return None
        return PricingStage(ocr, self.prices.get(store_id), self.names)
