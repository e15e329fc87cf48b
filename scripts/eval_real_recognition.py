"""Recognition on the real tobacco photo (shared set, evaluation only): one reference per SKU.

Mirrors ``../shared/tools/real_scorecard.py`` (``catalog add`` of each ``ref`` crop, then
``shelfscan scan``) and adds the brand figure and the embedder-alone figure on the true
boxes. The labels are only measured against: nothing here tunes anything.

    python scripts/eval_real_recognition.py [--no-verify] [--json out.json]

Skips with a message where ``../shared/data/real/tobacco_shelves`` is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

TOBACCO = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "tobacco_shelves"
)
PHOTO = "C1_P02_N3_S3_1.JPG"


def read_labels(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def iou(a: list[float], b: list[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def box(r: dict[str, str]) -> list[float]:
    return [float(r[k]) for k in ("x1", "y1", "x2", "y2")]


def run(cmd: list[str], env: dict[str, str]) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {p.stderr.strip()[-500:]}")
    return p.stdout


def build_catalog(work: Path, rows: list[dict[str, str]], env: dict[str, str]) -> Path:
    db = work / "recog.db"
    image = cv2.imread(str(TOBACCO / PHOTO))
    for r in rows:
        if r["role"] != "ref":
            continue
        x1, y1, x2, y2 = (int(v) for v in box(r))
        crop = work / f"ref_{r['sku']}.jpg"
        cv2.imwrite(str(crop), image[y1:y2, x1:x2], [cv2.IMWRITE_JPEG_QUALITY, 92])
        cmd = ["shelfscan", "catalog", "add", r["sku"], str(crop), "--brand", r["brand"]]
        run([*cmd, "--db", str(db)], env)
    return db


def score(
    rows: list[dict[str, str]],
    pred: list[tuple[list[float], str | None, str | None]],
    show: bool = False,
) -> dict[str, int]:
    refs = {r["sku"] for r in rows if r["role"] == "ref"}
    out = {
        "known": 0,
        "known_right": 0,
        "brand_right": 0,
        "unseen": 0,
        "unseen_ok": 0,
        "unseen_brand_right": 0,
    }
    for r in rows:
        best = max(pred, key=lambda d: iou(d[0], box(r)), default=None)
        sku, brand = (
            (best[1], best[2]) if best is not None and iou(best[0], box(r)) >= 0.5 else (None, None)
        )
        if show and r["role"] != "ref":
            print(f"  {r['role']:6s} {r['sku']:13s} -> {sku} ({brand})")
        if r["role"] == "test":
            out["known"] += 1
            out["known_right"] += sku == r["sku"]
            out["brand_right"] += brand == r["brand"]
        elif r["role"] == "unseen":
            out["unseen"] += 1
            out["unseen_ok"] += sku not in refs
            out["unseen_brand_right"] += brand == r["brand"]
    return out


def pipeline_predictions(
    db: Path, env: dict[str, str]
) -> list[tuple[list[float], str | None, str | None]]:
    run(["shelfscan", "scan", str(TOBACCO / PHOTO), "--json", "--db", str(db)], env)
    con = sqlite3.connect(db)
    q = (
        "select d.x1, d.y1, d.x2, d.y2, d.sku, d.brand from detections d join photos p on p.id = d.photo_id "
        "where d.class_name = 'product'"
    )
    return [([x1, y1, x2, y2], sku, brand) for x1, y1, x2, y2, sku, brand in con.execute(q)]


def true_box_predictions(db: Path, rows: list[dict[str, str]], verify: bool):
    """The recognizer alone on the true boxes (no detector, no shelf rows)."""
    from shelfscan import catalog as lib
    from shelfscan.imaging import load_image
    from shelfscan.recognition.settings import load_recognition_settings
    from shelfscan.store import open_db
    from shelfscan.types import Detections, ShelfLayout

    settings = load_recognition_settings(verify=verify)
    rec = lib.recognizer_for(open_db(db), settings)
    assert rec is not None
    image, _ = load_image(TOBACCO / PHOTO)
    xyxy = np.array([box(r) for r in rows], np.float32)
    dets = Detections(xyxy, np.ones(len(rows), np.float32), np.zeros(len(rows), np.int64))
    no_rows = ShelfLayout(rows=(), gaps=(), image_size=(image.shape[1], image.shape[0]))
    out = rec(image, dets, no_rows)  # no shelf rows: no shelf context either
    return [(box(r), out.data["sku"][i], out.data["brand"][i]) for i, r in enumerate(rows)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-verify", action="store_true", help="whole-crop embedding only")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--show", action="store_true", help="print each facing's answer")
    args = ap.parse_args()
    labels = TOBACCO / "sku_labels.csv"
    if not labels.exists():
        print(f"skipped: {labels} not found (the shared real set is not here)")
        return
    rows = read_labels(labels)
    env = dict(os.environ)
    if args.no_verify:
        env["SHELFSCAN_RECOGNITION_VERIFY"] = "false"
    with tempfile.TemporaryDirectory(prefix="eval-real-") as tmp:
        db = build_catalog(Path(tmp), rows, env)
        report = {
            "pipeline": score(rows, pipeline_predictions(db, env), args.show),
            "true_boxes": score(
                rows, true_box_predictions(db, rows, not args.no_verify), args.show
            ),
        }
    for k, r in report.items():
        print(
            f"{k:10s} known {r['known_right']}/{r['known']}, brand {r['brand_right']}/{r['known']}, "
            f"unseen not called another SKU {r['unseen_ok']}/{r['unseen']} "
            f"(brand right {r['unseen_brand_right']}/{r['unseen']})"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(main())
