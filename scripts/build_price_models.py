"""Build the price-tag OCR models under ``models/`` from RapidOCR's bundled PP-OCRv6 small
models (inside the pinned ``rapidocr`` wheel; nothing is downloaded):

    python scripts/build_price_models.py [--out-dir models] [--check] [--no-detector]

``price_rec.onnx``: the recogniser with its 18,710-class output head cut down to the
characters price tags print. It ends in ``MatMul(120 -> 18710) + Add + Softmax`` over the
CTC classes (blank, the 18,708 characters of its ``character`` metadata, space); most are
CJK characters, and that one matrix is 9 MB of the 21 MB file and the largest single cost
per time step. The columns of blank, space and the characters of ``KEPT`` (printable
ASCII, the Latin-1 letters and signs, the euro sign) are kept, and the kept characters
become the new ``character`` metadata (so RapidOCR's CTC decoder reads the smaller model
unchanged). Nothing else changes: every kept class gets exactly the logit it had; only the
softmax is taken over fewer classes. ``--check`` prints the largest difference to the full
model's softmax renormalised over the kept classes, on random inputs.

``price_det.onnx``: the text detector (the OCR's fallback for tags whose price line the
component finder misses) in int8: ONNX Runtime static quantisation, QDQ, Conv layers only,
per-channel int8 weights, uint8 activations, MinMax calibration on the detector inputs of
the price tags of synthetic scenes (seeds ``CALIBRATION_SEEDS``, true tag boxes; never real
photos). Opset 11 is raised to 17 first (per-channel QDQ needs >= 13) and ORT's
graph optimisation folds batch norms into the convolutions before quantisation.

Both record the source file's SHA-256 in their metadata. The output is byte-identical from
run to run (``tests/pricing/test_models.py`` checks the recogniser against SHA256SUMS).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnx
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parents[1]

# printable ASCII, the Latin-1 supplement's signs and letters (¢ £ ¥ ° ½ é ü ß ...), €
KEPT = frozenset([chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in range(0xA1, 0x100)] + ["€"])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def trim_head(
    model: onnx.ModelProto, kept: frozenset[str]
) -> tuple[onnx.ModelProto, npt.NDArray[np.int64]]:
    """The model with its last MatMul + Add cut to blank, ``kept`` characters and space;
    the source classes kept, in order."""
    meta = {p.key: p.value for p in model.metadata_props}
    chars = meta["character"].splitlines()
    n_classes = len(chars) + 2  # CTC blank first, space last (RapidOCR's CTCLabelDecode)
    keep_chars = [i for i, c in enumerate(chars) if c in kept]
    columns = np.asarray([0, *[i + 1 for i in keep_chars], n_classes - 1], np.int64)
    graph = model.graph
    softmax = graph.node[-1]
    if softmax.op_type != "Softmax" or softmax.output[0] != graph.output[0].name:
        raise ValueError("the recogniser does not end in a Softmax")
    producers = {o: n for n in graph.node for o in n.output}
    add = producers[producers[softmax.input[0]].input[0]]  # Identity -> Add
    matmul = producers[add.input[0]]
    if add.op_type != "Add" or matmul.op_type != "MatMul":
        raise ValueError(f"unexpected head {matmul.op_type} -> {add.op_type}")
    inits = {i.name: i for i in graph.initializer}
    weight = numpy_helper.to_array(inits[matmul.input[1]])
    bias = numpy_helper.to_array(inits[add.input[1]])
    if weight.shape[1] != n_classes or bias.shape != (n_classes,):
        raise ValueError(f"head {weight.shape} does not match {n_classes} classes")
    for name, arr in ((matmul.input[1], weight[:, columns]), (add.input[1], bias[columns])):
        inits[name].CopyFrom(numpy_helper.from_array(np.ascontiguousarray(arr), name))
    out_shape = graph.output[0].type.tensor_type.shape
    if out_shape.dim:
        out_shape.dim[-1].Clear()
        out_shape.dim[-1].dim_value = len(columns)
    del graph.value_info[:]  # shapes inferred again by ONNX Runtime
    for p in model.metadata_props:
        if p.key == "character":
            p.value = "\n".join(chars[i] for i in keep_chars)
    return model, columns


CALIBRATION_SEEDS = range(1_000_000, 1_000_012)


def calibration_inputs() -> list[npt.NDArray[np.float32]]:
    """The text detector's inputs for every price tag of the calibration scenes."""
    from shelfscan.datasets.synthetic.hard import Realism
    from shelfscan.datasets.synthetic.render import generate_scene
    from shelfscan.datasets.synthetic.scene import SceneConfig
    from shelfscan.pricing.ocr import DET_MODEL, REC_MODEL, OcrSettings, TagOcr
    from shelfscan.types import CLASS_PRICE_TAG

    ocr = TagOcr(OcrSettings(threads=1, det_model=DET_MODEL, rec_model=REC_MODEL))
    cfg = SceneConfig(realism=Realism(sale_tags=0.3), pegboard_prob=0.1)
    out = []
    for seed in CALIBRATION_SEEDS:
        scene = generate_scene(seed, cfg, size=(2400, 1800))
        dets = scene.detections
        out += ocr.detector_inputs(scene.image, dets.xyxy[dets.class_id == CLASS_PRICE_TAG])
    return out


def quantise_detector(source: Path, out: Path) -> int:
    """Write the int8 text detector to ``out``; the number of calibration inputs."""
    from onnx import version_converter
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    inputs = calibration_inputs()

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._it = iter({"x": x} for x in inputs)

        def get_next(self) -> dict[str, npt.NDArray[np.float32]] | None:
            return next(self._it, None)

    with tempfile.TemporaryDirectory() as tmp:
        raised, ready = Path(tmp) / "det17.onnx", Path(tmp) / "det17-pre.onnx"
        model = version_converter.convert_version(onnx.load(str(source)), 17)
        onnx.save(model, str(raised))
        # shape inference and ORT's graph optimisation (batch norms folded into the convs)
        quant_pre_process(str(raised), str(ready), skip_symbolic_shape=True)
        quantize_static(
            str(ready),
            str(out),
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["Conv"],
            calibrate_method=CalibrationMethod.MinMax,
        )
    model = onnx.load(str(out))
    _stamp(model, source)
    onnx.save(model, str(out))
    return len(inputs)


def _stamp(model: onnx.ModelProto, source: Path) -> None:
    model.metadata_props.add(
        key="shelfscan.source", value=f"rapidocr {version('rapidocr')} {source.name}"
    )
    model.metadata_props.add(key="shelfscan.source_sha256", value=sha256(source))


def main(argv: list[str] | None = None) -> int:
    import rapidocr

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--no-detector", action="store_true", help="build price_rec.onnx only")
    args = parser.parse_args(argv)
    bundled = Path(rapidocr.__file__).resolve().parent / "models"
    source = bundled / "PP-OCRv6_rec_small.onnx"
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / "price_rec.onnx"
    model, columns = trim_head(onnx.load(str(source)), KEPT)
    _stamp(model, source)
    onnx.checker.check_model(model)
    onnx.save(model, str(out))
    print(f"{out}: {len(columns)} classes (from 18710), sha256 {sha256(out)}")
    det = args.out_dir / "price_det.onnx"
    n = 0 if args.no_detector else quantise_detector(bundled / "PP-OCRv6_det_small.onnx", det)
    if n:
        print(f"{det}: int8, {n} calibration tags, sha256 {sha256(det)}")
    if args.check:
        import onnxruntime as ort

        full = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"])
        small = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 48, 160)).astype(np.float32)
        a = full.run(None, {"x": x})[0][..., columns]
        b = small.run(None, {"x": x})[0]
        diff = np.abs(a / a.sum(-1, keepdims=True) - b).max()
        print(f"max |full, renormalised over the kept classes - trimmed| = {diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
