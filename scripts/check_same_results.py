"""Do scan, parallel scan, batch (Ray) and capture store the same facings and KPIs?

Runs the real CLI on ``--count`` photos: ``scan --workers 1``, ``scan --workers 2`` and
``batch --workers 2 --merge-db`` into three fresh databases and compares every stored
result row (boxes, classes, rows, SKUs, gaps, KPIs, outbox payloads). Then it writes a
video holding each photo still for ``--hold`` frames at 10 fps (capture needs a view to
hold 0.3 s and 3 frames), runs ``capture`` on it, checks that it kept exactly one frame
of each photo, scans those frames with ``scan --workers 1`` and compares the two the same
way (a video re-encodes the pixels, so capture is compared with scan of the very frames it
kept, not of the original photos).

    python scripts/check_same_results.py ../shared/data/real --count 30
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workers import real_photos

TABLES = {
    "photos": "sha256, width, height, model",
    "detections": "p.sha256, idx, x1, y1, x2, y2, confidence, class_name, row, sku",
    "gaps": "p.sha256, g.row, g.x1, g.y1, g.x2, g.y2, width_facings",
    "kpis": "p.sha256, name, scope, value",
    "outbox": "kind, json_extract(payload, '$.photo_sha256'), json_extract(payload, '$.kpi'),"
    " json_extract(payload, '$.scope'), json_extract(payload, '$.value')",
}
JOINS = {
    "photos": "photos",
    "detections": "detections d JOIN photos p ON p.id = d.photo_id",
    "gaps": "gaps g JOIN photos p ON p.id = g.photo_id",
    "kpis": "kpis k JOIN photos p ON p.id = k.photo_id",
    "outbox": "outbox",
}


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every stored result, keyed by photo SHA-256 (photo ids may differ between runs)."""
    con = sqlite3.connect(db)
    return {t: sorted(con.execute(f"SELECT {c} FROM {JOINS[t]}").fetchall(), key=repr) for t, c in TABLES.items()}  # fmt: skip


def shelfscan(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "shelfscan", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def compare(
    name: str, a: dict[str, list[tuple[object, ...]]], b: dict[str, list[tuple[object, ...]]]
) -> bool:
    same = a == b
    rows = ", ".join(f"{t} {len(a[t])}" for t in TABLES)
    print(f"{name:34s} {'identical' if same else 'DIFFERENT'} ({rows})")
    for t in TABLES:
        if a[t] != b[t]:
            print(f"  {t}: {len(set(a[t]) ^ set(b[t]))} rows differ")
    return same


def video_of(
    paths: list[Path], out: Path, size: tuple[int, int] = (1280, 960), hold: int = 10
) -> Path:
    """Each photo letterboxed to ``size`` and held for ``hold`` frames at 10 fps."""
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, size)
    for path in paths:
        img = cv2.imread(str(path))
        scale = min(size[0] / img.shape[1], size[1] / img.shape[0])
        small = cv2.resize(img, (round(img.shape[1] * scale), round(img.shape[0] * scale)))
        frame = np.zeros((size[1], size[0], 3), np.uint8)
        y, x = (size[1] - small.shape[0]) // 2, (size[0] - small.shape[1]) // 2
        frame[y : y + small.shape[0], x : x + small.shape[1]] = small
        for _ in range(hold):
            writer.write(frame)
    writer.release()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--hold", type=int, default=10, help="video frames per photo")
    args = parser.parse_args(argv)
    paths = [str(p) for p in real_photos(args.root, args.count)]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        common = ["--visit", "V1", "--store", "S1"]
        shelfscan("scan", *paths, "--db", str(t / "one.db"), "--workers", "1", *common)
        shelfscan("scan", *paths, "--db", str(t / "two.db"), "--workers", "2", *common)
        (t / "m.csv").write_text("path\n" + "".join(f"{p}\n" for p in paths))
        shelfscan("batch", str(t / "m.csv"), "--merge-db", str(t / "ray.db"), "--out",
                  str(t / "out"), "--workers", "2", *common)  # fmt: skip
        one = dump(t / "one.db")
        ok &= compare("scan --workers 2 vs --workers 1", dump(t / "two.db"), one)
        ok &= compare("batch (Ray) vs scan", dump(t / "ray.db"), one)
        video = video_of([Path(p) for p in paths], t / "aisle.avi", hold=args.hold)
        shelfscan(
            "capture", str(video), "--db", str(t / "cap.db"), "--out", str(t / "kept"), *common
        )
        kept = sorted(str(p) for p in (t / "kept").glob("*.jpg"))
        frames = [json.loads(Path(k).with_suffix(".json").read_text())["frame_index"] for k in kept]
        photos = sorted(f // args.hold for f in frames)
        one_each = photos == list(range(len(paths)))
        print(f"capture kept {len(kept)} frames from the video of {len(paths)} photos:"
              f" {'one of each photo' if one_each else f'photos {photos}'}")  # fmt: skip
        ok &= one_each
        shelfscan("scan", *kept, "--db", str(t / "kept.db"), "--workers", "1", *common)
        ok &= compare("capture vs scan of its frames", dump(t / "cap.db"), dump(t / "kept.db"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
