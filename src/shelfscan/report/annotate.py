"""Annotated photos: boxes coloured by status, shelf lines and a small legend (OpenCV)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from shelfscan.planogram.result import PlanogramMatch
from shelfscan.types import CLASS_PRODUCT, Detections, ShelfLayout

Image = npt.NDArray[np.uint8]
Bgr = tuple[int, int, int]
Box = tuple[float, float, float, float]

# status -> (BGR colour, legend label)
COLOURS: dict[str, tuple[Bgr, str]] = {
    "ok": ((60, 180, 60), "ok"),
    "wrong_facings": ((0, 200, 255), "wrong facings"),
    "missing": ((50, 50, 230), "missing / gap"),
    "misplaced": ((0, 130, 255), "misplaced"),
    "unexpected": ((200, 60, 200), "not in planogram"),
    "unknown": ((150, 150, 150), "unknown"),
    "facing": ((200, 140, 30), "facing"),
}
SHELF_LINE: Bgr = (255, 255, 0)


def facing_colours(dets: Detections, match: PlanogramMatch | None) -> list[str]:
    """The colour key of every detection ("" = not drawn)."""
    keys = ["facing" if int(c) == CLASS_PRODUCT else "" for c in dets.class_id]
    if match is None:
        return keys
    wrong = {i for p in match.positions if p.status == "wrong_facings" for i in p.facing_ids}
    misplaced = {i for p in match.positions if p.status == "misplaced" for i in p.facing_ids}
    for i, status in enumerate(match.facing_status[: len(keys)]):
        if not status:
            continue
        if status == "expected":
            keys[i] = "wrong_facings" if i in wrong else "misplaced" if i in misplaced else "ok"
        else:
            keys[i] = status
    return keys


def _scale(image: Image) -> tuple[int, float]:
    side = min(image.shape[:2])
    return max(2, round(side / 350)), max(0.4, side / 1700)


def _legend(img: Image, keys: list[str], thick: int, font: float) -> Image:
    """``img`` with a white band below it holding the colour key, wrapped to its width."""
    face, weight = cv2.FONT_HERSHEY_SIMPLEX, thick // 2 + 1
    (_, th), _ = cv2.getTextSize("Ag", face, font, weight)
    pad = max(4, th // 2)
    items = [
        (COLOURS[k][0], COLOURS[k][1], cv2.getTextSize(COLOURS[k][1], face, font, weight)[0][0])
        for k in keys
    ]
    lines: list[list[tuple[Bgr, str, int]]] = [[]]
    x = pad
    for item in items:
        step = th + pad + item[2] + 3 * pad
        if lines[-1] and x + step > img.shape[1]:
            lines.append([])
            x = pad
        lines[-1].append(item)
        x += step
    band = np.full((len(lines) * (th + 2 * pad) + pad, img.shape[1], 3), 255, np.uint8)
    for n, line in enumerate(lines):
        x, y = pad, pad + n * (th + 2 * pad)
        for colour, label, width in line:
            cv2.rectangle(band, (x, y), (x + th, y + th), colour, -1)
            cv2.putText(
                band, label, (x + th + pad, y + th), face, font, (30, 30, 30), weight, cv2.LINE_AA
            )
            x += th + pad + width + 3 * pad
    return np.vstack([img, band])


def _shelf_lines(
    img: Image, layout: ShelfLayout, match: PlanogramMatch | None, thick: int, font: float
) -> None:
    for row in layout.rows:
        y = int(np.rint(row.y_bottom))
        cv2.line(img, (0, y), (img.shape[1] - 1, y), SHELF_LINE, max(1, thick // 2), cv2.LINE_AA)
        shelf = (
            match.shelf_of_row[row.index] if match and row.index < len(match.shelf_of_row) else -2
        )
        label = (
            f"row {row.index + 1}"
            if shelf == -2
            else (f"shelf {shelf + 1}" if shelf >= 0 else "not in planogram")
        )
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font, thick // 2 + 1)
        x = img.shape[1] - tw - 8
        cv2.rectangle(img, (x - 4, y - th - 8), (x + tw + 4, y), SHELF_LINE, -1)
        cv2.putText(
            img,
            label,
            (x, y - 5),
            cv2.FONT_HERSHEY_SIMPLEX,
            font,
            (40, 40, 40),
            thick // 2 + 1,
            cv2.LINE_AA,
        )


def _hatch(img: Image, box: tuple[float, float, float, float], colour: Bgr, thick: int) -> None:
    x1, y1, x2, y2 = (int(v) for v in np.rint(box))
    x1, y1 = max(x1, 0), max(y1, 0)
    x2, y2 = min(x2, img.shape[1] - 1), min(y2, img.shape[0] - 1)
    if x2 <= x1 or y2 <= y1:
        return
    roi = img[y1:y2, x1:x2]
    roi[:] = (roi * 0.55 + np.array(colour) * 0.45).astype(np.uint8)
    cv2.rectangle(img, (x1, y1), (x2, y2), colour, thick)


def _action_marks(img: Image, marks: Sequence[tuple[int, Box]], thick: int, font: float) -> None:
    """A numbered white-on-black badge at the top-left corner of each action's box."""
    face, weight = cv2.FONT_HERSHEY_SIMPLEX, thick // 2 + 1
    for number, box in marks:
        text = str(number)
        (tw, th), _ = cv2.getTextSize(text, face, font * 1.2, weight + 1)
        r = max(tw, th) // 2 + thick * 2
        cx = int(np.clip(box[0] + r, r, img.shape[1] - r - 1))
        cy = int(np.clip(box[1] + r, r, img.shape[0] - r - 1))
        cv2.circle(img, (cx, cy), r, (20, 20, 20), -1, cv2.LINE_AA)
        cv2.circle(img, (cx, cy), r, (255, 255, 255), max(1, thick // 2), cv2.LINE_AA)
        cv2.putText(
            img,
            text,
            (cx - tw // 2, cy + th // 2),
            face,
            font * 1.2,
            (255, 255, 255),
            weight + 1,
            cv2.LINE_AA,
        )


def annotate(
    image: Image,
    dets: Detections,
    layout: ShelfLayout,
    match: PlanogramMatch | None = None,
    max_side: int | None = 1600,
    marks: Sequence[tuple[int, Box]] = (),
) -> Image:
    """A copy of ``image`` with every facing boxed in its status colour, missing slots and
    gaps shaded red, shelf lines labelled with their planogram shelf, ``marks`` (action
    number, box) drawn as numbered badges, and a legend in a band below the photo (so it
    hides nothing)."""
    img = image.copy()
    thick, font = _scale(img)
    missing = COLOURS["missing"][0]
    if match is not None:
        for p in match.positions:
            if p.status in ("missing", "wrong_facings", "misplaced"):
                for box in p.slot_boxes:
                    _hatch(img, box, missing, thick)
    else:
        for g in layout.gaps:
            _hatch(img, g.xyxy, missing, thick)
    keys = facing_colours(dets, match)
    for i, key in enumerate(keys):
        if key:
            x1, y1, x2, y2 = (int(v) for v in np.rint(dets.xyxy[i]))
            cv2.rectangle(img, (x1, y1), (x2, y2), COLOURS[key][0], thick)
    _shelf_lines(img, layout, match, thick, font)
    _action_marks(img, marks, thick, font)
    shown = ["ok", "wrong_facings", "missing", "misplaced", "unexpected", "unknown"]
    img = _legend(img, shown if match is not None else ["facing", "missing"], thick, font)
    if max_side and max(img.shape[:2]) > max_side:
        f = max_side / max(img.shape[:2])
        img = np.asarray(
            cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), dtype=np.uint8
        )
    return img
