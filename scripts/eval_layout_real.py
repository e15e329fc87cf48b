"""Measure layout rules on the shared real photos: rows, counts per row and empty share.

    python scripts/eval_layout_real.py                                  # the shipped rules
    python scripts/eval_layout_real.py --rules spanning,tall,label --rules spanning,tall,label,nested
    python scripts/eval_layout_real.py --cache /tmp/dets --per-row      # reuse detections

The detector runs once per photo (``--cache`` keeps its boxes for the next run); each
``--rules`` set of clean-up rules is then laid out with the photo, so a rule is measured
over all photos of the set in seconds. Figures follow ``../shared/tools/real_scorecard.py``
(which stays the reference, run through the CLI): a found row matches a labelled row at
vertical IoU >= 0.5, a found row matching none is spurious; a labelled row's count is the
product boxes centred in it, within 15% of the hand count; empty share against the hand
counts. Real photos are for evaluation only; without the folder the script exits 0.
"""

from __future__ import annotations

import argparse
import csv
import statistics
from pathlib import Path
from typing import Any

import numpy as np

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def _vertical_iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def _labels(path: Path, width: int, height: int) -> list[tuple[float, float]]:
    out = []
    for line in path.read_text().splitlines():
        if line.strip():
            _, _, cy, _, h = map(float, line.split())
            out.append(((cy - h / 2) * height, (cy + h / 2) * height))
    return out


def _detections(folder: Path, cache: Path | None) -> dict[str, Any]:
    from shelfscan.config import Settings
    from shelfscan.imaging.load import load_photo
    from shelfscan.pipeline import PipelineSpec
    from shelfscan.types import Detections

    pipeline = None
    out: dict[str, Any] = {}
    for path in sorted(folder.glob("*.jpg")):
        f = cache / f"{path.stem}.npz" if cache else None
        if f is not None and f.exists():
            c = np.load(f)
            dets = Detections(c["xyxy"], c["conf"], c["cls"])
            out[path.stem] = (dets, (int(c["size"][0]), int(c["size"][1])), c["image"])
            continue
        pipeline = pipeline or PipelineSpec(Settings()).build()
        loaded = load_photo(path, pipeline.working_long_side)
        dets = pipeline.detector(loaded.working)
        dets = dets.with_boxes(dets.xyxy / np.float32(loaded.scale))
        size = (loaded.info.width, loaded.info.height)
        if f is not None:
            f.parent.mkdir(parents=True, exist_ok=True)
            np.savez(
                f,
                xyxy=dets.xyxy,
                conf=dets.confidence,
                cls=dets.class_id,
                size=np.asarray(size),
                image=loaded.working,
            )
        out[path.stem] = (dets, size, loaded.working)
    return out


def measure(real: Path, found: dict[str, Any], rules: tuple[str, ...], per_row: bool) -> None:
    from shelfscan.kpi import shelf_kpis
    from shelfscan.layout import build_layout
    from shelfscan.types import CLASS_PRODUCT

    root = real / "sku110k_shelf_rows"
    labelled = matched = rows_found = spurious = 0
    laid: dict[str, Any] = {}
    for name, (dets, size, image) in found.items():
        cleaned, layout = build_layout(dets, size, image=image, rules=rules)
        laid[name] = (cleaned, layout, shelf_kpis(cleaned, layout))
        truth = _labels(root / "labels" / f"{name}.txt", *size)
        got = [(r.y_top, r.y_bottom) for r in layout.rows]
        labelled += len(truth)
        rows_found += len(got)
        matched += sum(any(_vertical_iou(t, g) >= 0.5 for g in got) for t in truth)
        spurious += sum(not any(_vertical_iou(t, g) >= 0.5 for t in truth) for g in got)
    within = n = 0
    total_found = total_true = 0.0
    shares: dict[str, list[float]] = {}
    with open(root / "row_truth.csv", newline="") as fh:
        hand = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    for t in hand:
        cleaned, layout, kpis = laid[t["image"]]
        w, h = layout.image_size
        p = cleaned.xyxy[cleaned.class_id == CLASS_PRODUCT]
        cx, cy = (p[:, 0] + p[:, 2]) / 2, (p[:, 1] + p[:, 3]) / 2
        bx, by, bw, bh = (float(t[k]) for k in ("cx", "cy", "w", "h"))
        x1, x2, y1, y2 = (bx - bw / 2) * w, (bx + bw / 2) * w, (by - bh / 2) * h, (by + bh / 2) * h
        got_n = int(((cx >= x1) & (cx <= x2) & (cy >= y1) & (cy <= y2)).sum())
        want = float(t["facings"])
        ok = abs(got_n - want) <= 0.15 * max(want, 1.0)
        within += ok
        n += 1
        total_found += got_n
        total_true += want
        s = shares.setdefault(t["image"], [0.0, 0.0, float(kpis.values["empty_shelf_share"])])
        s[0] += float(t["empty_slots"] or 0)
        s[1] += want
        if per_row:
            print(f"  {t['image']} row {t['row_index']}: {got_n} vs {want:.0f}{'' if ok else ' *'}")
    mae = statistics.mean(abs(f - e / max(e + k, 1.0)) for e, k, f in shares.values())
    print(
        f"rules {','.join(rules) or '(none)'}: rows {matched}/{labelled} matched, "
        f"{spurious}/{rows_found} spurious ({spurious / max(rows_found, 1):.1%}); counts "
        f"{within}/{n} within 15%, total {total_found:.0f} vs {total_true:.0f}; "
        f"empty share MAE {mae:.1%}"
    )


def main(argv: list[str] | None = None) -> int:
    from shelfscan.layout.cleanup import RULES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL, help="the shared real-photo folder")
    parser.add_argument("--rules", action="append", help="comma-separated clean-up rules")
    parser.add_argument("--cache", type=Path, help="keep / reuse the detections here")
    parser.add_argument("--per-row", action="store_true", help="print each hand-counted row")
    args = parser.parse_args(argv)
    folder = args.real / "sku110k_shelf_rows" / "images"
    if not folder.is_dir():
        print(f"{folder}: not found; nothing to measure")
        return 0
    found = _detections(folder, args.cache)
    for spec in args.rules or [",".join(RULES)]:
        measure(args.real, found, tuple(r for r in spec.split(",") if r), args.per_row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
