"""The product-crop embedder network and its metric-learning fine-tune (needs torch).

``CropEmbedder``: EfficientNet-Lite0 stem and first ``blocks`` MBConv blocks (ImageNet
weights), then global average pooling concatenated with 2x2 grid pooling (layout
matters on packs: variant bands, logos), a linear projection to ``dim`` and L2
normalisation. Preprocessing (scaling to [-1, 1]) is inside the graph, so the ONNX
input is RGB in [0, 1] like the detector's.

``fine_tune`` trains it with a CosFace (additive cosine margin) loss over the SKUs of
synthetic catalogs whose seeds evaluation never uses; each SKU's class holds both its
shelf crops (from rendered scenes with camera effects) and its varied packshots, so
the network learns to match a shelf facing to a reference photo.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from shelfscan.training.backbone import LITE0_STAGES, EfficientNetLite0, load_imagenet

# output channels of each MBConv block, in order
LITE0_CHANNELS = [cout for repeats, *_, cout in LITE0_STAGES for _ in range(repeats)]


class CropEmbedder(nn.Module):
    """Crops (N, 3, H, W) RGB in [0, 1] -> (N, dim) unit vectors."""

    def __init__(self, blocks: int = 8, dim: int = 128, imagenet: bool = True) -> None:
        super().__init__()
        self.backbone = EfficientNetLite0()
        if imagenet:
            load_imagenet(self.backbone)
        self.blocks = blocks
        channels = int(LITE0_CHANNELS[blocks - 1])
        # dim 0: no projection (the plain ImageNet features, 5 x channels wide)
        self.head: nn.Module = nn.Linear(channels * 5, dim) if dim else nn.Identity()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        b = self.backbone
        x = (images - 0.5) / 0.5
        x = b.act(b._bn0(b._conv_stem(x)))
        for block in b._blocks[: self.blocks]:
            x = block(x)
        gap = F.normalize(x.mean((2, 3)), dim=1)
        grid = F.normalize(F.adaptive_avg_pool2d(x, (2, 2)).flatten(1), dim=1)
        return F.normalize(self.head(torch.cat([gap, grid], dim=1)), dim=1)


@dataclass(frozen=True)
class TrainData:
    """Training crops as uint8 (N, H, W, 3) RGB, slightly larger than the model input."""

    images: np.ndarray
    labels: np.ndarray  # (N,) int class ids
    classes: int


def synthetic_training_data(
    catalog_seeds: Sequence[int], scenes_per_catalog: int, hw: tuple[int, int], skus: int = 200
) -> TrainData:
    """Scene crops and packshots of SKUs of the given catalog seeds, resized to ``hw`` + 8 px."""
    from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot
    from shelfscan.datasets.synthetic.render import generate_scene
    from shelfscan.recognition.embedder import crop_boxes
    from shelfscan.types import CLASS_PRODUCT

    big = (hw[1] + 8, hw[0] + 8)
    images: list[np.ndarray] = []
    labels: list[int] = []
    offset = 0
    for seed in catalog_seeds:
        catalog = SyntheticCatalog(skus, seed=seed)
        ids = {s.sku: offset + i for i, s in enumerate(catalog.skus)}
        rng = np.random.default_rng(seed)
        for spec in catalog.skus:
            for _ in range(3):
                img = render_packshot(spec, rng, 192)[0]
                images.append(cv2.resize(img, big, interpolation=cv2.INTER_AREA))
                labels.append(ids[spec.sku])
        for i in range(scenes_per_catalog):
            scene = generate_scene(seed * 1000 + i, catalog=catalog, size=(1600, 1200))
            dets = scene.detections.of_class(CLASS_PRODUCT)
            for crop, sku in zip(crop_boxes(scene.image, dets.xyxy), dets.data["sku"], strict=True):
                images.append(cv2.resize(crop, big, interpolation=cv2.INTER_AREA))
                labels.append(ids[str(sku)])
        offset += len(catalog.skus)
    rgb = np.stack(images)[..., ::-1]
    return TrainData(np.ascontiguousarray(rgb), np.asarray(labels, np.int64), offset)


def _augment(batch: np.ndarray, hw: tuple[int, int], rng: np.random.Generator) -> torch.Tensor:
    n, bh, bw, _ = batch.shape
    out = np.empty((n, hw[0], hw[1], 3), np.float32)
    for i in range(n):
        y, x = rng.integers(0, bh - hw[0] + 1), rng.integers(0, bw - hw[1] + 1)
        out[i] = batch[i, y : y + hw[0], x : x + hw[1]]
    gain = rng.uniform(0.7, 1.25, (n, 1, 1, 1)) * rng.uniform(0.9, 1.1, (n, 1, 1, 3))
    out = np.clip(out * gain / 255.0, 0.0, 1.0)
    return torch.from_numpy(out.transpose(0, 3, 1, 2).copy()).float()


def _random_proxies(model: CropEmbedder, data: TrainData, hw: tuple[int, int]) -> torch.Tensor:
    width = int(model(torch.rand(1, 3, *hw)).shape[1])
    return F.normalize(torch.randn(data.classes, width), dim=1)


@torch.no_grad()
def class_means(model: CropEmbedder, data: TrainData, hw: tuple[int, int]) -> torch.Tensor:
    """(classes, D) normalised mean embedding of each class (centre crops)."""
    model.eval()
    oy, ox = (data.images.shape[1] - hw[0]) // 2, (data.images.shape[2] - hw[1]) // 2
    sums: torch.Tensor | None = None
    for start in range(0, len(data.labels), 256):
        chunk = data.images[start : start + 256, oy : oy + hw[0], ox : ox + hw[1]]
        x = torch.from_numpy(chunk.transpose(0, 3, 1, 2).copy()).float() / 255.0
        emb = model(x)
        if sums is None:
            sums = torch.zeros(data.classes, emb.shape[1])
        sums.index_add_(0, torch.from_numpy(data.labels[start : start + 256]), emb)
    if sums is None:
        raise ValueError("no training data")
    return F.normalize(sums, dim=1)


def fine_tune(
    model: CropEmbedder,
    data: TrainData,
    hw: tuple[int, int],
    minutes: float,
    batch: int = 96,
    lr: float = 2e-3,
    scale: float = 24.0,
    margin: float = 0.25,
    seed: int = 0,
    warm: bool = False,
) -> list[float]:
    """CosFace training for at most ``minutes``; returns the loss of every 20th step.

    ``warm``: the model is already trained; class proxies start at the class means.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    proxies = nn.Parameter(
        class_means(model, data, hw) if warm else _random_proxies(model, data, hw)
    )
    for p in list(model.backbone._conv_stem.parameters()) + list(model.backbone._bn0.parameters()):
        p.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad] + [proxies]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    model.train()
    losses: list[float] = []
    deadline = time.monotonic() + minutes * 60
    step = 0
    while time.monotonic() < deadline:
        idx = rng.integers(0, len(data.labels), batch)
        x = _augment(data.images[idx], hw, rng)
        y = torch.from_numpy(data.labels[idx])
        emb = model(x)
        logits = emb @ F.normalize(proxies, dim=1).T
        logits = scale * (logits - margin * F.one_hot(y, data.classes))
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()
        if step % 20 == 0:
            losses.append(float(loss.detach()))
            print(f"step {step} loss {losses[-1]:.3f}", flush=True)
        step += 1
    model.eval()
    return losses
