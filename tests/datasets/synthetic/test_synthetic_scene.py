"""Scene planning and rendering: determinism, box correctness, editability."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from shelfscan.datasets.synthetic import (
    SceneConfig,
    SyntheticCatalog,
    generate_scene,
    plan_from_planogram,
    plan_scene,
    render_scene,
)
from shelfscan.errors import CatalogError
from shelfscan.types import CLASS_EMPTY, CLASS_PRICE_TAG, CLASS_PRODUCT

CAT = SyntheticCatalog(120, seed=0)
SIZE = (400, 300)
# a clean, fully visible bay: no camera, no random gaps, every facing as planned
CLEAN = SceneConfig(
    oos_prob=0,
    partial_oos_prob=0,
    pushed_back_prob=0,
    foreign_prob=0,
    stack_prob=0,
    view_width=(1.15, 1.2),
    camera_strength=0,
    pegboard_prob=0,
)


@pytest.mark.parametrize("seed", [0, 7])
def test_same_seed_gives_identical_bytes(seed: int) -> None:
    a = generate_scene(seed, catalog=CAT, size=SIZE)
    b = generate_scene(seed, catalog=CAT, size=SIZE)
    assert a.image.tobytes() == b.image.tobytes()
    assert np.array_equal(a.detections.xyxy, b.detections.xyxy)
    assert list(a.detections.data["sku"]) == list(b.detections.data["sku"])


def test_different_seeds_differ() -> None:
    a = generate_scene(1, catalog=CAT, size=SIZE)
    b = generate_scene(2, catalog=CAT, size=SIZE)
    assert a.image.tobytes() != b.image.tobytes()


@pytest.mark.parametrize(
    "config",
    [
        SceneConfig(),  # defaults, with camera effects
        SceneConfig(camera_strength=1.0),  # harsh camera
        SceneConfig(pegboard_prob=1.0),  # pegboard bay
        SceneConfig(view_width=(0.8, 0.85)),  # bay cropped at the frame edges
    ],
)
@pytest.mark.parametrize("seed", [3, 11])
def test_boxes_are_valid(config: SceneConfig, seed: int) -> None:
    sc = generate_scene(seed, config, CAT, SIZE)
    d = sc.detections
    assert sc.image.shape == (SIZE[1], SIZE[0], 3) and sc.image.dtype == np.uint8
    assert len(d.of_class(CLASS_PRODUCT)) > 5
    assert set(np.unique(d.class_id)) <= {CLASS_PRODUCT, CLASS_EMPTY, CLASS_PRICE_TAG}
    assert (d.xyxy[:, :2] >= 0).all() and (d.xyxy[:, 2] <= SIZE[0]).all()
    assert (d.xyxy[:, 3] <= SIZE[1]).all() and (d.area > 0).all()
    for key in ("sku", "brand", "shelf"):
        assert len(d.data[key]) == len(d)
    products = d.class_id == CLASS_PRODUCT
    assert all(s in CAT for s in d.data["sku"][products])
    assert all(s == "" for s in d.data["sku"][~products])
    assert set(d.data["shelf"].tolist()) <= set(range(len(sc.spec.shelves)))
    assert len(sc.shelf_lines) == len(sc.spec.shelves)


def test_planogram_matches_items_on_a_clean_bay() -> None:
    spec = plan_scene(5, CLEAN, CAT)
    for row, blocks in enumerate(spec.planogram):
        expected = [sku for sku, n in blocks for _ in range(n)]
        assert [i.sku for i in spec.items_on(row)] == expected
    sc = render_scene(spec, 5, SIZE)
    n_facings = sum(n for row in spec.planogram for _, n in row)
    assert len(sc.detections.of_class(CLASS_PRODUCT)) == n_facings
    assert len(sc.detections.of_class(CLASS_EMPTY)) == 0


def test_products_stand_on_their_shelf_line() -> None:
    sc = render_scene(plan_scene(8, CLEAN, CAT), 8, SIZE)
    lines = sc.shelf_lines
    assert lines == sorted(lines)
    prods = sc.detections.of_class(CLASS_PRODUCT)
    for k in range(len(prods)):
        assert abs(prods.xyxy[k, 3] - lines[int(prods.data["shelf"][k])]) <= 1.0


def test_box_covers_exactly_the_drawn_product() -> None:
    """Removing one facing changes pixels inside its box only."""
    spec = plan_scene(9, CLEAN, CAT)
    full = render_scene(spec, 9, SIZE)
    prods = full.detections.of_class(CLASS_PRODUCT)
    k = len(prods) // 2
    sku, shelf = str(prods.data["sku"][k]), int(prods.data["shelf"][k])
    # the item drawn as box k: same sku, same rank among that sku's facings on the shelf
    same = [i for i in spec.items_on(shelf) if i.sku == sku]
    order = [
        j
        for j in range(len(prods))
        if prods.data["sku"][j] == sku and int(prods.data["shelf"][j]) == shelf
    ]
    target = same[order.index(k)]
    edited = replace(spec, items=[i for i in spec.items if i is not target])
    less = render_scene(edited, 9, SIZE)
    diff = np.abs(full.image.astype(int) - less.image.astype(int)).sum(-1) > 0
    bx1, by1, bx2, by2 = prods.xyxy[k]
    inside = np.zeros_like(diff)
    inside[int(by1) : int(np.ceil(by2)), int(bx1) : int(np.ceil(bx2))] = True
    assert diff.any()
    assert not (diff & ~inside).any()
    assert diff[inside].mean() > 0.5


def test_removing_a_block_leaves_an_empty_box() -> None:
    spec = plan_scene(12, CLEAN, CAT)
    row = max(range(len(spec.planogram)), key=lambda r: len(spec.planogram[r]))
    sku, n = spec.planogram[row][len(spec.planogram[row]) // 2]
    assert spec.remove_facings(sku, shelf=row) == n
    sc = render_scene(spec, 12, SIZE)
    empties = sc.detections.of_class(CLASS_EMPTY)
    assert len(empties) == 1 and int(empties.data["shelf"][0]) == row
    assert len(sc.detections.of_class(CLASS_PRODUCT)) == len(spec.items)


def test_pushed_back_facings_are_smaller() -> None:
    cfg = replace(CLEAN, pushed_back_prob=0.5)
    spec = plan_scene(4, cfg, CAT)
    d = render_scene(spec, 4, SIZE).detections.of_class(CLASS_PRODUCT)
    pushed = d.data["pushed_back"]
    assert pushed.any() and (~pushed).any()
    for sku in set(d.data["sku"][pushed]) & set(d.data["sku"][~pushed]):
        back = d.area[pushed & (d.data["sku"] == sku)].mean()
        front = d.area[~pushed & (d.data["sku"] == sku)].mean()
        assert back < front


def test_replace_sku_puts_a_competitor_in_place() -> None:
    spec = plan_scene(6, CLEAN, CAT)
    old = spec.planogram[0][0][0]
    other = next(s.sku for s in CAT.skus if s.brand != CAT.get(old).brand)
    assert spec.replace_sku(old, other) > 0
    sc = render_scene(spec, 6, SIZE)
    assert other in set(sc.detections.data["sku"])
    assert old not in set(sc.detections.data["sku"])


def test_frame_edge_boxes_are_clipped_not_dropped_when_mostly_visible() -> None:
    sc = generate_scene(2, SceneConfig(view_width=(0.8, 0.82), camera_strength=0), CAT, SIZE)
    d = sc.detections.of_class(CLASS_PRODUCT)
    touching = (d.xyxy[:, 0] <= 0) | (d.xyxy[:, 2] >= SIZE[0])
    assert touching.any()


def test_render_rejects_tiny_size() -> None:
    with pytest.raises(ValueError, match="size"):
        render_scene(plan_scene(0, CLEAN, CAT), 0, (16, 16))


@pytest.mark.slow
def test_full_size_scene_is_fast() -> None:
    import time

    generate_scene(0, catalog=CAT)  # warm caches
    t = time.perf_counter()
    for seed in range(3):
        generate_scene(seed, catalog=CAT, size=(1600, 1200))
    assert (time.perf_counter() - t) / 3 < 1.0  # ~0.2-0.4 s on 2 idle cores


def test_stacked_units_sit_on_their_facing_and_go_with_it() -> None:
    cfg = replace(CLEAN, stack_prob=1.0, shelves=(3, 3))
    # the first seed whose bay has room to stack (most do)
    seed = next(s for s in range(21, 41) if any(i.level for i in plan_scene(s, cfg, CAT).items))
    spec = plan_scene(seed, cfg, CAT)
    stacked = [i for i in spec.items if i.level == 1]
    top = stacked[0]
    # planogram facings count the units standing on the shelf only
    for row, blocks in enumerate(spec.planogram):
        assert len(spec.items_on(row)) == sum(n for _, n in blocks)
    d = render_scene(spec, seed, SIZE).detections.of_class(CLASS_PRODUCT)
    lv = d.data["level"]
    assert (lv == 1).sum() == len(stacked)
    for k in np.flatnonzero(lv == 1):  # each stacked box rests on a box of the same SKU
        below = (lv == 0) & (d.data["sku"] == d.data["sku"][k])
        gaps = np.abs(d.xyxy[below, 1] - d.xyxy[k, 3])
        assert gaps.min() <= 2.0
    # removing the rightmost facing of that SKU also removes what is stacked on it
    slot = max((i for i in spec.items_on(top.shelf) if i.sku == top.sku), key=lambda i: i.x_mm)
    in_slot = [
        i
        for i in spec.items
        if i.shelf == slot.shelf and abs(i.x_mm - slot.x_mm) < slot.width_mm / 2
    ]
    n_before = len(spec.items)
    assert spec.remove_facings(top.sku, count=1, shelf=top.shelf) == 1
    assert len(spec.items) == n_before - len(in_slot)
    assert all(i not in spec.items for i in in_slot)


PLANOGRAM = [
    [("SKU0001", 3), ("SKU0002", 2), ("SKU0003", 4)],
    [("SKU0010", 5), ("SKU0011", 1)],
    [("SKU0020", 2), ("SKU0021", 2), ("SKU0022", 2)],
]


@pytest.mark.parametrize("bay_type", ["shelf", "pegboard"])
def test_scene_from_a_given_planogram(bay_type: str) -> None:
    spec = plan_from_planogram(PLANOGRAM, seed=1, config=CLEAN, catalog=CAT, bay_type=bay_type)
    assert spec.planogram == PLANOGRAM and spec.bay_type == bay_type
    for row, blocks in enumerate(PLANOGRAM):
        assert [i.sku for i in spec.items_on(row)] == [s for s, n in blocks for _ in range(n)]
    d = render_scene(spec, 1, SIZE).detections
    prods = d.of_class(CLASS_PRODUCT)
    assert len(prods) == sum(n for row in PLANOGRAM for _, n in row)
    assert len(d.of_class(CLASS_PRICE_TAG)) == sum(len(row) for row in PLANOGRAM)
    assert sorted(set(prods.data["shelf"].tolist())) == [0, 1, 2]


def test_planogram_scene_can_be_perturbed() -> None:
    cfg = replace(CLEAN, oos_prob=1.0)
    spec = plan_from_planogram(PLANOGRAM, seed=2, config=cfg, catalog=CAT)
    assert spec.items == [] and spec.planogram == PLANOGRAM
    d = render_scene(spec, 2, SIZE).detections
    assert len(d.of_class(CLASS_PRODUCT)) == 0
    assert sorted(set(d.of_class(CLASS_EMPTY).data["shelf"].tolist())) == [0, 1, 2]


@pytest.mark.parametrize(
    ("planogram", "kwargs", "error", "message"),
    [
        ([[("NOPE", 1)]], {}, CatalogError, "unknown SKU 'NOPE'"),
        ([[("SKU0001", 0)]], {}, ValueError, "facings must be >= 1"),
        ([[("SKU0001", 1)]], {"bay_type": "fridge"}, ValueError, "bay_type"),
    ],
)
def test_bad_planogram_input(
    planogram: list[list[tuple[str, int]]], kwargs: dict[str, str], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        plan_from_planogram(planogram, catalog=CAT, **kwargs)  # type: ignore[arg-type]
