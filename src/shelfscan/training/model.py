# mypy: allow-subclassing-any
"""ShelfDet: EfficientNet-Lite0 + light FPN + one FCOS-style head at stride 8.

Shelf products are dense, small and similar, so a single stride-8 level is enough:
every facing of 16 px or more in the input tensor covers at least one location, and
the top-down FPN brings stride-32 context down to it. All activations are ReLU/ReLU6
(int8 friendly). ``forward`` returns the raw maps used by the loss; ``ExportWrapper``
turns them into the ONNX contract ``[1, K, 4 + C]`` (boxes in input pixels, then
per-class scores = sqrt(sigmoid(cls) * sigmoid(centerness))).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from shelfscan.training.backbone import EfficientNetLite0

STRIDE = 8
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ModelConfig:
    num_classes: int = 3
    fpn_channels: int = 64
    head_convs: int = 2


def conv_bn_relu(cin: int, cout: int, kernel: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, padding=kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def dw_separable(channels: int, kernel: int = 3) -> nn.Sequential:
    """Depthwise kxk then pointwise 1x1, each with BN and ReLU."""
    return nn.Sequential(
        conv_bn_relu(channels, channels, kernel, groups=channels),
        conv_bn_relu(channels, channels, 1),
    )


class FPN(nn.Module):
    """Top-down pyramid fused down to stride 8."""

    def __init__(self, in_channels: tuple[int, int, int], channels: int) -> None:
        super().__init__()
        self.lateral = nn.ModuleList(conv_bn_relu(c, channels) for c in in_channels)
        self.smooth4 = dw_separable(channels, 5)
        self.smooth3 = dw_separable(channels, 5)

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        c3, c4, c5 = (lat(f) for lat, f in zip(self.lateral, feats, strict=True))
        p4 = self.smooth4(c4 + F.interpolate(c5, size=c4.shape[-2:], mode="nearest"))
        p3: torch.Tensor = self.smooth3(c3 + F.interpolate(p4, size=c3.shape[-2:], mode="nearest"))
        return p3


class ShelfDet(nn.Module):
    """One-stage anchor-free detector; input RGB in [0, 1], normalised in-graph."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__()
        self.config = config or ModelConfig()
        ch = self.config.fpn_channels
        self.backbone = EfficientNetLite0()
        self.fpn = FPN(self.backbone.out_channels, ch)
        self.tower = nn.Sequential(*(dw_separable(ch) for _ in range(self.config.head_convs)))
        self.cls = nn.Conv2d(ch, self.config.num_classes, 3, padding=1)
        self.reg = nn.Conv2d(ch, 4, 3, padding=1)
        self.ctr = nn.Conv2d(ch, 1, 3, padding=1)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        # class prior 0.01 (RetinaNet/FCOS); box distances start near e * stride
        for conv, value in ((self.cls, -4.6), (self.reg, 1.0)):
            if conv.bias is not None:
                nn.init.constant_(conv.bias, value)
        nn.init.normal_(self.cls.weight, std=0.01)
        nn.init.normal_(self.reg.weight, std=0.01)
        nn.init.normal_(self.ctr.weight, std=0.01)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """images (B, 3, H, W) -> cls logits (B, C, h, w), ltrb/stride log (B, 4, h, w),
        centerness logits (B, 1, h, w) with h = H / 8, w = W / 8."""
        x = (images - self.mean) / self.std
        feat = self.tower(self.fpn(self.backbone(x)))
        return self.cls(feat), self.reg(feat), self.ctr(feat)


def grid_points(h: int, w: int, device: torch.device) -> torch.Tensor:
    """(h * w, 2) centres of the stride-8 cells in input pixels, row-major."""
    ys = (torch.arange(h, device=device, dtype=torch.float32) + 0.5) * STRIDE
    xs = (torch.arange(w, device=device, dtype=torch.float32) + 0.5) * STRIDE
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)


def decode_boxes(reg: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """reg (B, 4, h, w) log distances / stride -> (B, h*w, 4) x1 y1 x2 y2 boxes."""
    b = reg.shape[0]
    dist = torch.exp(reg.clamp(max=6.0)).reshape(b, 4, -1).permute(0, 2, 1) * STRIDE
    xy = points.unsqueeze(0)
    return torch.cat([xy - dist[..., :2], xy + dist[..., 2:]], dim=-1)


class ExportWrapper(nn.Module):
    """The ONNX contract: ``images`` (1,3,H,W) -> ``detections`` (1, K, 4 + C)."""

    def __init__(self, model: ShelfDet) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        cls, reg, ctr = self.model(images)
        b, c, h, w = cls.shape
        ys = (torch.arange(h, dtype=torch.float32, device=images.device) + 0.5) * STRIDE
        xs = (torch.arange(w, dtype=torch.float32, device=images.device) + 0.5) * STRIDE
        xx = xs.view(1, w).expand(h, w).reshape(-1)
        yy = ys.view(h, 1).expand(h, w).reshape(-1)
        points = torch.stack([xx, yy], dim=1)
        boxes = decode_boxes(reg, points)
        scores = torch.sqrt(torch.sigmoid(cls) * torch.sigmoid(ctr))
        scores = scores.reshape(b, c, -1).permute(0, 2, 1)
        return torch.cat([boxes, scores], dim=-1)
