"""Price-tag reading on the hand-read dev tags of three real photos (shared set).

For each dev tag of ``price_tags_dev.csv`` (78 tags on train_2944, 2970, 2948): is it
found by the shipped detector (a ``price_tag`` box at IoU >= 0.3), and is the main price
read from that box exactly right, wrong, or ``unreadable``? Also times the OCR of 40 tag
boxes of one 12 MP photo (median of ``--repeat`` runs, wall and process CPU time) and the
whole pipeline (detect + layout + pricing) on the same photo.

    python scripts/eval_prices.py [--threads 2] [--repeat 5] [--show]

The photos are evaluation only: nothing here is tuned per tag.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from shelfscan.config import Settings
from shelfscan.detection import Detector
from shelfscan.imaging import load_image
from shelfscan.layout import build_layout
from shelfscan.pricing.ocr import OcrSettings, TagOcr
from shelfscan.pricing.parse import distrust_lost_marks, parse_tag
from shelfscan.pricing.stage import PricingStage
from shelfscan.types import CLASS_PRICE_TAG

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "sku110k_shelf_rows"


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) IoU of boxes ``a`` (N, 4) against ``b`` (M, 4)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return np.asarray(inter / (area_a[:, None] + area_b[None, :] - inter))


def _cpu_wall(fn: object, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def synthetic_tags(ocr: TagOcr, seeds: range) -> None:
    """Main price of each price tag of synthetic scenes (2400x1800, 30% sale / multi-buy
    / promo tags, camera effects), read from its true box: right, wrong or unreadable. A
    scene whose camera cut tags off (fewer boxes than planned tags) is skipped."""
    from shelfscan.datasets.synthetic.hard import Realism
    from shelfscan.datasets.synthetic.render import generate_scene
    from shelfscan.datasets.synthetic.scene import SceneConfig

    cfg = SceneConfig(realism=Realism(sale_tags=0.3), pegboard_prob=0.0)
    n = right = wrong = scenes = 0
    for seed in seeds:
        scene = generate_scene(seed, cfg, size=(2400, 1800))
        boxes = scene.detections.xyxy[scene.detections.class_id == CLASS_PRICE_TAG]
        truth = [float(t.price.split("/")[-1]) for t in scene.spec.price_tags]
        if len(boxes) != len(truth):
            continue
        scenes += 1
        parsed = distrust_lost_marks([parse_tag(ln) for ln in ocr.read(scene.image, boxes)])
        for p, want in zip(parsed, truth, strict=True):
            n += 1
            if p.status == "read" and p.price is not None:
                ok = abs(p.price - want) < 0.005
                right, wrong = right + ok, wrong + (not ok)
    print(f"synthetic scenes, seeds {seeds.start}..{seeds.stop - 1}: {scenes} scenes, {n} tags")
    print(
        f"  main price right {right}/{n} = {right / max(n, 1):.1%}, wrong {wrong}"
        f" = {wrong / max(n, 1):.1%}, unreadable {n - right - wrong}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--tag-height", type=int, default=OcrSettings.tag_height)
    ap.add_argument("--pad", type=float, default=OcrSettings.pad)
    ap.add_argument("--max-lines", type=int, default=OcrSettings.max_lines)
    ap.add_argument(
        "--line-finder", default=OcrSettings.line_finder, choices=("components", "detector")
    )
    ap.add_argument("--rec-model", default=OcrSettings.rec_model, help="recogniser file")
    ap.add_argument(
        "--synthetic",
        default="",
        metavar="A:B",
        help="also read the tags of synthetic scenes of seeds A..B-1 (true boxes)",
    )
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--show", action="store_true", help="print every dev tag's reading")
    args = ap.parse_args()
    ocr = TagOcr(
        OcrSettings(
            threads=args.threads,
            tag_height=args.tag_height,
            pad=args.pad,
            max_lines=args.max_lines,
            line_finder=args.line_finder,
            rec_model=args.rec_model,
        )
    )
    if args.synthetic:
        first, last = (int(x) for x in args.synthetic.split(":"))
        synthetic_tags(ocr, range(first, last))
    truth_file = REAL / "price_tags_dev.csv"
    if not truth_file.is_file():
        print(f"skipped: {truth_file} not found (shared real photos absent)")
        return 0
    truth: dict[str, list[dict[str, str]]] = defaultdict(list)
    with truth_file.open(newline="") as fh:
        for row in csv.DictReader(fh):
            truth[row["image"]].append(row)
    s = Settings()
    detector = Detector.from_path(
        s.detector_path, threads=args.threads, score_threshold=s.score_threshold,
        iou_threshold=s.iou_threshold, tiles=s.tile_grid,
    )  # fmt: skip
    tally = {"tags": 0, "found": 0, "right": 0, "wrong": 0, "unreadable": 0}
    timing_photo = None
    boxes_all = read_all = 0
    for name, rows in truth.items():
        image, _ = load_image(REAL / "images" / f"{name}.jpg")
        dets = detector(image)
        tags = dets.of_class(CLASS_PRICE_TAG)
        if timing_photo is None or len(tags) > len(timing_photo[1]):
            timing_photo = (image, tags.xyxy, name, dets)
        gt = np.array([[float(r[k]) for k in ("x1", "y1", "x2", "y2")] for r in rows])
        iou = iou_matrix(gt, tags.xyxy)
        lines = ocr.read(image, tags.xyxy)
        parsed = distrust_lost_marks([parse_tag(ln) for ln in lines])
        boxes_all += len(parsed)
        read_all += sum(p.status == "read" for p in parsed)
        for g, row in enumerate(rows):
            tally["tags"] += 1
            j = int(iou[g].argmax()) if iou.shape[1] else -1
            if j < 0 or iou[g, j] < 0.3:
                verdict = "not found"
            else:
                tally["found"] += 1
                p = parsed[j]
                if p.status != "read" or p.price is None:
                    verdict = "unreadable"
                elif abs(p.price - float(row["price"])) < 0.005:
                    verdict = "right"
                else:
                    verdict = "wrong"
                tally[verdict] += 1
            if args.show:
                read = (
                    [(ln.text, round(ln.score, 2), round(ln.height)) for ln in lines[j]]
                    if j >= 0
                    else []
                )
                print(f"{name} {row['price']:>6} {verdict:<10} {read}")
    t, f = tally["tags"], max(tally["found"], 1)
    print(f"real photos (shared set), 3 images, {t} hand-read dev tags")
    print(
        f"  found by the detector (IoU >= 0.3): {tally['found']}/{t} = {tally['found'] / t:.1%}  (bar >= 85%)"
    )
    print(
        f"  main price exactly right: {tally['right']}/{tally['found']} found = {tally['right'] / f:.1%}  (bar >= 90%)"
    )
    print(f"  wrong price: {tally['wrong']}/{t} tags = {tally['wrong'] / t:.1%}  (bar <= 3%)")
    print(f"  unreadable: {tally['unreadable']}/{tally['found']} found")
    print(
        f"  all detected price_tag boxes on these photos: {boxes_all}, a price read on {read_all}"
    )
    if timing_photo is not None and not args.no_timing:
        image, boxes, name, dets = timing_photo
        forty = boxes[:40]
        ocr.read(image, forty)  # warm-up
        wall, cpu = _cpu_wall(lambda: ocr.read(image, forty), args.repeat)
        print(
            f"  OCR of {len(forty)} tags of {name} ({image.shape[1]}x{image.shape[0]}), "
            f"{args.threads} threads: median {wall:.0f} ms wall, {cpu:.0f} ms CPU  (bar <= 250 ms)"
        )
        stage = PricingStage(ocr)

        def whole() -> None:
            d = detector(image)
            d, layout = build_layout(d, (image.shape[1], image.shape[0]))
            stage(image, d, layout)

        wall, cpu = _cpu_wall(whole, args.repeat)
        print(
            f"  detect + layout + pricing of {name}: median {wall:.0f} ms wall, {cpu:.0f} ms CPU"
            f"  (bar <= 1000 ms; {len(boxes)} tags)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
