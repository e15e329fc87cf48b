"""Measure shelf rows on rendered scenes with a hard case on, against exact truth.

    python scripts/eval_layout_synthetic.py --case tiers=0.5                 # truth boxes
    python scripts/eval_layout_synthetic.py --case tiers=0.5 --detector models/detector.onnx
    python scripts/eval_layout_synthetic.py --case none --case tiers=0.5 --scenes 40

Scenes come from ``shelfscan.datasets.synthetic`` (no camera effects, 1280x960) with one
``Realism`` case turned on (``none``: plain scenes; ``realistic``: all of ``REALISTIC``). The layout runs on the truth boxes
(products, price tags and empty slots), or on the detector's boxes matched to the truth (IoU >= 0.5) with ``--detector``.
Every product's truth shelf is known, so a shelf of tiers of cases (``tiers``) is one
shelf row by construction. Reports, over the shelves holding at least one laid-out
facing: shelves whose facings sit on exactly one row that holds no other shelf's facings
(``one row``), shelves split over two or more rows (``split``), and found rows holding
facings of two shelves (``mixed``).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

SIZE = (1280, 960)


def _case(spec: str) -> tuple[str, dict[str, float]]:
    from shelfscan.datasets.synthetic.hard import REALISTIC

    if spec == "none":
        return spec, {}
    if spec == "realistic":  # every hard case at the rates training uses
        return spec, {k: float(getattr(REALISTIC, k)) for k in REALISTIC.__dataclass_fields__}
    name, _, value = spec.partition("=")
    return spec, {name: float(value or 1.0)}


def _truth_shelf(found: np.ndarray, truth: np.ndarray, shelves: np.ndarray) -> np.ndarray:
    """Truth shelf of each found box (N, 4): its best-IoU truth box (M, 4) when >= 0.5, else -1."""
    out = np.full(len(found), -1, np.int64)
    if len(found) == 0 or len(truth) == 0:
        return out
    tl = np.maximum(found[:, None, :2], truth[None, :, :2])
    br = np.minimum(found[:, None, 2:], truth[None, :, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=2)
    area_f = np.prod(found[:, 2:] - found[:, :2], axis=1)
    area_t = np.prod(truth[:, 2:] - truth[:, :2], axis=1)
    iou = inter / np.maximum(area_f[:, None] + area_t[None, :] - inter, 1e-9)
    best = iou.argmax(axis=1)
    ok = iou[np.arange(len(found)), best] >= 0.5
    out[ok] = shelves[best[ok]]
    return out


def measure(case: str, realism: dict[str, float], scenes: int, detector_path: Path | None) -> None:
    from shelfscan.datasets.synthetic import SceneConfig, generate_scene
    from shelfscan.datasets.synthetic.hard import Realism
    from shelfscan.layout import build_layout
    from shelfscan.types import CLASS_PRODUCT

    detector = None
    if detector_path is not None:
        from shelfscan.detection import Detector

        detector = Detector.from_path(detector_path, threads=2)
    cfg = SceneConfig(camera_strength=0.0, realism=replace(Realism(), **realism))
    shelves = one = split = mixed = rows = 0
    for seed in range(scenes):
        scene = generate_scene(seed, cfg, size=SIZE)
        found = scene.detections if detector is None else detector(scene.image)
        gt = scene.detections[scene.detections.class_id == CLASS_PRODUCT]
        laid, layout = build_layout(found, SIZE, image=scene.image)
        laid = laid[laid.class_id == CLASS_PRODUCT]  # price tags are evidence, not facings
        row = np.asarray(laid.data["row"], np.int64)  # the clean-up may drop boxes
        truth = _truth_shelf(laid.xyxy, gt.xyxy, np.asarray(gt.data["shelf"], np.int64))
        rows += len(layout.rows)
        on = (row >= 0) & (truth >= 0)
        for r in set(row[on].tolist()):
            mixed += len(set(truth[on & (row == r)].tolist())) > 1
        for s in set(truth[on].tolist()):
            got = set(row[on & (truth == s)].tolist())
            shelves += 1
            split += len(got) > 1
            one += len(got) == 1 and set(truth[on & (row == next(iter(got)))].tolist()) == {s}
    source = "truth boxes" if detector is None else f"detector {detector_path}"
    print(
        f"case {case} ({scenes} scenes, {source}): {shelves} shelves, {rows} rows found; "
        f"one row {one} ({one / max(shelves, 1):.1%}), split {split}, mixed rows {mixed}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--case", action="append", help="a Realism case: none, realistic, tiers=0.5, ..."
    )
    parser.add_argument("--scenes", type=int, default=30, help="scenes per case (seeds 0..)")
    parser.add_argument("--detector", type=Path, help="an ONNX detector (default: truth boxes)")
    args = parser.parse_args(argv)
    for spec in args.case or ["none", "tiers=0.5"]:
        case, realism = _case(spec)
        measure(case, realism, args.scenes, args.detector)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
