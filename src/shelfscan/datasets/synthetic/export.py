"""Write a synthetic dataset to disk: images, boxes, planograms and the catalog.

Layout of ``out_dir``::

    images/syn_000007.jpg      rendered photos (JPEG)
    annotations.json           COCO boxes, with sku / brand / shelf / pushed_back keys
    labels/, data.yaml         YOLO boxes (classes: product, empty, price_tag)
    Annotations/*.xml          Pascal VOC (when asked for)
    annotations.csv            SKU-110K-style CSV (when asked for)
    planograms/syn_000007.json {"shelves": [[{"sku": ..., "facings": n}, ...], ...]}
    scenes.jsonl               per image: seed, bay type, shelf line y pixels, camera effects
    catalog.json               SKU attributes
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

import cv2

from shelfscan.errors import ConfigError, DatasetError

from ..coco import write_coco
from ..common import AnnotatedImage
from ..csv import write_csv
from ..voc import write_voc
from ..yolo import write_yolo
from .products import SyntheticCatalog
from .render import SyntheticScene, generate_scene
from .scene import SceneConfig, SceneSpec

WRITERS = ("coco", "yolo", "voc", "csv")


def parse_size(text: str) -> tuple[int, int]:
    """``"1600x1200"`` -> (1600, 1200); ``ConfigError`` on anything else."""
    parts = text.lower().replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ConfigError(f"size must look like 1600x1200, got {text!r}")
    w, h = int(parts[0]), int(parts[1])
    if not (32 <= w <= 12000 and 32 <= h <= 12000):
        raise ConfigError(f"size must be between 32 and 12000 pixels a side, got {text!r}")
    return w, h


def planogram_json(spec: SceneSpec) -> dict[str, object]:
    """The planogram of a scene as ``{"shelves": [[{"sku", "facings"}, ...], ...]}``."""
    return {"shelves": [[{"sku": s, "facings": n} for s, n in row] for row in spec.planogram]}


def write_scene_image(scene: SyntheticScene, path: Path, jpeg_quality: int = 90) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    params = (
        [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
        if path.suffix.lower() in (".jpg", ".jpeg")
        else []
    )
    if not cv2.imwrite(str(path), scene.image, params):
        raise DatasetError(f"{path}: cannot write image")
    return path


def write_synthetic_dataset(
    out_dir: Path | str,
    seeds: Iterable[int],
    config: SceneConfig | None = None,
    size: tuple[int, int] = (1600, 1200),
    formats: Sequence[str] = ("coco", "yolo"),
    catalog: SyntheticCatalog | None = None,
    jpeg_quality: int = 90,
    progress: Callable[[int], None] | None = None,
) -> list[AnnotatedImage]:
    """Generate one scene per seed and write them with their ground truth (see module doc)."""
    bad = [f for f in formats if f not in WRITERS]
    if bad:
        raise DatasetError(
            f"unknown output format(s) {', '.join(bad)} (valid: {', '.join(WRITERS)})"
        )
    cfg = config or SceneConfig()
    cat = catalog or SyntheticCatalog(cfg.catalog_skus, seed=0)
    out = Path(out_dir)
    (out / "planograms").mkdir(parents=True, exist_ok=True)
    items: list[AnnotatedImage] = []
    meta: list[str] = []
    for seed in seeds:
        scene = generate_scene(seed, cfg, cat, size)
        stem = f"syn_{seed:06d}"
        img = write_scene_image(scene, out / "images" / f"{stem}.jpg", jpeg_quality)
        items.append(AnnotatedImage(img, size[0], size[1], scene.detections))
        (out / "planograms" / f"{stem}.json").write_text(
            json.dumps(planogram_json(scene.spec), indent=1), encoding="utf-8"
        )
        meta.append(
            json.dumps(
                {
                    "image": f"images/{stem}.jpg",
                    "seed": seed,
                    "bay_type": scene.spec.bay_type,
                    "shelf_lines": [round(y, 1) for y in scene.shelf_lines],
                    "camera": asdict(scene.effects),
                }
            )
        )
        if progress is not None:
            progress(1)
    (out / "scenes.jsonl").write_text("\n".join(meta) + "\n", encoding="utf-8")
    (out / "catalog.json").write_text(
        json.dumps({"seed": cat.seed, "skus": cat.to_json()}, indent=1), encoding="utf-8"
    )
    if "coco" in formats:
        write_coco(items, out / "annotations.json")
    if "yolo" in formats:
        write_yolo(items, out)
    if "voc" in formats:
        write_voc(items, out / "Annotations")
    if "csv" in formats:
        write_csv(items, out / "annotations.csv")
    return items
