"""How recognition on the real tobacco photo climbs as the rep labels the first k mistakes.

Shared real set, evaluation only. Start: the catalog holds one reference crop per SKU
(the ``ref`` rows of ``sku_labels.csv``, added as ``real_scorecard.py`` does). Each round
scans the photo into a new visit, lists the mistakes in reading order (a ``test`` facing
not given its SKU, an ``unseen`` facing given another SKU), and the rep labels the first
one: ``shelfscan.catalog.label_facing`` makes that stored facing a reference of its true
SKU (an unseen SKU is created with its brand). Reported per k: the ``test`` facings right
(all 14, and those not labelled yet, which cannot just match themselves), brand right,
and unseen facings not called another SKU (among the unseen SKUs still uncatalogued).

    python scripts/eval_review_loop.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_real_recognition import PHOTO, TOBACCO, box, iou, read_labels
from shelfscan import catalog as lib
from shelfscan.recognition.embedder import Embedder
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.settings import load_recognition_settings
from shelfscan.store import open_db


def scan(db: Path, visit: str) -> list[tuple[int, list[float], str | None, str | None]]:
    import subprocess

    cmd = ["shelfscan", "scan", str(TOBACCO / PHOTO), "--visit", visit, "--db", str(db), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit(f"scan failed: {p.stderr.strip()[-400:]}")
    con = sqlite3.connect(db)
    q = (
        "SELECT d.id, d.x1, d.y1, d.x2, d.y2, d.sku, d.brand FROM detections d"
        " JOIN photos p ON p.id = d.photo_id WHERE p.visit_id = ? AND d.class_name = 'product'"
    )
    return [(i, [a, b, c, d], s, br) for i, a, b, c, d, s, br in con.execute(q, [visit])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="mistakes to label (k = 1..rounds)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    labels = TOBACCO / "sku_labels.csv"
    if not labels.exists():
        print(f"skipped: {labels} not found (the shared real set is not here)")
        return
    rows = read_labels(labels)
    settings = load_recognition_settings()
    embedder = Embedder.from_path(settings.embedder_path, settings.threads)
    history = []
    with tempfile.TemporaryDirectory(prefix="review-loop-") as tmp:
        db = Path(tmp) / "loop.db"
        database = open_db(db)
        refs = [r for r in rows if r["role"] == "ref"]
        photo = TOBACCO / PHOTO
        for r in refs:  # one box per SKU, cut from the photo (CLI: catalog add --from-photo)
            lib.add_sku(
                database,
                embedder,
                SkuInfo(r["sku"], brand=r["brand"]),
                boxes=[(photo, tuple(box(r)))],
            )
        labelled: set[int] = set()  # rows (indices) labelled so far
        catalogued = {r["sku"] for r in refs}
        for k in range(args.rounds + 1):
            pred = scan(db, f"round-{k}")
            answers = []
            for j, r in enumerate(rows):
                best = max(pred, key=lambda d: iou(d[1], box(r)), default=None)
                hit = best is not None and iou(best[1], box(r)) >= 0.5
                answers.append((j, r, best if hit else None))
            test = [(j, r, d) for j, r, d in answers if r["role"] == "test"]
            unseen = [(j, r, d) for j, r, d in answers if r["role"] == "unseen"]
            right = [j for j, r, d in test if d is not None and d[2] == r["sku"]]
            fresh = [j for j, _, _ in test if j not in labelled]
            still_unseen = [(j, r, d) for j, r, d in unseen if r["sku"] not in catalogued]
            rec = {
                "k": k,
                "known_right": len(right),
                "known": len(test),
                "known_right_not_labelled": len([j for j in right if j not in labelled]),
                "known_not_labelled": len(fresh),
                "brand_right": sum(1 for _, r, d in test if d is not None and d[3] == r["brand"]),
                "unseen_ok": sum(
                    1 for _, r, d in still_unseen if d is None or d[2] not in catalogued
                ),
                "unseen_left": len(still_unseen),
            }
            history.append(rec)
            print(
                f"k={k}: known {rec['known_right']}/{rec['known']} "
                f"(not yet labelled {rec['known_right_not_labelled']}/{rec['known_not_labelled']}), "
                f"brand {rec['brand_right']}/{rec['known']}, unseen not called another SKU "
                f"{rec['unseen_ok']}/{rec['unseen_left']}"
            )
            if k == args.rounds:
                break
            mistakes = [
                (j, r, d)
                for j, r, d in answers
                if d is not None
                and j not in labelled
                and (
                    (r["role"] == "test" and d[2] != r["sku"])
                    or (r["role"] == "unseen" and r["sku"] not in catalogued and d[2] in catalogued)
                )
            ]
            if not mistakes:
                print("no mistakes left to label")
                break
            j, r, d = mistakes[0]
            info = None if r["sku"] in catalogued else SkuInfo(r["sku"], brand=r["brand"])
            lib.label_facing(database, embedder, d[0], r["sku"], info)
            labelled.add(j)
            catalogued.add(r["sku"])
            print(f"  rep labels facing {d[0]} ({r['role']}, said {d[2]}) as {r['sku']}")

    if args.json:
        args.json.write_text(json.dumps(history, indent=2))


if __name__ == "__main__":
    sys.exit(main())
