"""Export a trained checkpoint to ONNX in the runtime contract and check it.

Contract: input ``images`` float32 (1, 3, H, W) RGB in [0, 1], H and W dynamic
multiples of 32; output ``detections`` float32 (1, K, 4 + C); metadata
``shelfscan.input_size``, ``shelfscan.classes``, ``shelfscan.kind``, ``shelfscan.version``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from shelfscan.errors import ModelError
from shelfscan.training.model import ExportWrapper, ShelfDet
from shelfscan.types import CLASS_NAMES

OPSET = 17
MODEL_VERSION = "1"


def set_metadata(model: onnx.ModelProto, input_size: int, classes: tuple[str, ...]) -> None:
    meta = {
        "shelfscan.input_size": str(input_size),
        "shelfscan.classes": ",".join(classes),
        "shelfscan.kind": "detector",
        "shelfscan.version": MODEL_VERSION,
    }
    del model.metadata_props[:]
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value


def export_onnx(model: ShelfDet, path: Path, input_size: int) -> Path:
    """Write ``path`` (fp32 ONNX, opset 17) with the contract's names and metadata."""
    wrapper = ExportWrapper(model.eval().cpu())
    h = (input_size * 3 // 4 + 31) // 32 * 32
    dummy = torch.rand(1, 3, h, input_size)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        wrapper,
        (dummy,),
        str(path),
        input_names=["images"],
        output_names=["detections"],
        dynamic_axes={"images": {2: "height", 3: "width"}, "detections": {1: "candidates"}},
        opset_version=OPSET,
        dynamo=False,
    )
    proto = onnx.load(str(path))
    classes = CLASS_NAMES[: model.config.num_classes]
    set_metadata(proto, input_size, classes)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return path


def compare_with_torch(
    model: ShelfDet, path: Path, sizes: tuple[tuple[int, int], ...] = ((384, 512), (608, 800))
) -> float:
    """Largest absolute difference between ONNX Runtime and PyTorch outputs.

    Boxes are compared in pixels divided by 32 (so ~0.03 px tolerance per 1e-3),
    scores as they are. Raises ``ModelError`` when the two disagree beyond 1e-3.
    """
    wrapper = ExportWrapper(model.eval().cpu())
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    rng = np.random.default_rng(0)
    for h, w in sizes:
        x = rng.random((1, 3, h, w), dtype=np.float32)
        got = session.run(["detections"], {"images": x})[0]
        with torch.no_grad():
            want = wrapper(torch.from_numpy(x)).numpy()
        if got.shape != want.shape:
            raise ModelError(f"{path}: ONNX output {got.shape} != PyTorch {want.shape}")
        diff = np.abs(got - want)
        diff[..., :4] /= 32.0
        worst = max(worst, float(diff.max()))
    if worst > 1e-3:
        raise ModelError(f"{path}: ONNX and PyTorch outputs differ by {worst:.2e}")
    return worst
