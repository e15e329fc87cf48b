"""Does perspective correction help? Detector recall/precision and shelf-row count on
tilted synthetic photos: as shot ("plain"), detected on the corrected photo with boxes
mapped back ("rectified"), and detected as shot with only the row clustering done on
boxes mapped into the corrected frame ("rows_only").

    python scripts/eval_rectify.py --scenes 12
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from shelfscan.config import models_dir
from shelfscan.datasets.synthetic import CameraEffects, SceneConfig, apply_camera, generate_scene
from shelfscan.detection import Detector
from shelfscan.detection.metrics import box_iou, match_image
from shelfscan.imaging.rectify import rectify, unmap_boxes
from shelfscan.imaging.stitch import map_boxes
from shelfscan.layout import build_layout
from shelfscan.types import CLASS_PRODUCT, Detections

CASES = {
    "level": CameraEffects(),
    "tilt 3": CameraEffects(tilt_deg=3.0),
    "tilt 6": CameraEffects(tilt_deg=-6.0),
    "keystone 0.5": CameraEffects(perspective=0.5),
    "keystone 0.9 + tilt 3": CameraEffects(perspective=-0.9, tilt_deg=3.0),
}


def score(
    pred: Detections, truth: Detections, size: tuple[int, int], frame: Detections | None = None
) -> tuple[int, int, int, int]:
    """(true positives, predictions, truths, |rows found - rows true|) for products.

    Boxes are compared on the original photo; rows are clustered on ``frame`` (the boxes
    in the corrected photo) when given, where shelves run level.
    """
    p, t = pred.of_class(CLASS_PRODUCT), truth.of_class(CLASS_PRODUCT)
    order = np.argsort(-p.confidence)
    tp = match_image(box_iou(p.xyxy[order], t.xyxy), np.array([0.5]))[0]
    _, layout = build_layout(pred if frame is None else frame, size)
    rows_true = len(set(int(s) for s in t.column("shelf", -1)))
    return int(tp.sum()), len(p), len(t), abs(len(layout.rows) - rows_true)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenes", type=int, default=8)
    ap.add_argument("--first-seed", type=int, default=5000)
    args = ap.parse_args()
    detector = Detector.from_path(models_dir() / "detector.onnx", threads=2)
    out: dict[str, dict[str, float]] = {}
    for name, effects in CASES.items():
        totals = np.zeros((3, 4))
        for seed in range(args.first_seed, args.first_seed + args.scenes):
            scene = generate_scene(seed, SceneConfig(camera_strength=0.0), size=(1280, 960))
            img, truth = apply_camera(
                scene.image, scene.detections, effects, np.random.default_rng(seed)
            )
            size = (img.shape[1], img.shape[0])
            totals[0] += score(detector(img), truth, size)
            fixed = rectify(img)
            found = detector(fixed.image)
            totals[1] += score(unmap_boxes(found, fixed.homography), truth, size, found)
            plain = detector(img)  # detect on the photo as shot, cluster rows level
            level = plain.with_boxes(map_boxes(plain.xyxy.astype(np.float64), fixed.homography))
            totals[2] += score(plain, truth, size, level if len(plain) else None)
        for k, label in enumerate(("plain", "rectified", "rows_only")):
            tp, npred, ntrue, row_err = totals[k]
            out.setdefault(name, {})[f"{label}_recall"] = round(tp / max(ntrue, 1), 4)
            out[name][f"{label}_precision"] = round(tp / max(npred, 1), 4)
            out[name][f"{label}_row_error"] = round(row_err / args.scenes, 3)
        print(name, out[name], flush=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
