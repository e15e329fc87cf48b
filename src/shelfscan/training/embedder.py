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
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from shelfscan.training.backbone import LITE0_STAGES, EfficientNetLite0, load_imagenet

# output channels of each MBConv block, in order
LITE0_CHANNELS = [cout for repeats, *_, cout in LITE0_STAGES for _ in range(repeats)]


def load_onnx_embedder(path: Path) -> CropEmbedder:
    """A ``CropEmbedder`` computing what a shipped ``embedder.onnx`` computes.

    The export folded each BatchNorm into the convolution before it: each convolution
    gets the folded weight and its BatchNorm becomes the identity plus the folded bias
    (train with ``frozen_bn``). Convolutions are matched by node name
    (``/_blocks.3/_expand_conv/Conv`` is ``backbone._blocks.3._expand_conv``).
    """
    import onnx
    from onnx import numpy_helper

    proto = onnx.load(str(path))
    meta = {p.key: p.value for p in proto.metadata_props}
    blocks = int(meta.get("shelfscan.backbone", "efficientnet-lite0[:8]").split(":")[1][:-1])
    inits = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    model = CropEmbedder(blocks, int(inits["head.weight"].shape[0]), imagenet=False)
    modules = dict(model.named_modules())
    seen = 0
    with torch.no_grad():
        for node in proto.graph.node:
            if node.op_type != "Conv":
                continue
            name = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
            conv = modules["backbone." + name]
            bn_name = "backbone." + name.replace("_conv_stem", "_bn0").replace(
                "_expand_conv", "_bn0"
            ).replace("_depthwise_conv", "_bn1").replace("_project_conv", "_bn2")
            bn = modules[bn_name]
            if not isinstance(conv, nn.Conv2d) or not isinstance(bn, nn.BatchNorm2d):
                raise ValueError(f"{path}: no convolution + BatchNorm for node {node.name}")
            weight = torch.from_numpy(inits[node.input[1]].copy())
            if weight.shape != conv.weight.shape:
                raise ValueError(f"{path}: {node.name} has shape {tuple(weight.shape)}")
            conv.weight.copy_(weight)
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(inits[node.input[2]].copy()))
            if bn.running_mean is None or bn.running_var is None:
                raise ValueError(f"{path}: BatchNorm {bn_name} keeps no running statistics")
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
            seen += 1
        head = model.head
        if isinstance(head, nn.Linear):
            head.weight.copy_(torch.from_numpy(inits["head.weight"].copy()))
            head.bias.copy_(torch.from_numpy(inits["head.bias"].copy()))
    used = model.backbone._blocks[:blocks]
    convs = 1 + sum(isinstance(m, nn.Conv2d) for b in used for m in b.modules())
    if seen != convs:
        raise ValueError(f"{path}: {seen} convolutions found for the model's {convs}")
    return model.eval()


def grid_pool(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, 4C): the means of a 2x2 grid of cells, rows first, channels
    fastest within a cell as ``F.adaptive_avg_pool2d(x, (2, 2)).flatten(1)`` lays them out
    (same bins: cell i spans floor(i*H/2) to ceil((i+1)*H/2)), written with slices so an
    ONNX export keeps H and W free (the shipped embedder also embeds brand bands at their
    own aspect, ``recognition.embedder.Embedder.band_hw``)."""
    h, w = x.shape[2], x.shape[3]
    cells = []
    for i in range(2):
        for j in range(2):
            cell = x[
                :, :, (i * h) // 2 : ((i + 1) * h + 1) // 2, (j * w) // 2 : ((j + 1) * w + 1) // 2
            ]
            cells.append(cell.mean((2, 3)))
    return torch.stack(cells, dim=2).flatten(1)


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
        grid = F.normalize(grid_pool(x), dim=1)
        return F.normalize(self.head(torch.cat([gap, grid], dim=1)), dim=1)


@dataclass(frozen=True)
class TrainData:
    """Training crops as uint8 (N, H, W, 3) RGB, slightly larger than the model input."""

    images: np.ndarray
    labels: np.ndarray  # (N,) int class ids
    classes: int
    # (classes,) int brand id of each class (hard negatives: sibling variants), or empty
    brands: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def save(self, path: Path) -> None:
        np.savez(path, images=self.images, labels=self.labels, brands=self.brands)

    @staticmethod
    def load(path: Path) -> TrainData:
        z = np.load(path)
        labels = z["labels"]
        return TrainData(z["images"], labels, int(labels.max()) + 1, z["brands"])

    @staticmethod
    def concat(parts: Sequence[TrainData]) -> TrainData:
        """One class space over ``parts`` (their class and brand ids offset)."""
        images, labels, brands = [], [], []
        cls = brand = 0
        for d in parts:
            images.append(d.images)
            labels.append(d.labels + cls)
            b = d.brands if len(d.brands) else np.arange(d.classes)
            brands.append(b + brand)
            cls += d.classes
            brand += int(b.max()) + 1 if len(b) else 0
        return TrainData(
            np.concatenate(images), np.concatenate(labels), cls, np.concatenate(brands)
        )


def synthetic_training_data(
    catalog_seeds: Sequence[int],
    scenes_per_catalog: int,
    hw: tuple[int, int],
    skus: int = 200,
    kind: str = "mixed",
    packshots: int = 3,
    band: bool = False,
) -> TrainData:
    """Scene crops and packshots of SKUs of the given catalog seeds, resized to ``hw`` + 8 px.

    ``kind="tobacco"``: tobacco catalogs (a health warning drawn per pack, near variants
    within a brand); their scenes come at 2000x1500 (3200x2400 with ``band``) so the
    small packs stay sharp. ``band``: the brand band of each pack instead (the top
    ``verify.UPPER_FRACTION`` of its box give or take 0.05, as box jitter and packs of
    other warning shares give), for a model of the verification cue ``upper``.
    """
    from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot
    from shelfscan.datasets.synthetic.render import generate_scene
    from shelfscan.recognition.embedder import crop_boxes
    from shelfscan.recognition.verify import UPPER_FRACTION, upper_region
    from shelfscan.types import CLASS_PRODUCT

    big = (hw[1] + 8, hw[0] + 8)
    cut_rng = np.random.default_rng([*catalog_seeds, 0xBA2D])

    def sample(img: np.ndarray) -> np.ndarray:
        if band:
            img = upper_region(img, UPPER_FRACTION + float(cut_rng.uniform(-0.05, 0.05)))
        return np.asarray(cv2.resize(img, big, interpolation=cv2.INTER_AREA), np.uint8)

    images: list[np.ndarray] = []
    labels: list[int] = []
    brand_of: list[int] = []
    offset = 0
    # tobacco packs are small: their scenes come as large as phone photos of such a
    # shelf (8 MP for the bands, whose fine print is the point)
    size = ((3200, 2400) if band else (2000, 1500)) if kind == "tobacco" else (1600, 1200)
    for seed in catalog_seeds:
        catalog = SyntheticCatalog(skus, seed=seed, kind=kind)
        ids = {s.sku: offset + i for i, s in enumerate(catalog.skus)}
        names = {b.name: i for i, b in enumerate(catalog.brands)}
        brand0 = max(brand_of) + 1 if brand_of else 0
        brand_of += [brand0 + names[s.brand] for s in catalog.skus]
        rng = np.random.default_rng(seed)
        for spec in catalog.skus:
            for _ in range(packshots):
                images.append(sample(render_packshot(spec, rng, 192)[0]))
                labels.append(ids[spec.sku])
        for i in range(scenes_per_catalog):
            scene = generate_scene(seed * 1000 + i, catalog=catalog, size=size)
            dets = scene.detections.of_class(CLASS_PRODUCT)
            crops = crop_boxes(scene.image, dets.xyxy)
            for crop, sku in zip(crops, dets.data["sku"], strict=True):
                images.append(sample(crop))
                labels.append(ids[str(sku)])
        offset += len(catalog.skus)
    rgb = np.stack(images)[..., ::-1]
    return TrainData(
        np.ascontiguousarray(rgb),
        np.asarray(labels, np.int64),
        offset,
        np.asarray(brand_of, np.int64),
    )


def _nuisance(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What a shelf does to a pack and a catalog photo never shows: perspective, a
    pusher or price rail over its foot, a neighbour over one side, blur, a colour cast."""
    h, w = crop.shape[:2]
    out = crop
    if rng.random() < 0.4:  # perspective: the pack seen a little from the side / below
        d = rng.uniform(-0.08, 0.08, (4, 2)) * np.array([w, h])
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        m = cv2.getPerspectiveTransform(src, (src + d).astype(np.float32))
        out = cv2.warpPerspective(out, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    else:
        out = out.copy()
    if rng.random() < 0.25:  # a pusher / rail across the bottom
        t = int(h * rng.uniform(0.05, 0.2))
        shade = rng.uniform(20, 220)
        alpha = rng.uniform(0.5, 1.0)
        foot = out[h - t :].astype(np.float32)
        out[h - t :] = (foot * (1 - alpha) + shade * alpha).astype(np.uint8)
    if rng.random() < 0.2:  # a neighbour pack over one side
        t = int(w * rng.uniform(0.05, 0.25))
        color = rng.integers(0, 256, 3).astype(np.uint8)
        if rng.random() < 0.5:
            out[:, :t] = color
        else:
            out[:, w - t :] = color
    if rng.random() < 0.2:
        out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.5, 1.5)))
    return out


def _augment(
    batch: np.ndarray,
    hw: tuple[int, int],
    rng: np.random.Generator,
    nuisance: float = 0.0,
    cast: float = 0.1,
) -> torch.Tensor:
    """Random ``hw`` crops of ``batch``, a share ``nuisance`` with shelf nuisances, a
    brightness gain and a colour cast of up to ``cast`` per channel."""
    n, bh, bw, _ = batch.shape
    out = np.empty((n, hw[0], hw[1], 3), np.float32)
    for i in range(n):
        y, x = rng.integers(0, bh - hw[0] + 1), rng.integers(0, bw - hw[1] + 1)
        crop = batch[i, y : y + hw[0], x : x + hw[1]]
        out[i] = _nuisance(crop, rng) if rng.random() < nuisance else crop
    gain = rng.uniform(0.7, 1.25, (n, 1, 1, 1)) * rng.uniform(1 - cast, 1 + cast, (n, 1, 1, 3))
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


class _SiblingSampler:
    """Crop indices in groups: a brand with >= 2 classes, 2 of its classes, 2 crops each."""

    def __init__(self, data: TrainData) -> None:
        self.by_class = [np.flatnonzero(data.labels == c) for c in range(data.classes)]
        brands = data.brands if len(data.brands) else np.arange(data.classes)
        groups: dict[int, list[int]] = {}
        for c, b in enumerate(brands.tolist()):
            if len(self.by_class[c]):
                groups.setdefault(b, []).append(c)
        self.groups = [g for g in groups.values() if len(g) >= 2]

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        out: list[int] = []
        while len(out) < k and self.groups:
            g = self.groups[int(rng.integers(len(self.groups)))]
            for c in rng.choice(g, 2, replace=False).tolist():
                out += rng.choice(self.by_class[c], 2).tolist()
        return np.asarray(out[:k], np.int64)


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
    siblings: float = 0.0,
    nuisance: float = 0.0,
    cast: float = 0.1,
    frozen_bn: bool = False,
    proxies: torch.Tensor | None = None,
) -> tuple[list[float], torch.Tensor]:
    """CosFace training for at most ``minutes``; returns the loss of every 20th step.

    ``warm``: the model is already trained; class proxies start at the class means.
    ``siblings``: share of each batch drawn as groups of sibling variants (classes of
    one brand, 2 crops each): hard negatives side by side. ``nuisance``: share of crops
    given shelf nuisances (``_nuisance``). ``cast``: the largest colour cast per channel
    (0.1: 10 %; a band model wants less, as pale variants differ by a faint tint).
    ``frozen_bn``: BatchNorm stays in eval mode (a model loaded from a folded ONNX file
    has no batch statistics to train).
    ``proxies``: the class proxies of an earlier chunk of this run (else from ``warm``).
    Returns the losses and the proxies (to continue in another chunk).
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if proxies is None:
        proxies = class_means(model, data, hw) if warm else _random_proxies(model, data, hw)
    proxy = nn.Parameter(proxies.clone())
    for p in list(model.backbone._conv_stem.parameters()) + list(model.backbone._bn0.parameters()):
        p.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad] + [proxy]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    model.train()
    losses: list[float] = []
    deadline = time.monotonic() + minutes * 60
    step = 0
    if frozen_bn:
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
    sampler = _SiblingSampler(data) if siblings > 0 else None
    while time.monotonic() < deadline:
        idx = rng.integers(0, len(data.labels), batch)
        if sampler is not None:
            k = round(batch * siblings)
            idx[:k] = sampler.draw(rng, k)
        x = _augment(data.images[idx], hw, rng, nuisance, cast)
        y = torch.from_numpy(data.labels[idx])
        emb = model(x)
        logits = emb @ F.normalize(proxy, dim=1).T
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
    return losses, proxy.detach()
