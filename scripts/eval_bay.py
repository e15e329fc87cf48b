"""Bays from overlapping shots: merged product count vs truth and double-counted facings.

Each bay is one wide synthetic scene cut into 3-5 overlapping shots (optionally from
slightly different angles). ``--truth`` merges the ground-truth boxes of each shot (tests
the registration + merge logic); ``--detector`` merges the shipped detector's boxes and
counts the merged facings against the truth.

    python scripts/eval_bay.py --bays 12 [--detector]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from shelfscan.config import models_dir
from shelfscan.detection import Detector
from shelfscan.imaging.stitch import register_bay
from shelfscan.layout.bay import build_bay, inter_over_min
from shelfscan.layout.bay_synthetic import count_doubles, make_bay_shots
from shelfscan.types import CLASS_PRODUCT, Detections

SETUPS = [(3, 0.3, 0.0), (4, 0.25, 0.15), (5, 0.35, 0.1), (3, 0.2, 0.1)]


def doubles_against(found: Detections, truth: Detections) -> int:
    """Facings of ``truth`` covered by more than one found product box (centre inside and
    intersection over the smaller box > 0.5): counted twice."""
    f, t = found.of_class(CLASS_PRODUCT), truth.of_class(CLASS_PRODUCT)
    if len(f) == 0 or len(t) == 0:
        return 0
    cover = inter_over_min(t.xyxy.astype(np.float64), f.xyxy.astype(np.float64)) > 0.5
    c = f.center
    inside = (
        (c[None, :, 0] > t.xyxy[:, None, 0])
        & (c[None, :, 0] < t.xyxy[:, None, 2])
        & (c[None, :, 1] > t.xyxy[:, None, 1])
        & (c[None, :, 1] < t.xyxy[:, None, 3])
    )
    hits = (cover & inside).sum(axis=1)
    return int(np.clip(hits - 1, 0, None).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bays", type=int, default=12)
    ap.add_argument("--first-seed", type=int, default=100)
    ap.add_argument("--detector", action="store_true", help="use models/detector.onnx")
    args = ap.parse_args()
    det = Detector.from_path(models_dir() / "detector.onnx", threads=2) if args.detector else None
    rows = []
    for k in range(args.bays):
        seed = args.first_seed + k
        shots, overlap, persp = SETUPS[k % len(SETUPS)]
        bay_shots = make_bay_shots(seed, shots, overlap, perspective=persp)
        pairs, method = register_bay(bay_shots.images)
        per_shot = bay_shots.truth if det is None else [det(im) for im in bay_shots.images]
        sizes = [(im.shape[1], im.shape[0]) for im in bay_shots.images]
        bay = build_bay(per_shot, sizes, pairs, method)
        products = int((bay.detections.class_id == CLASS_PRODUCT).sum())
        naive = sum(int((d.class_id == CLASS_PRODUCT).sum()) for d in per_shot)
        if det is None:
            doubles = count_doubles(bay.detections)[1]
            shot_error = 0.0
        else:  # compare with the merged ground truth in the same bay frame
            truth_bay = build_bay(bay_shots.truth, sizes, pairs, method).detections
            doubles = doubles_against(bay.detections, truth_bay)
            shot_error = float(
                np.mean(
                    [
                        abs(
                            int((d.class_id == CLASS_PRODUCT).sum())
                            - int((t.class_id == CLASS_PRODUCT).sum())
                        )
                        / max(1, int((t.class_id == CLASS_PRODUCT).sum()))
                        for d, t in zip(per_shot, bay_shots.truth, strict=True)
                    ]
                )
            )
        rows.append(
            {
                "seed": seed,
                "shots": shots,
                "overlap": overlap,
                "perspective": persp,
                "method": method,
                "registered": sum(p is not None for p in pairs),
                "truth": bay_shots.products,
                "merged": products,
                "summed_without_merge": naive,
                "error": round(abs(products - bay_shots.products) / bay_shots.products, 4),
                "double_counted": doubles,
                "per_shot_detector_error": round(shot_error, 4),
            }
        )
        print(rows[-1], flush=True)
    errors = [r["error"] for r in rows]
    summary = {
        "source": "detector" if det else "ground-truth boxes",
        "bays": len(rows),
        "within_2pct": sum(e <= 0.02 for e in errors) / len(rows),
        "mean_error": float(np.mean(errors)),
        "max_error": float(np.max(errors)),
        "double_counted_total": sum(int(r["double_counted"]) for r in rows),
        "mean_per_shot_detector_error": float(
            np.mean([r["per_shot_detector_error"] for r in rows])
        ),
        "pairs_registered": f"{sum(r['registered'] for r in rows)}/{sum(r['shots'] - 1 for r in rows)}",
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
