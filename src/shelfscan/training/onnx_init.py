# mypy: allow-subclassing-any
"""Start training from a shipped detector ONNX file (fp32 or static int8 QDQ).

The shipped weights exist only as ``models/detector.onnx``: the export folded each
BatchNorm into the convolution before it, and int8 models store weights as
``DequantizeLinear(int8, scale, zero_point)``. ``load_onnx_weights`` dequantises each
convolution and writes it into a ``ShelfDet``: the convolution gets the folded weight,
its BatchNorm becomes the identity plus the folded bias (``gamma = 1``, ``mean = 0``,
``var = 1 - eps``, ``beta = bias``). With BatchNorm kept in eval mode
(``TrainConfig.freeze_bn``) the PyTorch model then computes what the ONNX file does, up to
the int8 rounding of the weights.

Convolutions are matched by name: the exporter names each node after its module path
(``/model/fpn/lateral.0/lateral.0.0/Conv`` is ``fpn.lateral.0.0``); every model
convolution must be found with the same shape, else ``ModelError``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from shelfscan.errors import ModelError
from shelfscan.training.model import ModelConfig, ShelfDet


def _dequantize(node: onnx.NodeProto, inits: dict[str, np.ndarray]) -> np.ndarray:
    x = inits[node.input[0]].astype(np.float64)
    scale = inits[node.input[1]].astype(np.float64)
    zp = inits[node.input[2]].astype(np.float64) if len(node.input) > 2 else np.zeros(1)
    axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
    if scale.size > 1:
        shape = [1] * x.ndim
        shape[axis] = scale.size
        scale, zp = scale.reshape(shape), zp.reshape(shape)
    return np.asarray((x - zp) * scale, np.float32)


def conv_weights(path: Path) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(node name, weight, bias) of every Conv in graph order, dequantised to float32."""
    model = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}

    def value(name: str) -> np.ndarray:
        if name in inits:
            return np.array(inits[name], np.float32)  # a writable copy
        node = producer.get(name)
        if node is not None and node.op_type == "DequantizeLinear":
            return _dequantize(node, inits)
        if node is not None and node.op_type == "Identity":  # a de-duplicated initializer
            return value(node.input[0])
        raise ModelError(f"{path}: cannot resolve convolution input {name!r}")

    out = []
    for node in model.graph.node:
        if node.op_type == "Conv":
            bias = value(node.input[2]) if len(node.input) > 2 and node.input[2] else None
            out.append((node.name, value(node.input[1]), bias))
    return out


def module_path(node_name: str) -> str:
    """``/model/tower/tower.1/tower.1.1/tower.1.1.0/Conv`` -> ``tower.1.1.0``."""
    parts = [p for p in node_name.split("/") if p][1:-1]  # drop "model" and the op
    path: list[str] = []
    for part in parts:
        if path and part.startswith(path[-1] + "."):
            path[-1] = part  # a Sequential child, named with its parent's prefix
        else:
            path.append(part)
    return ".".join(path)


def _conv_bn_pairs(model: ShelfDet) -> dict[str, tuple[nn.Conv2d, nn.BatchNorm2d | None]]:
    """Each convolution by module path, with the BatchNorm registered right after it."""
    pairs: dict[str, tuple[nn.Conv2d, nn.BatchNorm2d | None]] = {}
    last = ""
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            pairs[name], last = (module, None), name
        elif isinstance(module, nn.BatchNorm2d):
            if not last or pairs[last][1] is not None:
                raise ModelError(f"{name}: a BatchNorm without a convolution before it")
            pairs[last] = (pairs[last][0], module)
    return pairs


def load_onnx_weights(model: ShelfDet, path: Path) -> int:
    """Write the convolutions of ``path`` into ``model``; returns how many were loaded."""
    convs = conv_weights(path)
    pairs = _conv_bn_pairs(model)
    by_path = {module_path(name): (name, w, b) for name, w, b in convs}
    missing = sorted(set(pairs) - set(by_path))
    if missing or len(by_path) != len(pairs):
        raise ModelError(
            f"{path}: {len(by_path)} convolutions for the model's {len(pairs)}"
            + (f"; none for {', '.join(missing[:3])}" if missing else "")
        )
    with torch.no_grad():
        for key, (conv, bn) in pairs.items():
            name, weight, bias = by_path[key]
            if tuple(weight.shape) != tuple(conv.weight.shape):
                raise ModelError(
                    f"{path}: {name} has weight {weight.shape}, model {tuple(conv.weight.shape)}"
                )
            conv.weight.copy_(torch.from_numpy(weight))
            b = torch.from_numpy(bias) if bias is not None else torch.zeros(weight.shape[0])
            if bn is None:
                if conv.bias is None:
                    raise ModelError(f"{path}: {name} has a bias the model cannot hold")
                conv.bias.copy_(b)
                continue
            bn.weight.fill_(1.0)
            bn.bias.copy_(b)
            mean, var = bn.running_mean, bn.running_var
            if mean is None or var is None:
                raise ModelError(f"{key}: BatchNorm without running statistics")
            mean.zero_()
            var.fill_(1.0 - bn.eps)
    return len(convs)


def model_from_onnx(path: Path, num_classes: int = 3) -> ShelfDet:
    """A ``ShelfDet`` (eval mode) carrying the weights of a shipped ONNX detector."""
    model = ShelfDet(ModelConfig(num_classes=num_classes))
    load_onnx_weights(model, path)
    return model.eval()
