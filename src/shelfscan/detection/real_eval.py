"""Real-photo evaluation of a detector against hand counts (``shelfscan model eval REAL``).

The shared real photos carry no product boxes except one tobacco photo, so a detector is
judged on what the hand labels do give, the same way for every model:

- **Counts per labelled row** (``row_truth.csv``: one line per shelf row, ``cx cy w h``
  normalised as in YOLO, ``facings`` and ``facings_pm``): the product boxes whose centre lies
  in the row box are the row's facings. A row is *within* when
  ``|found - true| <= 0.15 * max(true, 1)``; the total error is ``(found - true) / true``
  over all rows.
- **Nested boxes**: a product box with at least ``NESTED_INSIDE`` of its area inside a
  larger product box of the same photo (multipacks, bags and bins boxed twice).
- **Oversized boxes**: a product box more than ``OVERSIZE_FACTOR`` times as tall as the
  photo's median product box (boxes spanning shelves, uprights, lights, posters).
- **Box precision / recall** at IoU 0.5 on every ``*/annotations.csv`` set below the folder
  (the tobacco photo), greedy matching in score order.
- **Price tags** (``price_tags_dev.csv``: hand-read shelf-edge tags): the share of tags
  found as ``price_tag`` (IoU >= 0.3) and the number of tags boxed as a product (a product
  box whose centre is in the tag and whose area is at most twice the tag's).

A spec is the ``row_truth.csv`` file, the folder holding it (its ``images/`` are all
scored for nested and oversized boxes) or a folder above it (every photo below it is).
All figures use the boxes a scan would count: scores of at least the count threshold.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shelfscan.detection.metrics import box_iou
from shelfscan.errors import DatasetError
from shelfscan.types import CLASS_PRICE_TAG, CLASS_PRODUCT, Detections

ROW_TRUTH = "row_truth.csv"
TAG_TRUTH = "price_tags_dev.csv"
ANNOTATIONS = "annotations.csv"
WITHIN = 0.15  # a row count within 15 % of the hand count
NESTED_INSIDE = 0.9  # share of a box's area inside a larger box that makes it nested
OVERSIZE_FACTOR = 2.0  # times the photo's median box height
MATCH_IOU = 0.5
TAG_IOU = 0.3  # tags are small: a looser overlap still means "this tag was found"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")

Boxes = npt.NDArray[np.float32]
Detect = Callable[[npt.NDArray[np.uint8]], Detections]


# -- labels -----------------------------------------------------------------
@dataclass(frozen=True)
class RowTruth:
    """One hand-counted shelf row; ``box`` is normalised ``cx, cy, w, h``."""

    image: str
    row_index: int
    box: tuple[float, float, float, float]
    facings: float
    facings_pm: float

    def pixels(self, width: int, height: int) -> tuple[float, float, float, float]:
        cx, cy, w, h = self.box
        return (
            (cx - w / 2) * width,
            (cy - h / 2) * height,
            (cx + w / 2) * width,
            (cy + h / 2) * height,
        )


def _rows_of(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from exc
    missing = [c for c in required if rows and c not in rows[0]]
    if missing or not rows:
        raise DatasetError(f"{path}: expected columns {', '.join(required)} and at least one row")
    return rows


def read_row_truth(path: Path) -> list[RowTruth]:
    """Hand counts per shelf row; raises ``DatasetError`` on a bad file."""
    out = []
    for i, r in enumerate(_rows_of(path, ("image", "cx", "cy", "w", "h", "facings")), start=2):
        try:
            box = (float(r["cx"]), float(r["cy"]), float(r["w"]), float(r["h"]))
            out.append(
                RowTruth(
                    r["image"],
                    int(r.get("row_index") or 0),
                    box,
                    float(r["facings"]),
                    float(r.get("facings_pm") or 0),
                )
            )
        except ValueError as exc:
            raise DatasetError(f"{path}:{i}: not a number ({exc})") from exc
    return out


def read_tag_truth(path: Path) -> dict[str, Boxes]:
    """Hand-read price tags: image name -> (N, 4) pixel boxes."""
    tags: dict[str, list[list[float]]] = {}
    for i, r in enumerate(_rows_of(path, ("image", "x1", "y1", "x2", "y2")), start=2):
        try:
            tags.setdefault(r["image"], []).append([float(r[k]) for k in ("x1", "y1", "x2", "y2")])
        except ValueError as exc:
            raise DatasetError(f"{path}:{i}: not a number ({exc})") from exc
    return {k: np.array(v, np.float32).reshape(-1, 4) for k, v in tags.items()}


# -- pure scoring -------------------------------------------------------------
def count_in_box(xyxy: Boxes, box: tuple[float, float, float, float]) -> int:
    """Number of boxes whose centre lies in ``box`` (pixels, edges included)."""
    if len(xyxy) == 0:
        return 0
    cx = (xyxy[:, 0] + xyxy[:, 2]) / 2
    cy = (xyxy[:, 1] + xyxy[:, 3]) / 2
    x1, y1, x2, y2 = box
    return int(((cx >= x1) & (cx <= x2) & (cy >= y1) & (cy <= y2)).sum())


def nested_mask(xyxy: Boxes, inside: float = NESTED_INSIDE) -> npt.NDArray[np.bool_]:
    """True for each box with at least ``inside`` of its area inside a strictly larger box."""
    n = len(xyxy)
    if n < 2:
        return np.zeros(n, bool)
    b = xyxy.astype(np.float64)
    area = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    lt = np.maximum(b[:, None, :2], b[None, :, :2])
    rb = np.minimum(b[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)  # (i, j)
    larger = area[None, :] > area[:, None]
    covered = inter >= inside * np.maximum(area[:, None], 1e-9)
    return np.asarray((larger & covered).any(axis=1))


def oversize_mask(xyxy: Boxes, factor: float = OVERSIZE_FACTOR) -> npt.NDArray[np.bool_]:
    """True for each box taller than ``factor`` times the median box height."""
    if len(xyxy) == 0:
        return np.zeros(0, bool)
    h = xyxy[:, 3] - xyxy[:, 1]
    return np.asarray(h > factor * float(np.median(h)))


def matched(pred: Boxes, scores: npt.NDArray[np.float32], gt: Boxes, iou: float) -> int:
    """True positives: each prediction, best score first, takes the unmatched truth box it
    overlaps most when that overlap is at least ``iou``."""
    if len(pred) == 0 or len(gt) == 0:
        return 0
    ious = box_iou(pred[np.argsort(-scores, kind="stable")], gt)
    taken = np.zeros(len(gt), bool)
    for row in ious:
        cand = np.where(taken, -1.0, row)
        j = int(np.argmax(cand))
        if cand[j] >= iou:
            taken[j] = True
    return int(taken.sum())


def tags_as_products(products: Boxes, tags: Boxes) -> int:
    """Tags with a product box centred on them that is at most twice the tag's area."""
    if len(products) == 0 or len(tags) == 0:
        return 0
    cx = (products[:, 0] + products[:, 2]) / 2
    cy = (products[:, 1] + products[:, 3]) / 2
    parea = (products[:, 2] - products[:, 0]) * (products[:, 3] - products[:, 1])
    hits = 0
    for x1, y1, x2, y2 in tags:
        on = (cx >= x1) & (cx <= x2) & (cy >= y1) & (cy <= y2)
        hits += bool((on & (parea <= 2 * (x2 - x1) * (y2 - y1))).any())
    return hits


# -- report -------------------------------------------------------------------
@dataclass(frozen=True)
class RowCount:
    image: str
    row_index: int
    found: int
    true: float
    true_pm: float

    @property
    def within(self) -> bool:
        return abs(self.found - self.true) <= WITHIN * max(self.true, 1.0)


@dataclass(frozen=True)
class CountScore:
    rows: tuple[RowCount, ...]

    @property
    def within_share(self) -> float:
        return sum(r.within for r in self.rows) / len(self.rows) if self.rows else float("nan")

    @property
    def total_found(self) -> int:
        return sum(r.found for r in self.rows)

    @property
    def total_true(self) -> float:
        return sum(r.true for r in self.rows)

    @property
    def total_error(self) -> float:
        """Signed relative error of the summed count (0.05 = 5 % too many)."""
        t = self.total_true
        return (self.total_found - t) / t if t else float("nan")


@dataclass(frozen=True)
class BoxScore:
    """Precision / recall at IoU 0.5 on one box-annotated set."""

    name: str
    images: int
    boxes: int
    true: int
    tp: int

    @property
    def precision(self) -> float:
        return self.tp / self.boxes if self.boxes else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / self.true if self.true else float("nan")


@dataclass(frozen=True)
class TagScore:
    tags: int
    found: int  # tags matched by a price_tag box at IoU >= TAG_IOU
    as_product: int  # tags boxed as a product

    @property
    def recall(self) -> float:
        return self.found / self.tags if self.tags else float("nan")


@dataclass(frozen=True)
class PhotoFigures:
    path: str
    width: int
    height: int
    products: int
    nested: int
    oversized: int
    ms: float


@dataclass(frozen=True)
class RealReport:
    dataset: str
    photos: tuple[PhotoFigures, ...]
    counts: CountScore | None
    box_sets: tuple[BoxScore, ...]
    tags: TagScore | None
    count_threshold: float
    seconds: float

    @property
    def products(self) -> int:
        return sum(p.products for p in self.photos)

    @property
    def nested_share(self) -> float:
        n = self.products
        return sum(p.nested for p in self.photos) / n if n else float("nan")

    @property
    def oversize_share(self) -> float:
        n = self.products
        return sum(p.oversized for p in self.photos) / n if n else float("nan")

    @property
    def median_ms(self) -> float:
        return float(np.median([p.ms for p in self.photos])) if self.photos else float("nan")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "kind": "real",
            "images": len(self.photos),
            "product_boxes": self.products,
            "nested_share": self.nested_share,
            "oversize_share": self.oversize_share,
            "median_ms": self.median_ms,
            "count_threshold": self.count_threshold,
            "seconds": self.seconds,
            "photos": [vars(p) for p in self.photos],
        }
        if self.counts is not None:
            c = self.counts
            out["counts"] = {
                "rows": len(c.rows),
                "within_15pct": sum(r.within for r in c.rows),
                "within_share": c.within_share,
                "total_found": c.total_found,
                "total_true": c.total_true,
                "total_error": c.total_error,
                "per_row": [{**vars(r), "within": r.within} for r in c.rows],
            }
        out["box_sets"] = [
            {**vars(b), "precision": b.precision, "recall": b.recall} for b in self.box_sets
        ]
        if self.tags is not None:
            out["price_tags"] = {**vars(self.tags), "recall": self.tags.recall}
        return out


# -- the data on disk ---------------------------------------------------------
@dataclass(frozen=True)
class RealSet:
    """Where the labels and photos of a real-photo spec are."""

    row_truth: Path
    photos: tuple[Path, ...]  # every photo scored for nested / oversized boxes
    annotation_sets: tuple[Path, ...]  # annotations.csv files (box truth)
    tag_truth: Path | None


def find_row_truth(path: Path) -> Path | None:
    """The ``row_truth.csv`` a spec names: the file, in the folder, or one level below it."""
    if path.is_file():
        return path if path.name == ROW_TRUTH else None
    if (path / ROW_TRUTH).is_file():
        return path / ROW_TRUTH
    below = sorted(path.glob(f"*/{ROW_TRUTH}")) if path.is_dir() else []
    return below[0] if below else None


def _photos_under(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES
    )


def real_set(path: Path) -> RealSet:
    """Resolve a spec; raises ``DatasetError`` where it holds no ``row_truth.csv``."""
    truth = find_row_truth(path)
    if truth is None:
        raise DatasetError(f"{path}: no {ROW_TRUTH} here or one folder below")
    images = truth.parent / "images"
    if path.is_file():  # just the hand-counted photos
        names = sorted({r.image for r in read_row_truth(truth)})
        photos = [_photo_named(images, n) for n in names]
        sets: list[Path] = []
    elif path.resolve() == truth.parent.resolve():
        photos, sets = _photos_under(images), []
    else:
        photos = _photos_under(path)
        sets = sorted(path.glob(f"*/{ANNOTATIONS}"))
    tags = truth.parent / TAG_TRUTH
    return RealSet(truth, tuple(photos), tuple(sets), tags if tags.is_file() else None)


def _photo_named(folder: Path, stem: str) -> Path:
    for suffix in (".jpg", ".JPG", ".jpeg", ".png"):
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    raise DatasetError(f"{folder}: no photo named {stem}")


def is_real_spec(spec: str) -> bool:
    """Whether ``spec`` names hand-counted real photos (rather than a box dataset)."""
    path = Path(spec)
    return path.exists() and find_row_truth(path) is not None


# -- the run ------------------------------------------------------------------
def _products(dets: Detections, threshold: float) -> tuple[Boxes, npt.NDArray[np.float32]]:
    keep = (dets.class_id == CLASS_PRODUCT) & (dets.confidence >= threshold)
    return dets.xyxy[keep], dets.confidence[keep]


def evaluate_real(
    detect: Detect,
    spec: str,
    count_threshold: float = 0.5,
    on_image: Callable[[str], None] | None = None,
) -> RealReport:
    """Detect on every photo of a real-photo spec and score it against the hand labels."""
    from shelfscan.datasets import load_dataset
    from shelfscan.imaging import load_image

    start = time.perf_counter()
    rs = real_set(Path(spec))
    truth = read_row_truth(rs.row_truth)
    tag_truth = read_tag_truth(rs.tag_truth) if rs.tag_truth else {}
    by_image: dict[str, list[RowTruth]] = {}
    for t in truth:
        by_image.setdefault(t.image, []).append(t)
    counted = {n: _photo_named(rs.row_truth.parent / "images", n) for n in by_image}
    seen: dict[Path, Detections] = {}
    photos: list[PhotoFigures] = []

    def run(path: Path) -> tuple[npt.NDArray[np.uint8], Detections]:
        image, _ = load_image(path)
        t0 = time.perf_counter()
        dets = detect(image)
        ms = (time.perf_counter() - t0) * 1000
        seen[path.resolve()] = dets
        boxes, _ = _products(dets, count_threshold)
        photos.append(
            PhotoFigures(
                str(path),
                image.shape[1],
                image.shape[0],
                len(boxes),
                int(nested_mask(boxes).sum()),
                int(oversize_mask(boxes).sum()),
                ms,
            )
        )
        if on_image is not None:
            on_image(str(path))
        return image, dets

    for path in rs.photos:
        run(path)

    def dets_of(path: Path) -> tuple[tuple[int, int], Detections]:
        key = path.resolve()
        if key not in seen:
            run(path)
        fig = next(p for p in photos if Path(p.path).resolve() == key)
        return (fig.width, fig.height), seen[key]

    rows: list[RowCount] = []
    found_tags = tags_total = as_product = 0
    for name, trs in sorted(by_image.items()):
        (w, h), dets = dets_of(counted[name])
        boxes, _ = _products(dets, count_threshold)
        for t in sorted(trs, key=lambda r: r.row_index):
            rows.append(
                RowCount(
                    name, t.row_index, count_in_box(boxes, t.pixels(w, h)), t.facings, t.facings_pm
                )
            )
    for name, tags in sorted(tag_truth.items()):
        (_, _), dets = dets_of(_photo_named(rs.row_truth.parent / "images", name))
        keep = (dets.class_id == CLASS_PRICE_TAG) & (dets.confidence >= count_threshold)
        tags_total += len(tags)
        found_tags += matched(dets.xyxy[keep], dets.confidence[keep], tags, TAG_IOU)
        as_product += tags_as_products(_products(dets, count_threshold)[0], tags)

    box_sets = []
    for ann in rs.annotation_sets:
        n_img = n_box = n_true = tp = 0
        for item in load_dataset(ann):
            _, dets = dets_of(item.path)
            boxes, scores = _products(dets, count_threshold)
            gt = item.detections.xyxy[item.detections.class_id == CLASS_PRODUCT]
            n_img, n_box, n_true = n_img + 1, n_box + len(boxes), n_true + len(gt)
            tp += matched(boxes, scores, gt, MATCH_IOU)
        box_sets.append(BoxScore(ann.parent.name, n_img, n_box, n_true, tp))

    return RealReport(
        dataset=spec,
        photos=tuple(photos),
        counts=CountScore(tuple(rows)) if rows else None,
        box_sets=tuple(box_sets),
        tags=TagScore(tags_total, found_tags, as_product) if tag_truth else None,
        count_threshold=count_threshold,
        seconds=time.perf_counter() - start,
    )


def summary_lines(report: RealReport) -> Iterable[str]:
    """The report as a few plain lines (what the CLI prints)."""
    yield (
        f"{report.dataset}: {len(report.photos)} photos, {report.products} product boxes "
        f"(score >= {report.count_threshold:g})"
    )
    if report.counts is not None:
        c = report.counts
        yield (
            f"counts   {sum(r.within for r in c.rows)}/{len(c.rows)} labelled rows within 15% "
            f"of the hand count ({c.within_share:.0%}); total {c.total_found} vs "
            f"{c.total_true:.0f} ({c.total_error:+.1%})"
        )
    yield f"nested   {report.nested_share:.1%} of product boxes inside a larger box"
    yield f"oversize {report.oversize_share:.1%} of product boxes over 2x the median height"
    for b in report.box_sets:
        yield (
            f"boxes    {b.name}: {b.boxes} boxes vs {b.true} true, precision "
            f"{b.precision:.2f}, recall {b.recall:.2f} (IoU 0.5)"
        )
    if report.tags is not None:
        t = report.tags
        yield (
            f"tags     {t.found}/{t.tags} hand-read price tags found as price_tag "
            f"({t.recall:.0%}); {t.as_product} boxed as a product"
        )
    yield f"speed    median {report.median_ms:.0f} ms detection per photo"
