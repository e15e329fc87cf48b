"""Write the project's sample shelf photos with their ground truth.

    python scripts/make_sample_images.py [--out sample_images]

Five synthetic store photos (JPEG, quality 85 or lower until under 1.5 MB; four at
2000x1500 and one 12 MP photo at 4000x3000), each with

    labels/<stem>.json       COCO boxes (product, empty, price_tag; sku, brand, shelf keys)
    planograms/<stem>.json   {"shelves": [[{"sku": ..., "facings": n}, ...], ...]}

and ``catalog.json`` (the SKU catalog the scenes draw from). Deterministic: running
it again rewrites byte-identical files.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import cv2

from shelfscan.datasets import AnnotatedImage, write_coco
from shelfscan.datasets.synthetic import (
    SceneConfig,
    SyntheticCatalog,
    generate_scene,
    planogram_json,
)

MAX_BYTES = 1_500_000


@dataclass(frozen=True)
class Sample:
    stem: str
    seed: int
    size: tuple[int, int]
    config: SceneConfig


SAMPLES = (
    Sample("shelf_01", 101, (2000, 1500), SceneConfig(shelves=(5, 5), camera_strength=0.3)),
    Sample(
        "shelf_02",
        102,
        (2000, 1500),
        SceneConfig(shelves=(4, 4), oos_prob=0.2, camera_strength=0.4),
    ),
    Sample(
        "shelf_03",
        103,
        (2000, 1500),
        SceneConfig(shelves=(3, 4), pegboard_prob=1.0, camera_strength=0.3),
    ),
    Sample(
        "shelf_04",
        104,
        (2000, 1500),
        SceneConfig(shelves=(6, 6), view_width=(1.1, 1.2), camera_strength=0.5),
    ),
    Sample("shelf_05_12mp", 105, (4000, 3000), SceneConfig(shelves=(5, 6), camera_strength=0.35)),
)


def write_jpeg(path: Path, image: object, quality: int = 85) -> int:
    """Encode at ``quality``, lowering it until the file fits ``MAX_BYTES``; returns quality."""
    while True:
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])  # type: ignore[call-overload]
        if not ok:
            raise SystemExit(f"cannot encode {path}")
        if len(buf) <= MAX_BYTES or quality <= 50:
            path.write_bytes(buf.tobytes())
            return quality
        quality -= 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("sample_images"))
    args = parser.parse_args()
    out: Path = args.out
    for sub in ("labels", "planograms"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    catalog = SyntheticCatalog(200, seed=0)
    for s in SAMPLES:
        scene = generate_scene(s.seed, s.config, catalog, s.size)
        img = out / f"{s.stem}.jpg"
        quality = write_jpeg(img, scene.image)
        item = AnnotatedImage(img, s.size[0], s.size[1], scene.detections)
        write_coco([item], out / "labels" / f"{s.stem}.json")
        doc = planogram_json(scene.spec)
        (out / "planograms" / f"{s.stem}.json").write_text(json.dumps(doc, indent=1) + "\n")
        print(
            f"{img}: {s.size[0]}x{s.size[1]}, q{quality}, {img.stat().st_size / 1e6:.2f} MB, "
            f"{len(scene.detections)} boxes, {len(scene.spec.shelves)} {scene.spec.bay_type} rows"
        )
    (out / "catalog.json").write_text(
        json.dumps({"seed": catalog.seed, "skus": catalog.to_json()}, indent=1) + "\n"
    )


if __name__ == "__main__":
    main()
