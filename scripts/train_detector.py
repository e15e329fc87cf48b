"""From the committed code to a shipped detector, in one command.

v2 (GPU; hard cases of real stores on, from ImageNet or from today's weights):

    pip install -e '.[train]'
    python scripts/train_detector.py --out runs/detector-v2 --device cuda --time-budget 1800 \
        --workers 15 --batch 32 --crops-per-scene 8 --init-onnx models/detector.onnx --lr 5e-4

CPU fine-tune from today's weights, bounded (what fits a shared 2-core box):

    nice -n 19 python scripts/train_detector.py --out runs/ft-cpu --device cpu --workers 0 \
        --threads 1 --batch 8 --crops-per-scene 4 --init-onnx models/detector.onnx \
        --lr 3e-4 --warmup 20 --time-budget 1500

``--realism none`` trains on the generator without its hard cases (as v1 did).
The eval stage also scores the new int8 model and the one in ``--models-dir`` on the
hand-counted real photos (``--real``, evaluation only, never trained on); ship refuses a
model whose synthetic AP50 is below 0.98 or whose real figures do not beat the shipped one.

Add ``--data PATH`` to mix your own annotated photos (any format ``shelfscan dataset check``
reads) into training, ``--data-share`` of the scenes (default 0.5).

Stages (``--stages``, default all, in this order):
  train     EfficientNet-Lite0 (ImageNet) + FPN + FCOS-style head on synthetic scenes
            (seeds >= 1,000,000), resumable from ``OUT/last.pt``
  export    ``OUT/detector-fp32.onnx`` (opset 17), checked against PyTorch
  quantize  ``OUT/detector-int8.onnx``: static QDQ int8, calibrated on synthetic scenes
  eval      held-out synthetic scenes (seeds 0..N-1) for fp32 and int8, real photos for
            int8 and the shipped model -> ``OUT/eval.json``
  ship      copy int8 (or fp32 when int8 loses more than 0.01 AP50) to
            ``models/detector.onnx`` if it clears the bars above; update
            ``models/SHA256SUMS`` and the model card
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shelfscan.datasets.synthetic.hard import Realism

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

STAGES = ("train", "export", "quantize", "eval", "ship")
CALIBRATION_SEEDS = range(900_000, 900_048)  # neither training nor evaluation seeds
DEFAULT_REAL = ROOT.parent / "shared" / "data" / "real"
SYNTHETIC_AP50_BAR = 0.98


def realism_of(name: str) -> Realism | None:
    from shelfscan.datasets.synthetic.hard import REALISTIC

    return REALISTIC if name == "realistic" else None


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
    p.add_argument(
        "--init-onnx",
        type=Path,
        default=None,
        help="start from a shipped detector ONNX file (e.g. models/detector.onnx); implies "
        "--freeze-bn",
    )
    p.add_argument("--freeze-bn", action="store_true", help="BatchNorm in eval mode")
    p.add_argument("--warmup", type=int, default=200, help="linear warm-up steps")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    p.add_argument(
        "--realism",
        choices=("realistic", "none"),
        default="realistic",
        help="synthetic hard cases of real stores (datasets.synthetic.hard.REALISTIC) or none "
        "(the generator as the shipped v1 weights saw it, in spirit)",
    )
    p.add_argument(
        "--real",
        type=Path,
        default=DEFAULT_REAL,
        help="hand-counted real photos for the eval stage (evaluation only; skipped if absent)",
    )
    p.add_argument(
        "--force-ship",
        action="store_true",
        help="ship even when the real-photo figures do not beat the model in --models-dir",
    )
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
        init_onnx=str(args.init_onnx or ""),
        freeze_bn=args.freeze_bn or args.init_onnx is not None,
        warmup=args.warmup,
        threads=args.threads,
        crops=CropConfig(
            input_size=args.input_size,
            crop=args.crop,
            crops_per_scene=args.crops_per_scene,
            scale_jitter=scale_range(args.scale),
        ),
    )
    source = synthetic_source(realism=realism_of(args.realism))
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
    source = synthetic_source(realism=realism_of(args.realism))
    images = (source(seed)[0] for seed in CALIBRATION_SEEDS)
    classes = tuple(meta["shelfscan.classes"].split(","))
    path = quantize_int8(
        fp32, args.out / "detector-int8.onnx", images, int(meta["shelfscan.input_size"]), classes
    )
    print(f"quantised {path} ({path.stat().st_size / 1e6:.1f} MB)")


def stage_eval(args: argparse.Namespace) -> None:
    """Held-out synthetic scenes for fp32 and int8, then (where the shared folder is)
    the real-photo figures of int8 and of the model in ``--models-dir`` -> eval.json."""
    from shelfscan.detection.detector import Detector
    from shelfscan.detection.evaluate import evaluate_model

    spec = f"synthetic:0-{args.eval_images - 1}"
    results: dict[str, Any] = {}
    for name in ("fp32", "int8"):
        path = args.out / f"detector-{name}.onnx"
        detector = Detector.from_path(path, threads=2, score_threshold=0.05, max_detections=300)
        report = evaluate_model(detector, spec)
        results[name] = report.as_dict()
        print(name, json.dumps(report.metrics.as_dict()))
    real = {}
    if args.real is not None and args.real.is_dir():
        candidates = {"int8": args.out / "detector-int8.onnx"}
        shipped = args.models_dir / "detector.onnx"
        if shipped.is_file():
            candidates["shipped"] = shipped
        for name, path in candidates.items():
            real[name] = real_figures(path, args.real)
            print("real", name, json.dumps(real[name]))
    else:
        print(f"no real photos at {args.real}: real-photo figures skipped")
    (args.out / "eval.json").write_text(json.dumps({**results, "real": real}, indent=2) + "\n")


def real_figures(model: Path, real: Path) -> dict[str, float]:
    """The headline real-photo figures of one model (``shelfscan model eval REAL``)."""
    from shelfscan.detection.detector import Detector
    from shelfscan.detection.real_eval import evaluate_real

    det = Detector.from_path(model, threads=2, score_threshold=0.5)
    rep = evaluate_real(det, str(real))
    out = {
        "photos": float(len(rep.photos)),
        "nested": rep.nested_share,
        "oversize": rep.oversize_share,
    }
    if rep.counts is not None:
        out["rows_within"] = rep.counts.within_share
        out["total_error"] = abs(rep.counts.total_error)
    for b in rep.box_sets:
        out[f"{b.name}_precision"], out[f"{b.name}_recall"] = b.precision, b.recall
    if rep.tags is not None:
        out["tags_recall"] = rep.tags.recall
        out["tags_as_product"] = float(rep.tags.as_product)
    return out


LOWER_IS_BETTER = ("nested", "oversize", "total_error", "tags_as_product")


def real_better(new: dict[str, float], old: dict[str, float], slack: float = 0.005) -> bool:
    """``new`` beats ``old``: no figure worse by more than ``slack``, one better by more."""
    worse = better = False
    for key, value in new.items():
        if key == "photos" or key not in old:
            continue
        gain = (old[key] - value) if key in LOWER_IS_BETTER else (value - old[key])
        if key == "tags_as_product":
            gain /= 10  # a count, not a share
        worse |= gain < -slack
        better |= gain > slack
    return better and not worse


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stage_ship(args: argparse.Namespace) -> None:
    """Copy the model into ``--models-dir`` when it clears the bars: held-out synthetic
    AP50 >= 0.98 and real-photo figures better than the model there now."""
    results = json.loads((args.out / "eval.json").read_text())
    real = results.pop("real", {})
    use_int8 = results["int8"]["ap50"] >= results["fp32"]["ap50"] - 0.01
    kind = "int8" if use_int8 else "fp32"
    if results[kind]["ap50"] < SYNTHETIC_AP50_BAR and not args.force_ship:
        raise SystemExit(f"not shipped: synthetic AP50 {results[kind]['ap50']:.3f} < 0.98")
    beaten = "int8" in real and "shipped" in real and not real_better(real["int8"], real["shipped"])
    if beaten and not args.force_ship:
        raise SystemExit(
            "not shipped: real-photo figures do not beat the shipped model "
            f"(new {real['int8']}, shipped {real['shipped']}); --force-ship overrides"
        )
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
