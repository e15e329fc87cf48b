"""Hard cases of real stores (``SceneConfig.realism``): off by default, exact labels when on."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from shelfscan.datasets.synthetic import SceneConfig, SyntheticCatalog, generate_scene, plan_scene
from shelfscan.datasets.synthetic.camera import random_effects
from shelfscan.datasets.synthetic.hard import REALISTIC, Realism
from shelfscan.types import CLASS_PRICE_TAG, CLASS_PRODUCT

CAT = SyntheticCatalog(120, seed=0)
SIZE = (800, 600)
FLAT = SceneConfig(camera_strength=0, pegboard_prob=0)  # truth comparable pixel for pixel


def _scene(seed: int, cfg: SceneConfig):  # type: ignore[no-untyped-def]
    return generate_scene(seed, cfg, CAT, SIZE)


def _boxes(scene, cls: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    d = scene.detections
    return np.asarray(d.xyxy[d.class_id == cls])


def test_off_by_default_and_all_zero_is_the_default() -> None:
    assert not SceneConfig().realism.any
    a = _scene(3, SceneConfig())
    b = _scene(3, SceneConfig(realism=Realism()))
    assert a.image.tobytes() == b.image.tobytes()
    assert a.spec.hard is None


@pytest.mark.parametrize("seed", [11, 12])
def test_realistic_scenes_are_deterministic(seed: int) -> None:
    cfg = SceneConfig(realism=REALISTIC)
    a, b = _scene(seed, cfg), _scene(seed, cfg)
    assert a.image.tobytes() == b.image.tobytes()
    assert np.array_equal(a.detections.xyxy, b.detections.xyxy)


@pytest.mark.parametrize(
    "case",
    [
        Realism(back_rows=1.0),  # back-row units drawn, never boxed
        Realism(negatives=1.0),  # signs, posters, promo cards, lights, floor, side bays...
        Realism(surfaces=1.0),  # foil, cellophane, print texture
    ],
)
@pytest.mark.parametrize("seed", [1, 2, 5])
def test_unlabelled_hard_cases_leave_the_truth_unchanged(case: Realism, seed: int) -> None:
    plain = _scene(seed, FLAT)
    hard = _scene(seed, replace(FLAT, realism=case))
    assert hard.image.tobytes() != plain.image.tobytes()
    assert np.array_equal(_boxes(hard, CLASS_PRODUCT), _boxes(plain, CLASS_PRODUCT))
    assert np.array_equal(_boxes(hard, CLASS_PRICE_TAG), _boxes(plain, CLASS_PRICE_TAG))


@pytest.mark.parametrize(
    ("box", "cover", "want"),
    [
        ((0, 0, 100, 50), (200, 240), (0, 0, 100, 50)),  # not covered
        ((0, 0, 100, 50), (80, 120), (0, 0, 80, 50)),  # right part hidden: left part stays
        ((0, 0, 100, 50), (-10, 30), (30, 0, 100, 50)),  # left part hidden
        ((0, 0, 100, 50), (20, 90), None),  # 20 + 10 px of 100 show: below MIN_VISIBLE
        ((0, 0, 100, 50), (-5, 105), None),  # all hidden
    ],
)
def test_occlusion_by_a_door_frame(
    box: tuple[float, ...], cover: tuple[float, float], want: tuple[float, ...] | None
) -> None:
    from shelfscan.datasets.synthetic.render import _Boxes

    boxes = _Boxes()
    boxes.add(box, CLASS_PRODUCT, 0)  # type: ignore[arg-type]
    boxes.occlude(*cover)
    assert [r[0] for r in boxes.rows] == ([] if want is None else [want])


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_cooler_doors_only_hide_or_trim_boxes(seed: int) -> None:
    plain = _boxes(_scene(seed, FLAT), CLASS_PRODUCT)
    scene = _scene(seed, replace(FLAT, realism=Realism(cooler=1.0)))
    assert scene.spec.hard is not None and scene.spec.hard.cooler_frames_mm
    boxes = _boxes(scene, CLASS_PRODUCT)
    assert 0 < len(boxes) <= len(plain)
    trimmed = 0
    for b in boxes:  # each box is a plain box or its left / right part
        same_rows = plain[(plain[:, 1] == b[1]) & (plain[:, 3] == b[3])]
        whole = (same_rows == b).all(axis=1).any()
        part = ((same_rows[:, 0] <= b[0]) & (same_rows[:, 2] >= b[2])).any()
        assert whole or part, b
        trimmed += not whole
    assert trimmed + len(plain) - len(boxes) > 0  # some frame did hide something


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_baskets_hold_bags_each_boxed(seed: int) -> None:
    spec = plan_scene(seed, replace(FLAT, realism=Realism(baskets=1.0)), CAT)
    assert spec.hard is not None and spec.hard.basket_rows == list(range(len(spec.shelves)))
    assert {CAT.get(i.sku).shape for i in spec.items} == {"bag"}
    xs = sorted((i.shelf, i.x_mm, i.width_mm) for i in spec.items)
    overlaps = sum(a[0] == b[0] and b[1] < a[1] + a[2] for a, b in itertools.pairwise(xs))
    assert overlaps > 0  # heaped: neighbouring bags overlap
    scene = generate_scene(seed, replace(FLAT, realism=Realism(baskets=1.0)), CAT, SIZE)
    assert len(_boxes(scene, CLASS_PRODUCT)) > 0


def test_tall_stacks_box_every_unit() -> None:
    cfg = replace(FLAT, realism=Realism(tall_stacks=1.0))
    levels = [i.level for s in range(12) for i in plan_scene(s, cfg, CAT).items]
    assert max(levels) >= 2
    base = [i.level for s in range(12) for i in plan_scene(s, FLAT, CAT).items]
    assert max(base) <= 1 and len(levels) > len(base)


def test_sale_and_multibuy_tags() -> None:
    spec = plan_scene(4, replace(FLAT, realism=Realism(sale_tags=1.0)), CAT)
    styles = {t.style for t in spec.price_tags}
    assert styles <= {"sale", "multibuy", "promo"} and len(styles) >= 2
    assert all("/" in t.price for t in spec.price_tags if t.style == "multibuy")


@pytest.mark.parametrize("seed", [0, 3, 8])
def test_peg_labels_are_price_tags(seed: int) -> None:
    cfg = SceneConfig(camera_strength=0, pegboard_prob=1.0, realism=Realism(peg_labels=1.0))
    scene = _scene(seed, cfg)
    products, tags = _boxes(scene, CLASS_PRODUCT), _boxes(scene, CLASS_PRICE_TAG)
    assert scene.spec.price_tags == []  # one label per hook instead of rail tags
    assert len(tags) >= 0.8 * len(products)
    # each label hangs above a pack: its centre is over some product, above its top
    cx = (tags[:, 0] + tags[:, 2]) / 2
    over = [
        ((products[:, 0] <= x) & (x <= products[:, 2]) & (products[:, 1] >= t[3])).any()
        for x, t in zip(cx, tags, strict=True)
    ]
    assert np.mean(over) >= 0.9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clear_bottles_are_boxed(seed: int) -> None:
    cfg = replace(FLAT, realism=Realism(clear_bottles=1.0, cooler=1.0))
    spec = plan_scene(seed, cfg, CAT)
    assert spec.hard is not None
    bottles = {i.sku for i in spec.items if CAT.get(i.sku).shape == "bottle"}
    assert spec.hard.clear_skus == bottles


def test_oblique_views_off_unless_asked() -> None:
    a = random_effects(np.random.default_rng(5), 0.6)
    b = random_effects(np.random.default_rng(5), 0.6, oblique=0.0)
    assert a == b and a.yaw == 0.0
    yaws = [random_effects(np.random.default_rng(s), 0.6, oblique=1.0).yaw for s in range(20)]
    assert any(abs(y) > 0.3 for y in yaws)
    scene = _scene(6, SceneConfig(camera_strength=0.6, realism=Realism(oblique=1.0)))
    boxes = scene.detections.xyxy
    assert len(boxes) and (boxes >= 0).all() and (boxes[:, 2] <= SIZE[0]).all()


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_tiers_are_one_shelf_row_in_trays(seed: int) -> None:
    cfg = replace(FLAT, realism=Realism(tiers=1.0))
    scene = _scene(seed, cfg)
    plan = scene.spec.hard
    assert plan is not None and plan.tier_rows  # every shelf draws a tier here
    d = scene.detections
    product = d.class_id == CLASS_PRODUCT
    for row in plan.tier_rows:
        on_row = product & (d.data["shelf"] == row)
        levels = set(d.data["level"][on_row].tolist())
        assert len(levels) >= 2  # units stacked in tiers, every unit boxed on its shelf
        sh = scene.spec.shelves[row]
        for it in (i for i in scene.spec.items if i.shelf == row):
            top = sh.base_mm - it.level * (it.height_mm + 1.0) - it.lift_mm - it.height_mm
            assert top >= sh.base_mm - sh.clearance_mm  # the shelf's space holds every tier
    # no tier units stand outside their shelf's space: the next shelf starts below them
    for a, b in itertools.pairwise(scene.spec.shelves):
        assert b.base_mm - b.clearance_mm >= a.base_mm


def test_tiers_leave_scenes_without_tiers_unchanged() -> None:
    # tiers plan from their own random stream: other hard cases keep their plan and pixels
    cfg = replace(FLAT, realism=replace(REALISTIC, oblique=0.0))
    with_tiers = replace(cfg, realism=replace(cfg.realism, tiers=1e-9))
    a, b = _scene(7, cfg), _scene(7, with_tiers)
    assert b.spec.hard is not None and not b.spec.hard.tier_rows
    assert a.image.tobytes() == b.image.tobytes()
    assert np.array_equal(a.detections.xyxy, b.detections.xyxy)


def test_tier_trays_are_drawn_without_price_tags() -> None:
    plain = _scene(5, FLAT)
    tiered = _scene(5, replace(FLAT, realism=Realism(tiers=1.0)))
    assert tiered.image.tobytes() != plain.image.tobytes()
    n_tags = len(_boxes(tiered, CLASS_PRICE_TAG))
    assert n_tags == len(_boxes(plain, CLASS_PRICE_TAG))  # one tag line per shelf, as before
    assert len(_boxes(tiered, CLASS_PRODUCT)) > len(_boxes(plain, CLASS_PRODUCT))
