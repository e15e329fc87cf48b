"""Evaluate planogram matching on synthetic bays with known edits.

    python scripts/eval_planogram.py --bays 200                       # ground-truth boxes
    python scripts/eval_planogram.py --bays 40 --detector models/detector.onnx \
        --embedder models/embedder.onnx

Part A (always): bays laid out from random planograms (facing widths from the synthetic
catalog), perturbed with known edits (facings removed, whole SKUs removed, blocks swapped,
competitors added, blocks replaced, extra facings), photographed as ground-truth boxes and
SKUs, whole or partly (crops). Truth comes from the construction. Reports position-status
accuracy and the compliance error in points, for every matcher.

Part B (with --detector): rendered photos (``shelfscan.datasets.synthetic``, camera effects)
of perturbed scenes; the detector finds the boxes, SKUs are carried over from the nearest
ground-truth box (IoU >= 0.5, else "unknown": an oracle recogniser), or left out
(positions and gaps only), or (with --embedder) given by the shipped recogniser over the
scenes' catalog (3 varied packshots per SKU). Reference: the same matcher on the
ground-truth boxes and SKUs. Reports status agreement and compliance difference.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

import numpy as np

from shelfscan.kpi.planogram import position_kpis
from shelfscan.layout import build_layout
from shelfscan.planogram import MATCHERS, Planogram, PlanogramMatch, get_matcher
from shelfscan.planogram.synthetic import (
    build_bay,
    perturb,
    photograph,
    random_planogram,
    true_statuses,
)
from shelfscan.types import CLASS_PRODUCT, Detections

CROPS = {
    "whole bay": (0.0, 0.0, 1.0, 1.0),
    "left 70%": (0.0, 0.0, 0.7, 1.0),
    "right 70%": (0.3, 0.0, 1.0, 1.0),
    "top shelves": (0.0, 0.0, 1.0, 0.75),
}


def compliance(statuses: list[str]) -> float:
    seen = [s for s in statuses if s != "unseen"]
    return 100.0 * sum(s == "ok" for s in seen) / len(seen) if seen else 0.0


def part_a(bays: int, edits: int, shelves: int, facings: int) -> None:
    from shelfscan.datasets.synthetic import SyntheticCatalog

    cat = SyntheticCatalog(300, seed=0)
    catalog = [(s.sku, float(s.width_mm)) for s in cat.skus[:250]]
    competitors = [(s.sku, float(s.width_mm)) for s in cat.skus[250:]]
    print(
        f"A. ground-truth boxes: {bays} bays x {len(CROPS)} framings, {shelves} shelves, "
        f"~{facings} facings, {edits} edits per bay"
    )
    print(
        f"{'matcher':<12}{'framing':<13}{'positions':>10}{'accuracy':>10}"
        f"{'compl. err mean':>17}{'max':>7}{'ms':>7}"
    )
    for name in sorted(MATCHERS):
        matcher = get_matcher(name)
        for label, crop in CROPS.items():
            right = total = 0
            errors, times = [], []
            confusion: Counter[tuple[str, str]] = Counter()
            for seed in range(bays):
                rng = np.random.default_rng(seed)
                plan = random_planogram(rng, catalog, shelves, facings // shelves)
                bay = perturb(build_bay(plan), rng, edits, competitors)
                photo = photograph(bay, rng, crop=crop)
                dets, layout = build_layout(photo.detections, photo.image_size)
                truth = true_statuses(bay, photo)
                t0 = time.perf_counter()
                match = matcher(plan, dets, layout)
                times.append((time.perf_counter() - t0) * 1000)
                got = [p.status for p in match.positions]
                want = [truth[(p.shelf, p.position)] for p in match.positions]
                right += sum(a == b for a, b in zip(got, want, strict=True))
                total += len(got)
                confusion.update((w, g) for w, g in zip(want, got, strict=True) if w != g)
                errors.append(abs(compliance(got) - compliance(want)))
            print(
                f"{name:<12}{label:<13}{total:>10}{right / total:>10.2%}"
                f"{statistics.mean(errors):>17.2f}{max(errors):>7.2f}"
                f"{statistics.median(times):>7.1f}"
            )
            if name == "align" and confusion:
                worst = ", ".join(f"{w}->{g} {n}" for (w, g), n in confusion.most_common(4))
                print(f"{'':<12}  errors (truth->got): {worst}")


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4) x (M, 4) -> (N, M) IoU."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return np.asarray(inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-6))


def oracle_skus(found: Detections, gt: Detections) -> Detections:
    iou = iou_matrix(found.xyxy, gt.xyxy)
    best = iou.argmax(axis=1) if iou.size else np.zeros(len(found), np.int64)
    gt_sku = gt.column("sku", "")
    skus = [
        str(gt_sku[j]) if iou.size and iou[i, j] >= 0.5 else "unknown" for i, j in enumerate(best)
    ]
    return found.with_data(sku=np.array(skus, dtype=object))


def _scene(seed: int, size: tuple[int, int]) -> tuple[np.ndarray, Detections, Planogram]:
    from shelfscan.datasets.synthetic import (
        SceneConfig,
        apply_camera,
        plan_scene,
        random_effects,
        render_scene,
    )

    rng = np.random.default_rng([seed, 7])
    spec = plan_scene(seed, SceneConfig(aspect=size[0] / size[1]))
    plan = Planogram.from_blocks(
        f"scene{seed}",
        [[(s, n, spec.catalog.get(s).width_mm) for s, n in shelf] for shelf in spec.planogram],
    )
    blocks = [(s, sku) for s, shelf in enumerate(spec.planogram) for sku, _ in shelf]
    foreign = [s.sku for s in spec.catalog.skus if s.sku not in set(plan.skus())]
    for k in rng.permutation(len(blocks))[:4]:
        shelf, sku = blocks[int(k)]
        kind = int(rng.integers(3))
        if kind == 0:
            spec.remove_facings(sku, shelf=shelf)  # out of stock
        elif kind == 1:
            spec.remove_facings(sku, 1, shelf=shelf)  # one facing short
        else:
            spec.replace_sku(sku, foreign[int(rng.integers(len(foreign)))], shelf=shelf)
    scene = render_scene(spec, seed, size)
    image, gt = apply_camera(scene.image, scene.detections, random_effects(rng, 0.3), rng)
    return image, gt[gt.class_id == CLASS_PRODUCT], plan


def scene_recognizer(embedder_path: Path, refs: int = 3, px: int = 160) -> object:
    """The shipped embedder over the scenes' synthetic catalog (``refs`` varied packshots
    per SKU, as ``scripts/eval_recognition.py`` builds it)."""
    from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot
    from shelfscan.recognition.embedder import Embedder
    from shelfscan.recognition.index import NumpyIndex
    from shelfscan.recognition.recognizer import CatalogRecognizer
    from shelfscan.recognition.records import SkuInfo

    embedder = Embedder.from_path(embedder_path, threads=2)
    catalog = SyntheticCatalog(200, seed=0)  # the catalog plan_scene uses by default
    rng = np.random.default_rng(0)
    index = NumpyIndex(embedder.dim)
    for spec in catalog.skus:
        index.add(spec.sku, embedder([render_packshot(spec, rng, px)[0] for _ in range(refs)]))
    info = {
        s.sku: SkuInfo(sku=s.sku, brand=s.brand, category=s.category, width_mm=s.width_mm)
        for s in catalog.skus
    }
    config = getattr(embedder, "match_config", None)
    return CatalogRecognizer(embedder, index, info, config, keep_crops=False)


def part_b(
    bays: int, detector_path: Path, size: tuple[int, int], embedder_path: Path | None
) -> None:
    from shelfscan.detection import Detector

    detector = Detector.from_path(detector_path, threads=2)
    recognizer = scene_recognizer(embedder_path) if embedder_path else None
    print(
        f"\nB. detector in the loop: {bays} rendered scenes {size[0]}x{size[1]}, "
        f"camera effects 0.3, 4 edits each, model {detector_path}"
    )
    print(f"{'SKUs':<24}{'positions':>10}{'agreement':>11}{'compl. diff mean':>18}{'max':>7}")
    matcher = get_matcher("align")
    modes = ["oracle (IoU>=0.5)", "none (positions+gaps)"]
    if recognizer is not None:
        modes.insert(0, "shipped recogniser")
    for mode in modes:
        agree = total = 0
        diffs = []
        for seed in range(bays):
            image, gt, plan = _scene(10_000 + seed, size)
            found = detector(image)
            found = found[found.class_id == CLASS_PRODUCT]
            if mode.startswith("shipped"):
                ref = _match(matcher, plan, gt, size)
                dets, layout = build_layout(found, size)
                dets = recognizer(image, dets, layout)  # type: ignore[operator]
                got = matcher(plan, dets, layout)
            elif mode.startswith("oracle"):
                ref = _match(matcher, plan, gt, size)
                got = _match(matcher, plan, oracle_skus(found, gt), size)
            else:
                bare = Detections(found.xyxy, found.confidence, found.class_id, {})
                ref_dets = Detections(gt.xyxy, gt.confidence, gt.class_id, {})
                ref = _match(matcher, plan, ref_dets, size)
                got = _match(matcher, plan, bare, size)
            a = [p.status for p in ref.positions]
            b = [p.status for p in got.positions]
            agree += sum(x == y for x, y in zip(a, b, strict=True))
            total += len(a)
            ka, kb = position_kpis(list(ref.positions)), position_kpis(list(got.positions))
            diffs.append(100 * abs(ka["planogram_compliance"] - kb["planogram_compliance"]))
        print(
            f"{mode:<24}{total:>10}{agree / total:>11.2%}{statistics.mean(diffs):>18.2f}"
            f"{max(diffs):>7.2f}"
        )


def _match(
    matcher: object, plan: Planogram, dets: Detections, size: tuple[int, int]
) -> PlanogramMatch:
    dets, layout = build_layout(dets, size)
    return matcher(plan, dets, layout)  # type: ignore[operator,no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bays", type=int, default=100)
    parser.add_argument("--edits", type=int, default=6)
    parser.add_argument("--shelves", type=int, default=5)
    parser.add_argument("--facings", type=int, default=125)
    parser.add_argument("--detector", type=Path, default=None)
    parser.add_argument("--embedder", type=Path, default=None, help="recogniser model")
    parser.add_argument("--detector-bays", type=int, default=30)
    parser.add_argument("--size", default="1280x960")
    args = parser.parse_args(argv)
    part_a(args.bays, args.edits, args.shelves, args.facings)
    if args.detector is not None:
        w, h = (int(v) for v in args.size.lower().split("x"))
        part_b(args.detector_bays, args.detector, (w, h), args.embedder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
