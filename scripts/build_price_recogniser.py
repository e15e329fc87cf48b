"""Build ``models/price_rec.onnx``: RapidOCR's bundled PP-OCRv6 small recogniser with its
18,710-class output head cut down to the characters price tags print.

    python scripts/build_price_recogniser.py [--out models/price_rec.onnx] [--check]

The source is the ``PP-OCRv6_rec_small.onnx`` inside the pinned ``rapidocr`` wheel (no
download). The recogniser ends in ``MatMul(120 -> 18710) + Add + Softmax`` over the CTC
classes (blank, the 18,708 characters of its ``character`` metadata, space); most of
them are CJK characters, and that one matrix is 9 MB of the 21 MB file and the largest
single cost per time step. This script keeps the columns of blank, space and the
characters of ``KEPT`` (printable ASCII, the Latin-1 letters and signs, the euro sign),
writes the kept characters as the new ``character`` metadata (so RapidOCR's CTC decoder
reads the smaller model unchanged) and records the source file's SHA-256. Nothing else
in the graph changes: every kept class gets exactly the logit it had before; only the
softmax is taken over fewer classes. ``--check`` runs both models on random inputs and
prints the largest logit-order disagreement on the kept classes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
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


def main(argv: list[str] | None = None) -> int:
    import rapidocr

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "price_rec.onnx")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    source = Path(rapidocr.__file__).resolve().parent / "models" / "PP-OCRv6_rec_small.onnx"
    model, columns = trim_head(onnx.load(str(source)), KEPT)
    model.metadata_props.add(
        key="shelfscan.source", value=f"rapidocr {version('rapidocr')} PP-OCRv6_rec_small.onnx"
    )
    model.metadata_props.add(key="shelfscan.source_sha256", value=sha256(source))
    onnx.checker.check_model(model)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(args.out))
    print(f"{args.out}: {len(columns)} classes (from 18710), sha256 {sha256(args.out)}")
    if args.check:
        import onnxruntime as ort

        full = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"])
        small = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
        x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 48, 160)).astype(np.float32)
        a = full.run(None, {"x": x})[0][..., columns]
        b = small.run(None, {"x": x})[0]
        diff = np.abs(a / a.sum(-1, keepdims=True) - b).max()
        print(f"max |full, renormalised over the kept classes - trimmed| = {diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
