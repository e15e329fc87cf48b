# mypy: allow-subclassing-any
"""Training samples: synthetic shelf scenes (and optional user data) -> jittered crops.

A *scene source* is any callable ``seed -> (image BGR uint8 (H, W, 3), Detections)``.
``synthetic_source`` renders scenes with the project's synthetic generator plus random
camera effects; ``dataset_source`` serves the images of an annotated dataset.
``ShelfCrops`` (a torch ``IterableDataset``) turns scenes into fixed-size crops at a
random scale around the model's input size, so one scene yields several samples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch

from shelfscan.types import Detections

if TYPE_CHECKING:
    from shelfscan.datasets.synthetic.hard import Realism

SceneSource = Callable[[int], tuple[np.ndarray, Detections]]
PAD_VALUE = 114
Sample = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # image CHW uint8, boxes, classes


@dataclass(frozen=True)
class CropConfig:
    input_size: int = 768  # long side the model runs at
    crop: int = 512  # square training crop, multiple of 32
    scale_jitter: tuple[float, float] = (0.6, 1.5)  # of input_size, for the scene long side
    crops_per_scene: int = 4
    min_visible: float = 0.45  # keep a clipped box if this share of it is inside the crop
    hflip: bool = True
    color_jitter: float = 0.15


def resize_scene(
    image: np.ndarray, boxes: np.ndarray, long_side: int
) -> tuple[np.ndarray, np.ndarray]:
    """Resize so the long side equals ``long_side``; boxes scale with it."""
    h, w = image.shape[:2]
    s = long_side / max(h, w)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, (nw, nh), interpolation=interp), boxes * np.float32(s)


def random_crop(
    image: np.ndarray,
    boxes: np.ndarray,
    classes: np.ndarray,
    size: int,
    rng: np.random.Generator,
    min_visible: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ``size`` x ``size`` crop (padded with 114 where the image is smaller)."""
    h, w = image.shape[:2]
    x0 = int(rng.integers(0, max(w - size, 0) + 1))
    y0 = int(rng.integers(0, max(h - size, 0) + 1))
    out = np.full((size, size, 3), PAD_VALUE, np.uint8)
    part = image[y0 : y0 + size, x0 : x0 + size]
    out[: part.shape[0], : part.shape[1]] = part
    if len(boxes) == 0:
        return out, boxes.reshape(0, 4), classes
    shifted = boxes - np.array([x0, y0, x0, y0], np.float32)
    lim = np.array([part.shape[1], part.shape[0]] * 2, np.float32)
    clipped = np.clip(shifted, 0, lim)
    area = np.prod(np.clip(shifted[:, 2:] - shifted[:, :2], 1e-6, None), axis=1)
    cw, ch = clipped[:, 2] - clipped[:, 0], clipped[:, 3] - clipped[:, 1]
    keep = (cw * ch >= min_visible * area) & (cw >= 2) & (ch >= 2)
    return out, clipped[keep], classes[keep]


def jitter_colors(image: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Random brightness, contrast and per-channel gain."""
    gain = 1 + rng.uniform(-strength, strength, size=3)
    contrast = 1 + rng.uniform(-strength, strength)
    bright = rng.uniform(-strength, strength) * 60
    img = image.astype(np.float32)
    mean = img.mean()
    img = (img - mean) * contrast + mean + bright
    out: np.ndarray = np.clip(img * gain, 0, 255).astype(np.uint8)
    return out


def make_samples(
    image: np.ndarray, dets: Detections, cfg: CropConfig, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Crops (RGB uint8 (crop, crop, 3), boxes (N, 4), classes (N,)) from one scene."""
    samples = []
    for _ in range(cfg.crops_per_scene):
        long_side = int(cfg.input_size * rng.uniform(*cfg.scale_jitter))
        img, boxes = resize_scene(image, dets.xyxy.copy(), long_side)
        img, boxes, classes = random_crop(
            img, boxes, dets.class_id.copy(), cfg.crop, rng, cfg.min_visible
        )
        if cfg.hflip and rng.random() < 0.5:
            img = img[:, ::-1]
            boxes = boxes[:, [2, 1, 0, 3]] * np.array([-1, 1, -1, 1], np.float32)
            boxes[:, [0, 2]] += cfg.crop
        if cfg.color_jitter > 0:
            img = jitter_colors(img, rng, cfg.color_jitter)
        rgb = np.ascontiguousarray(img[:, :, ::-1])
        samples.append((rgb, boxes.astype(np.float32), classes.astype(np.int64)))
    return samples


class ShelfCrops(torch.utils.data.IterableDataset[Sample]):
    """Endless stream of training crops from scenes ``first_seed, first_seed + 1, ...``.

    Each dataloader worker takes every ``num_workers``-th seed, so workers never
    render the same scene.
    """

    def __init__(self, source: SceneSource, cfg: CropConfig, first_seed: int) -> None:
        super().__init__()
        self.source, self.cfg, self.first_seed = source, cfg, first_seed

    def __iter__(self) -> Iterator[Sample]:
        info = torch.utils.data.get_worker_info()
        wid, nw = (info.id, info.num_workers) if info is not None else (0, 1)
        if info is not None:
            cv2.setNumThreads(1)  # one process per core; no nested thread pools
            torch.set_num_threads(1)
        seed = self.first_seed + wid
        while True:
            image, dets = self.source(seed)
            rng = np.random.default_rng(seed)
            for rgb, boxes, classes in make_samples(image, dets, self.cfg, rng):
                yield (
                    torch.from_numpy(rgb).permute(2, 0, 1).contiguous(),
                    torch.from_numpy(boxes),
                    torch.from_numpy(classes),
                )
            seed += nw


def collate(
    batch: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    images = torch.stack([b[0] for b in batch])
    return images, [b[1] for b in batch], [b[2] for b in batch]


def synthetic_source(
    size: tuple[int, int] = (1600, 1200),
    camera_strength: tuple[float, float] = (0.25, 0.9),
    realism: Realism | None = None,
) -> SceneSource:
    """Scenes from the project's synthetic shelf generator with random camera effects.

    The camera strength is drawn per scene from ``camera_strength``; one scene in
    seven is left clean (strength 0). ``realism`` turns on the generator's hard cases
    (``datasets.synthetic.hard``; ``REALISTIC`` for the v2 detector); None = off.
    """
    from shelfscan.datasets.synthetic.products import SyntheticCatalog
    from shelfscan.datasets.synthetic.render import generate_scene
    from shelfscan.datasets.synthetic.scene import SceneConfig

    catalog = SyntheticCatalog(SceneConfig().catalog_skus, seed=0)

    def render(seed: int) -> tuple[np.ndarray, Detections]:
        rng = np.random.default_rng(seed ^ 0x5EED)
        aspect = float(rng.choice([4 / 3, 3 / 4, 16 / 9, 1.0]))
        w = size[0] if aspect >= 1 else int(size[0] * aspect)
        h = int(w / aspect)
        strength = 0.0 if rng.random() < 1 / 7 else float(rng.uniform(*camera_strength))
        config = SceneConfig(aspect=aspect, camera_strength=strength)
        if realism is not None:
            config = replace(config, realism=realism)
        scene = generate_scene(seed, config, catalog, (w, h))
        return scene.image, scene.detections

    return render


def dataset_source(path: Path) -> SceneSource:
    """Images of an annotated dataset on disk (any format ``load_dataset`` reads),
    served round-robin by seed. Raises ``DatasetError`` for an empty dataset."""
    from shelfscan.datasets import load_dataset
    from shelfscan.errors import DatasetError
    from shelfscan.imaging.load import load_image

    items = load_dataset(path)
    if not items:
        raise DatasetError(f"{path}: the dataset holds no images")

    def read(seed: int) -> tuple[np.ndarray, Detections]:
        item = items[seed % len(items)]
        image, _ = load_image(item.path)
        return image, item.detections

    return read


def mixed_source(first: SceneSource, second: SceneSource, second_share: float) -> SceneSource:
    """Draw each scene from ``second`` with probability ``second_share``, else ``first``."""

    def pick(seed: int) -> tuple[np.ndarray, Detections]:
        use_second = np.random.default_rng([seed, 7]).random() < second_share
        return (second if use_second else first)(seed)

    return pick
