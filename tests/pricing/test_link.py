"""Tag-to-facing links on hand-built layouts."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.layout import build_layout
from shelfscan.pricing.link import link_tags
from shelfscan.types import CLASS_PRICE_TAG, CLASS_PRODUCT, Detections


def scene(
    rows: list[tuple[float, list[tuple[float, float]]]], tags: list[list[float]]
) -> tuple[Detections, np.ndarray]:
    """Products (rows of (y_top, [(x1, x2), ...]), 100 px tall) plus tag boxes."""
    boxes = [[x1, y, x2, y + 100] for y, xs in rows for x1, x2 in xs]
    classes = [CLASS_PRODUCT] * len(boxes) + [CLASS_PRICE_TAG] * len(tags)
    dets = Detections.from_boxes(np.asarray(boxes + tags, np.float32), None, classes)
    return dets, np.asarray(tags, np.float32).reshape(-1, 4)


SHELF = (100.0, [(0, 50), (50, 100), (100, 150), (150, 200), (200, 250), (250, 300)])


@pytest.mark.parametrize(
    ("tags", "expect"),
    [
        # one tag under the first facing prices the whole row
        ([[5, 205, 45, 225]], [("shelf_edge", [0, 1, 2, 3, 4, 5])]),
        # two tags: each prices from its left edge up to the next tag
        (
            [[5, 205, 45, 225], [155, 205, 195, 225]],
            [("shelf_edge", [0, 1, 2]), ("shelf_edge", [3, 4, 5])],
        ),
        # a tag set a little right of its first facing still takes it
        (
            [[15, 205, 45, 225], [165, 205, 195, 225]],
            [("shelf_edge", [0, 1, 2]), ("shelf_edge", [3, 4, 5])],
        ),
        # facings left of the first tag are priced by none
        ([[105, 205, 145, 225]], [("shelf_edge", [2, 3, 4, 5])]),
        # a tag far below every row prices nothing
        ([[5, 600, 45, 620]], [("none", [])]),
    ],
)
def test_shelf_edge_tags(tags: list[list[float]], expect: list[tuple[str, list[int]]]) -> None:
    dets, tag_boxes = scene([SHELF], tags)
    dets, layout = build_layout(dets, (400, 800))
    links = link_tags(tag_boxes, layout, dets.xyxy)
    assert [(lk.kind, list(lk.facing_ids)) for lk in links] == expect


def test_tags_of_two_shelves_price_their_own_row() -> None:
    dets, tag_boxes = scene(
        [(100.0, [(0, 50), (50, 100)]), (300.0, [(0, 50), (50, 100)])],
        [[5, 205, 45, 225], [5, 405, 45, 425]],
    )
    dets, layout = build_layout(dets, (400, 800))
    links = link_tags(tag_boxes, layout, dets.xyxy)
    assert [list(lk.facing_ids) for lk in links] == [[0, 1], [2, 3]]


def test_peg_label_prices_the_product_below_it() -> None:
    # two hooks: labels sit just above each hanging product, far above any shelf edge
    dets, tag_boxes = scene(
        [(100.0, [(0, 60), (100, 160), (200, 260)])], [[100, 70, 160, 95], [200, 70, 260, 95]]
    )
    dets, layout = build_layout(dets, (400, 800))
    links = link_tags(tag_boxes, layout, dets.xyxy)
    assert [(lk.kind, list(lk.facing_ids)) for lk in links] == [("peg", [1]), ("peg", [2])]


def test_no_tags_or_no_rows() -> None:
    dets, tag_boxes = scene([SHELF], [])
    dets, layout = build_layout(dets, (400, 800))
    assert link_tags(tag_boxes, layout, dets.xyxy) == []
    only_tag, boxes = scene([], [[5, 205, 45, 225]])
    only_tag, layout = build_layout(only_tag, (400, 800))
    assert [lk.kind for lk in link_tags(boxes, layout, only_tag.xyxy)] == ["none"]
