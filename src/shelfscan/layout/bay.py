"""A bay from 2-6 overlapping shots taken left to right: one set of facings, one layout.

Each shot's detections are mapped into the first shot's frame through the registration
(``imaging.stitch``). Where two shots overlap, the same product appears twice; a box of
a later shot that mostly covers (or is covered by) a box already kept, of the same class,
is the same facing and is merged (the less truncated copy wins). The pipeline computes
KPIs on the merged bay. Pure logic: registration results and detections in, ``BayResult`` out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from shelfscan.detection.tiling import cut_by_edges
from shelfscan.imaging.stitch import map_boxes
from shelfscan.layout.build import build_layout
from shelfscan.types import Detections, KpiReport, ShelfLayout

Matrix = npt.NDArray[np.float64]

SAME_FACING = 0.5  # intersection / smaller box area above which two boxes are one facing


@dataclass(frozen=True)
class BayResult:
    """The merged bay: detections in the first shot's frame, layout and KPIs (here only
    ``bay_photos``; the pipeline adds the shelf KPIs of the merged layout)."""

    detections: Detections  # data column ``shot``: index of the shot each box came from
    layout: ShelfLayout
    kpis: KpiReport
    method: str  # "features", "translation", "mixed" or "none"
    offsets_x: list[float]  # left edge of each shot in the bay frame
    overlaps: list[float]  # share of the previous shot each shot overlaps (0 for the first)
    kept_per_photo: list[int]
    double_counted: int = 0  # boxes merged away as duplicates from overlaps
    warnings: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0

    @property
    def facings(self) -> int:
        return self.layout.facings


def inter_over_min(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """(N, 4) x (M, 4) -> (N, M) intersection area / smaller box area; empty-safe."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    smaller = np.minimum(area_a[:, None], area_b[None, :])
    return np.asarray(inter / np.maximum(smaller, 1e-9), np.float64)


def _edge_margin(xyxy: npt.NDArray[np.float64], width: float) -> npt.NDArray[np.float64]:
    """Distance of each box from its own shot's left/right border (truncation proxy)."""
    return np.minimum(xyxy[:, 0], width - xyxy[:, 2])


def place_shots(sizes: list[tuple[int, int]], pairs: list[Matrix | None]) -> list[Matrix]:
    """Chain pairwise (shot i+1 -> shot i) homographies into shot -> bay frame transforms.

    A missing pair (shots that do not overlap) puts the next shot right after everything
    placed so far, edge to edge.
    """
    out: list[Matrix] = [np.eye(3)]
    right = float(sizes[0][0])
    for i, pair in enumerate(pairs):
        if pair is None:
            m = np.array([[1, 0, right], [0, 1, 0], [0, 0, 1]], np.float64)
        else:
            m = out[-1] @ pair
            m = m / m[2, 2]
        out.append(m)
        w, h = sizes[i + 1]
        right = max(right, float(map_boxes(np.array([[0.0, 0.0, w, h]]), m)[0, 2]))
    return out


def _seen_whole_by_neighbour(
    dets: Detections,
    i: int,
    sizes: list[tuple[int, int]],
    to_bay: list[Matrix],
    registered: list[bool],
) -> npt.NDArray[np.bool_]:
    """(N,) mask of shot ``i``'s boxes cut by a border it shares with a registered
    neighbour whose frame holds the visible part: the neighbour sees that facing whole (or
    at least less cut), so this sliver only risks a second count."""
    w, _ = sizes[i]
    has_left = i > 0 and registered[i]
    has_right = i + 1 < len(sizes) and registered[i + 1]
    if len(dets) == 0 or not (has_left or has_right):
        return np.zeros(len(dets), bool)
    xyxy = dets.xyxy.astype(np.float64)
    mapped = map_boxes(xyxy, to_bay[i])
    out = np.zeros(len(dets), bool)
    for side, nb in (("left", i - 1), ("right", i + 1)):
        if not (has_left if side == "left" else has_right):
            continue
        nw, nh = sizes[nb]
        frame = map_boxes(np.array([[0.0, 0.0, nw, nh]]), to_bay[nb])[0]
        if side == "left":
            cut = cut_by_edges(xyxy, left=0.0) & (mapped[:, 2] <= frame[2])
        else:
            cut = cut_by_edges(xyxy, right=float(w)) & (mapped[:, 0] >= frame[0])
        out |= cut
    return out


def merge_shots(
    shots: list[Detections],
    sizes: list[tuple[int, int]],
    to_bay: list[Matrix],
    registered: list[bool] | None = None,
) -> tuple[Detections, int, list[int]]:
    """Merge shots' detections into the bay frame; returns (merged, duplicates, kept per shot).

    ``to_bay[i]`` maps shot ``i`` into the bay frame. A shot not ``registered`` to its
    left neighbour is taken whole, with no overlap merging. Boxes cut by a border that a
    registered neighbour sees past are dropped first (counted as duplicates), as tiles do
    (``detection.tiling``): a detector's partial box of a facing cut by the border can be
    too small to cover half of the neighbour's whole box, and would be counted twice.
    """
    registered = registered or [True] * len(shots)
    kept: list[Detections] = []
    kept_boxes = np.zeros((0, 4))
    kept_class = np.zeros(0, np.int64)
    kept_margin = np.zeros(0)
    kept_shot = np.zeros(0, np.int64)
    duplicates = 0
    for i, (dets, (w, _)) in enumerate(zip(shots, sizes, strict=True)):
        cut = _seen_whole_by_neighbour(dets, i, sizes, to_bay, registered)
        dets = dets[~cut]
        duplicates += int(cut.sum())
        hm = to_bay[i]
        boxes = map_boxes(dets.xyxy.astype(np.float64), hm)
        margin = _edge_margin(dets.xyxy.astype(np.float64), float(w))
        new = np.ones(len(dets), bool)
        cover = inter_over_min(boxes, kept_boxes)
        for j in np.argsort(-margin) if registered[i] else []:
            same = (cover[j] > SAME_FACING) & (kept_class == dets.class_id[j])
            if not same.any():
                continue
            k = int(np.argmax(np.where(same, cover[j], -1)))
            new[j] = False
            duplicates += 1
            cover[:, k] = 0  # one partner per kept box
            if margin[j] > kept_margin[k]:  # this copy is less truncated: it wins
                kept_boxes[k], kept_margin[k], kept_shot[k] = boxes[j], margin[j], i
        kept_boxes = np.concatenate([kept_boxes, boxes[new]])
        kept_class = np.concatenate([kept_class, dets.class_id[new]])
        kept_margin = np.concatenate([kept_margin, margin[new]])
        kept_shot = np.concatenate([kept_shot, np.full(int(new.sum()), i)])
        kept.append(dets[new])
    merged = Detections.merge(kept) if kept else Detections.empty()
    if len(merged):
        merged = merged.with_boxes(kept_boxes).with_data(shot=kept_shot)
    per_shot = [int((kept_shot == i).sum()) for i in range(len(shots))]
    return merged, duplicates, per_shot


def build_bay(
    shots: list[Detections],
    sizes: list[tuple[int, int]],
    pairs: list[Matrix | None],
    method: str = "features",
    min_gap_facings: float = 0.8,
) -> BayResult:
    """Merge shots (left to right) into one bay and compute its layout and KPIs.

    ``pairs[i]`` maps shot ``i + 1`` into shot ``i`` (None: they do not overlap).
    """
    t0 = time.perf_counter()
    if not shots or len(pairs) != len(shots) - 1:
        raise ValueError(f"need N >= 1 shots and N - 1 pairs, got {len(shots)} and {len(pairs)}")
    warnings = [
        f"photo {i + 2} does not overlap photo {i + 1}: placed after it, counted whole"
        for i, h in enumerate(pairs)
        if h is None
    ]
    to_bay = place_shots(sizes, pairs)
    registered = [True] + [h is not None for h in pairs]
    merged, duplicates, per_shot = merge_shots(shots, sizes, to_bay, registered)
    frames = np.concatenate(
        [
            map_boxes(np.array([[0.0, 0.0, w, h]]), m)
            for (w, h), m in zip(sizes, to_bay, strict=True)
        ]
    )
    lefts = [float(v) for v in frames[:, 0]]
    overlaps = [0.0] + [
        float(np.clip((frames[i - 1, 2] - frames[i, 0]) / sizes[i][0], 0, 1))
        if registered[i]
        else 0.0
        for i in range(1, len(shots))
    ]
    x0, y0 = float(min(frames[:, 0].min(), 0.0)), float(min(frames[:, 1].min(), 0.0))
    if len(merged) and (x0 < 0 or y0 < 0):
        merged = merged.with_boxes(merged.xyxy - [x0, y0, x0, y0])
    size = (int(np.ceil(frames[:, 2].max() - x0)), int(np.ceil(frames[:, 3].max() - y0)))
    merged, layout = build_layout(merged, size, min_gap_facings, side_bays=False)
    return BayResult(
        merged,
        layout,
        KpiReport({"bay_photos": float(len(shots))}),
        method,
        lefts,
        overlaps,
        per_shot,
        duplicates,
        warnings,
        (time.perf_counter() - t0) * 1000,
    )


def bay_to_shots(sizes: list[tuple[int, int]], pairs: list[Matrix | None]) -> list[Matrix]:
    """Per shot, the transform from ``build_bay``'s bay frame back into that shot's pixels
    (to draw a bay-frame box, such as a planogram slot, on the photo it came from)."""
    to_bay = place_shots(sizes, pairs)
    frames = np.concatenate(
        [
            map_boxes(np.array([[0.0, 0.0, w, h]]), m)
            for (w, h), m in zip(sizes, to_bay, strict=True)
        ]
    )
    x0, y0 = float(min(frames[:, 0].min(), 0.0)), float(min(frames[:, 1].min(), 0.0))
    unshift = np.array([[1, 0, x0], [0, 1, y0], [0, 0, 1]], np.float64)
    return [np.linalg.inv(m) @ unshift for m in to_bay]
