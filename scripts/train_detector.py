"""From scratch to the shipped detector, in one command.

    pip install -e '.[train]'
    python scripts/train_detector.py --out runs/detector --device cuda --time-budget 460 \
        --workers 15 --batch 32 --crops-per-scene 8

Add ``--data PATH`` to mix your own annotated photos (any format ``shelfscan dataset check``
reads) into training, ``--data-share`` of the scenes (default 0.5).

Stages (``--stages``, default all, in this order):
  train     EfficientNet-Lite0 (ImageNet) + FPN + FCOS-style head on synthetic scenes
            (seeds >= 1,000,000), resumable from ``OUT/last.pt``
  export    ``OUT/detector-fp32.onnx`` (opset 17), checked against PyTorch
  quantize  ``OUT/detector-int8.onnx``: static QDQ int8, calibrated on synthetic scenes
  eval      held-out synthetic scenes (seeds 0..N-1) for fp32 and int8 -> ``OUT/eval.json``
  ship      copy int8 (or fp32 when int8 loses more than 0.01 AP50) to
            ``models/detector.onnx``; update ``models/SHA256SUMS`` and the model card
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

STAGES = ("train", "export", "quantize", "eval", "ship")
CALIBRATION_SEEDS = range(900_000, 900_048)  # neither training nor evaluation seeds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "detector")
    p.add_argument("--stages", default=",".join(STAGES))
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--time-budget", type=float, default=float("inf"), help="seconds of training")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--input-size", type=int, default=768)
    p.add_argument("--crop", type=int, default=512)
    p.add_argument("--crops-per-scene", type=int, default=4)
    p.add_argument("--scale", default="0.6,1.5", help="scene long side / input size, min,max")
    p.add_argument("--init-weights", type=Path, default=None, help="continue from weights.pt")
    p.add_argument("--classes", type=int, default=3, help="1 = product; 3 = +empty, price_tag")
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="your annotated photos (COCO, YOLO, VOC, CSV) to mix with synthetic scenes",
    )
    p.add_argument("--data-share", type=float, default=0.5, help="share of scenes from --data")
    p.add_argument("--imagenet-weights", type=Path, default=None)
    p.add_argument("--eval-images", type=int, default=100)
    p.add_argument("--models-dir", type=Path, default=ROOT / "models")
    return p.parse_args(argv)


def scale_range(text: str) -> tuple[float, float]:
    lo, hi = (float(v) for v in text.split(","))
    return lo, hi


def stage_train(args: argparse.Namespace) -> None:
    from shelfscan.training import backbone
    from shelfscan.training.data import (
        CropConfig,
        dataset_source,
        mixed_source,
        synthetic_source,
    )
    from shelfscan.training.model import ModelConfig
    from shelfscan.training.train import TrainConfig, train

    if args.imagenet_weights is not None:
        path = args.imagenet_weights
        backbone.imagenet_weights_path = lambda: path  # a local copy of the same file
    cfg = TrainConfig(
        steps=args.steps,
        batch=args.batch,
        lr=args.lr,
        time_budget_s=args.time_budget,
        workers=args.workers,
        model=ModelConfig(num_classes=args.classes),
        init_weights=str(args.init_weights or ""),
        crops=CropConfig(
            input_size=args.input_size,
            crop=args.crop,
            crops_per_scene=args.crops_per_scene,
            scale_jitter=scale_range(args.scale),
        ),
    )
    source = synthetic_source()
    if args.data is not None:
        source = mixed_source(source, dataset_source(args.data), args.data_share)
    train(cfg, source, args.out, device=args.device)


def stage_export(args: argparse.Namespace) -> None:
    from shelfscan.training.export import compare_with_torch, export_onnx
    from shelfscan.training.train import load_model

    model, input_size = load_model(args.out / "weights.pt")
    path = export_onnx(model, args.out / "detector-fp32.onnx", input_size)
    print(f"exported {path}; max |ONNX - PyTorch| = {compare_with_torch(model, path):.2e}")


def stage_quantize(args: argparse.Namespace) -> None:
    import onnxruntime as ort

    from shelfscan.detection.session import metadata
    from shelfscan.training.data import synthetic_source
    from shelfscan.training.quantize import quantize_int8

    fp32 = args.out / "detector-fp32.onnx"
    meta = metadata(ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]))
    source = synthetic_source()
    images = (source(seed)[0] for seed in CALIBRATION_SEEDS)
    classes = tuple(meta["shelfscan.classes"].split(","))
    path = quantize_int8(
        fp32, args.out / "detector-int8.onnx", images, int(meta["shelfscan.input_size"]), classes
    )
    print(f"quantised {path} ({path.stat().st_size / 1e6:.1f} MB)")


def stage_eval(args: argparse.Namespace) -> None:
    from shelfscan.detection.detector import Detector
    from shelfscan.detection.evaluate import evaluate_model

    spec = f"synthetic:0-{args.eval_images - 1}"
    results = {}
    for name in ("fp32", "int8"):
        path = args.out / f"detector-{name}.onnx"
        detector = Detector.from_path(path, threads=2, score_threshold=0.05, max_detections=300)
        report = evaluate_model(detector, spec)
        results[name] = report.as_dict()
        print(name, json.dumps(report.metrics.as_dict()))
    (args.out / "eval.json").write_text(json.dumps(results, indent=2) + "\n")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stage_ship(args: argparse.Namespace) -> None:
    results = json.loads((args.out / "eval.json").read_text())
    use_int8 = results["int8"]["ap50"] >= results["fp32"]["ap50"] - 0.01
    src = args.out / ("detector-int8.onnx" if use_int8 else "detector-fp32.onnx")
    dst = args.models_dir / "detector.onnx"
    args.models_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    sums = args.models_dir / "SHA256SUMS"
    lines = [
        ln
        for ln in (sums.read_text().splitlines() if sums.exists() else [])
        if not ln.endswith("  detector.onnx")
    ]
    lines.append(f"{sha256(dst)}  detector.onnx")
    sums.write_text("\n".join(sorted(lines, key=lambda s: s.split()[-1])) + "\n")
    write_card_figures(args.models_dir / "README.md", results, "int8" if use_int8 else "fp32", dst)
    print(f"shipped {src.name} -> {dst} ({dst.stat().st_size / 1e6:.1f} MB)")


def write_card_figures(
    card: Path, results: dict[str, dict[str, float]], kind: str, model: Path
) -> None:
    """Replace the generated block of the model card (between the detector markers)."""
    begin, end = "<!-- detector-eval:begin -->", "<!-- detector-eval:end -->"
    rows = [
        "| model | data | AP | AP50 | AP75 | AR300 | count MAE |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in results.items():
        rows.append(
            f"| {name} | {m['dataset']} ({m['images']} images, {m['gt_boxes']} boxes) "
            f"| {m['ap']:.3f} | {m['ap50']:.3f} | {m['ap75']:.3f} | {m['ar300']:.3f} "
            f"| {m['count_mae']:.2f} |"
        )
    block = "\n".join([begin, f"Shipped: {kind}, SHA-256 `{sha256(model)}`.", "", *rows, end])
    text = card.read_text() if card.exists() else ""
    if begin in text and end in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    card.write_text(text)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise SystemExit(f"unknown stage(s) {unknown}; valid: {', '.join(STAGES)}")
    for stage in STAGES:
        if stage in stages:
            print(f"== {stage}", flush=True)
            globals()[f"stage_{stage}"](args)


if __name__ == "__main__":
    main()
