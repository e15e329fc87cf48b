"""Static int8 (QDQ) quantisation of the exported detector with ONNX Runtime.

Only the network proper is quantised: every Conv and every node that feeds a Conv
(backbone, FPN, head convolutions). The box decoding and score nodes after the last
convolutions stay float, so box coordinates keep full precision. Calibration runs on
letterboxed images prepared exactly as the runtime wrapper prepares photos.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from shelfscan.detection.detector import letterbox
from shelfscan.training.export import set_metadata


class ImageReader(CalibrationDataReader):  # type: ignore[misc]
    """Feeds letterboxed calibration images to the quantiser."""

    def __init__(self, images: Iterable[np.ndarray], input_size: int) -> None:
        self._it: Iterator[np.ndarray] = iter(images)
        self.input_size = input_size

    def get_next(self) -> dict[str, np.ndarray] | None:
        image = next(self._it, None)
        return None if image is None else {"images": letterbox(image, self.input_size)[0]}


def network_nodes(model: onnx.ModelProto, keep_head_float: bool = True) -> list[str]:
    """Names of the Conv nodes and of every node upstream of a Conv.

    With ``keep_head_float`` the last convolutions (those that feed no other Conv: the
    class, box and quality outputs) stay float: they are cheap at stride 8 and their
    outputs (logits, log box distances) lose most from 8-bit rounding.
    """
    producer = {out: node for node in model.graph.node for out in node.output}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    upstream: set[str] = set()  # strict ancestors of some Conv
    stack = [producer[i] for n in convs for i in n.input if i in producer]
    while stack:
        node = stack.pop()
        if node.name in upstream:
            continue
        upstream.add(node.name)
        stack.extend(producer[i] for i in node.input if i in producer)
    keep = upstream | {n.name for n in convs}
    if keep_head_float:
        keep -= {n.name for n in convs if n.name not in upstream}
    return [n.name for n in model.graph.node if n.name in keep]


def quantize_int8(
    fp32_path: Path,
    int8_path: Path,
    images: Iterable[np.ndarray],
    input_size: int,
    classes: tuple[str, ...],
) -> Path:
    """Write a QDQ int8 model (uint8 activations, per-channel int8 weights)."""
    prepared = int8_path.with_suffix(".prep.onnx")
    quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
    proto = onnx.load(str(prepared))
    quantize_static(
        str(prepared),
        str(int8_path),
        ImageReader(images, input_size),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
        calibrate_method=CalibrationMethod.MinMax,
        nodes_to_quantize=network_nodes(proto),
    )
    prepared.unlink(missing_ok=True)
    out = onnx.load(str(int8_path))
    set_metadata(out, input_size, classes)
    onnx.save(out, str(int8_path))
    return int8_path
