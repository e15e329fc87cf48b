"""Synthetic shelf photos with exact ground truth: catalog, scene plan, renderer, camera.

Typical use::

    scene = generate_scene(seed=3)                   # plan + render + camera effects
    spec = plan_scene(3, SceneConfig())              # or plan, edit, then render
    spec = plan_from_planogram([[("SKU0001", 3)]])   # or start from a given planogram
    spec.remove_facings("SKU0012", 2)
    scene = render_scene(spec, seed=3, size=(800, 600))
"""

from __future__ import annotations

from .camera import (
    MIN_VISIBLE,
    CameraEffects,
    apply_camera,
    clip_visible,
    move_detections,
    random_effects,
    transform_boxes,
    transform_points,
)
from .export import parse_size, planogram_json, write_synthetic_dataset
from .products import SHAPES, BrandStyle, SkuSpec, SyntheticCatalog, ean13, render_packshot
from .render import SyntheticScene, generate_scene, render_scene
from .scene import (
    PlacedItem,
    PriceTag,
    SceneConfig,
    SceneSpec,
    SceneStyle,
    Shelf,
    plan_from_planogram,
    plan_scene,
)

__all__ = [
    "MIN_VISIBLE",
    "SHAPES",
    "BrandStyle",
    "CameraEffects",
    "PlacedItem",
    "PriceTag",
    "SceneConfig",
    "SceneSpec",
    "SceneStyle",
    "Shelf",
    "SkuSpec",
    "SyntheticCatalog",
    "SyntheticScene",
    "apply_camera",
    "clip_visible",
    "ean13",
    "generate_scene",
    "move_detections",
    "parse_size",
    "plan_from_planogram",
    "plan_scene",
    "planogram_json",
    "random_effects",
    "render_packshot",
    "render_scene",
    "transform_boxes",
    "transform_points",
    "write_synthetic_dataset",
]
