"""Draw a ``SceneSpec`` as a store photo with exact boxes.

Layers, back to front: ceiling/floor, bay back panel, shelf cavities in shadow,
pushed-back products, front products, shelf edge strips, price tags. Boxes are the
drawn rectangles clipped to the frame; boxes less than 30 % visible are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from shelfscan.types import CLASS_EMPTY, CLASS_PRICE_TAG, CLASS_PRODUCT, Detections

from . import hard, tobacco
from .camera import MIN_VISIBLE, CameraEffects, apply_camera, clip_visible, random_effects
from .products import SyntheticCatalog, render_packshot
from .scene import BOARD_MM, HANG_MM, PlacedItem, SceneConfig, SceneSpec, plan_scene


@dataclass
class SyntheticScene:
    """A rendered photo with its ground truth."""

    image: np.ndarray  # (H, W, 3) BGR uint8
    detections: Detections  # class ids + data columns sku, brand, shelf, pushed_back
    shelf_lines: list[float]  # y pixel of each shelf board (hook rail on pegboards), top first
    spec: SceneSpec
    effects: CameraEffects = field(default_factory=CameraEffects)


@dataclass
class _Frame:
    """Millimetre -> pixel mapping of one render."""

    scale: float  # pixels per millimetre
    ox: float  # bay x (mm) at the left image edge
    oy: float  # bay y (mm) at the top image edge
    width: int
    height: int

    def x(self, mm: float) -> int:
        return round((mm - self.ox) * self.scale)

    def y(self, mm: float) -> int:
        return round((mm - self.oy) * self.scale)


class _Boxes:
    """Ground-truth rows: box, class, sku, brand, shelf, pushed_back, level."""

    def __init__(self) -> None:
        self.rows: list[tuple[tuple[float, float, float, float], int, str, str, int, bool, int]]
        self.rows = []

    def add(
        self,
        box: tuple[float, float, float, float],
        cls: int,
        shelf: int,
        sku: str = "",
        brand: str = "",
        pushed: bool = False,
        level: int = 0,
    ) -> None:
        self.rows.append((box, cls, sku, brand, shelf, pushed, level))

    def occlude(self, x1: float, x2: float) -> None:
        """Something opaque covers columns ``x1..x2`` top to bottom: each box keeps its
        larger visible side, or is dropped when less than ``MIN_VISIBLE`` of it shows."""
        kept = []
        for row in self.rows:
            (bx1, by1, bx2, by2), rest = row[0], row[1:]
            if bx2 <= x1 or bx1 >= x2:
                kept.append(row)
                continue
            left, right = max(0.0, x1 - bx1), max(0.0, bx2 - x2)
            if max(left, right) < MIN_VISIBLE * (bx2 - bx1):
                continue
            box = (bx1, by1, x1, by2) if left >= right else (x2, by1, bx2, by2)
            kept.append((box, *rest))
        self.rows = kept

    def to_detections(self, w: int, h: int) -> Detections:
        cols = list(zip(*self.rows, strict=True)) if self.rows else [()] * 7
        dets = Detections(
            np.array(cols[0], np.float32).reshape(-1, 4),
            np.ones(len(self.rows), np.float32),
            np.array(cols[1], np.int64),
            {
                "sku": np.array(cols[2], str),
                "brand": np.array(cols[3], str),
                "shelf": np.array(cols[4], np.int64),
                "pushed_back": np.array(cols[5], bool),
                "level": np.array(cols[6], np.int64),
            },
        )
        return clip_visible(dets, w, h)


def _frame(spec: SceneSpec, size: tuple[int, int], rng: np.random.Generator) -> _Frame:
    w, h = size
    scale = w / spec.view_width_mm
    ox = (spec.bay_width_mm - spec.view_width_mm) / 2 + rng.uniform(
        -0.03, 0.03
    ) * spec.view_width_mm
    oy = (spec.bay_height_mm - h / scale) / 2 + rng.uniform(-0.03, 0.03) * spec.bay_height_mm
    return _Frame(scale, float(ox), float(oy), w, h)


def _paste(
    canvas: np.ndarray, img: np.ndarray, mask: np.ndarray, x: int, y: int, gain: float = 1.0
) -> None:
    h, w = mask.shape
    H, W = canvas.shape[:2]
    x1, y1, x2, y2 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x2 <= x1 or y2 <= y1:
        return
    src = img[y1 - y : y2 - y, x1 - x : x2 - x].astype(np.float32) * gain
    a = mask[y1 - y : y2 - y, x1 - x : x2 - x, None].astype(np.float32) / 255.0
    roi = canvas[y1:y2, x1:x2]
    roi[:] = (src * a + roi.astype(np.float32) * (1 - a)).clip(0, 255).astype(np.uint8)


def _background(spec: SceneSpec, fr: _Frame, rng: np.random.Generator) -> np.ndarray:
    st = spec.style
    img = np.empty((fr.height, fr.width, 3), np.uint8)
    top = max(0, min(fr.height, fr.y(0)))
    bottom = max(0, min(fr.height, fr.y(spec.bay_height_mm)))
    img[:top] = (150, 150, 148)  # ceiling / wall above the bay
    img[top:bottom] = st.back
    img[bottom:] = st.floor
    bx1, bx2 = fr.x(0), fr.x(spec.bay_width_mm)
    side = tuple(int(c) for c in rng.integers(90, 200, 3))
    if bx1 > 0:
        img[top:bottom, :bx1] = side
    if bx2 < fr.width:
        img[top:bottom, bx2:] = side
    if spec.bay_type == "pegboard" or rng.random() < 0.5:  # perforated back panel
        pitch = max(4, round(25 * fr.scale))
        r = max(1, round(2.5 * fr.scale))
        rows = np.flatnonzero(np.arange(top, bottom) % pitch < r) + top
        cols = np.flatnonzero(np.arange(fr.width) % pitch < r)
        grid = np.ix_(rows, cols)
        img[grid] = img[grid] // 2
    up = max(2, round(40 * fr.scale))  # uprights at the bay edges
    for x in (bx1 - up, bx2):
        cv2.rectangle(img, (x, top), (x + up, bottom), (95, 95, 100), -1)
    if spec.header_text and top > 0:
        hy1 = fr.y(0)
        hy2 = fr.y(min(60.0, spec.shelves[0].base_mm * 0.6 if spec.shelves else 60.0))
        cv2.rectangle(img, (bx1, hy1), (bx2, hy2), st.header, -1)
        from .draw import fit_text

        hx = max(bx1, 0) + fr.width // 4
        fit_text(img, spec.header_text, (hx, hy1 + 2, hx + fr.width // 2, hy2 - 2), (250, 250, 250))
    return img


def _cavities(img: np.ndarray, spec: SceneSpec, fr: _Frame) -> None:
    """Shadow inside each shelf opening: darkest under the board above."""
    if spec.bay_type != "shelf":
        return
    x1, x2 = max(0, fr.x(0)), min(fr.width, fr.x(spec.bay_width_mm))
    eye_mm = fr.oy + fr.height * 0.45 / fr.scale  # camera height: a little above the centre
    for sh in spec.shelves:
        y1, y2 = max(0, fr.y(sh.base_mm - sh.clearance_mm)), min(fr.height, fr.y(sh.base_mm))
        if y2 <= y1 or x2 <= x1:
            continue
        ramp = np.linspace(0.45, 0.85, y2 - y1, dtype=np.float32)[:, None, None]
        img[y1:y2, x1:x2] = (img[y1:y2, x1:x2] * ramp).astype(np.uint8)
        # below eye level the board's top surface shows behind its edge strip
        below = (sh.base_mm - eye_mm) / max(spec.bay_height_mm, 1.0)
        if below > 0:
            top = max(0, fr.y(sh.base_mm - min(70.0, 160.0 * below)))
            if y2 > top:
                shade = np.linspace(0.75, 1.0, y2 - top, dtype=np.float32)[:, None, None]
                board = np.array(spec.style.board, np.float32)[None, None, :]
                img[top:y2, x1:x2] = (board * shade).astype(np.uint8)


def _item_box(spec: SceneSpec, fr: _Frame, it: PlacedItem) -> tuple[int, int, int, int]:
    sh = spec.shelves[it.shelf]
    w, h = it.width_mm, it.height_mm
    if spec.bay_type == "pegboard":
        top = sh.base_mm + HANG_MM + it.lift_mm
        return fr.x(it.x_mm), fr.y(top), fr.x(it.x_mm + w), fr.y(top + h)
    x, bottom = it.x_mm, sh.base_mm - it.level * (h + 1.0) - it.lift_mm
    if it.pushed_back:  # farther from the camera: smaller, standing a little higher
        x, w, h, bottom = x + w * 0.07, w * 0.86, h * 0.86, bottom - 6
    return fr.x(x), fr.y(bottom - h), fr.x(x + w), fr.y(bottom)


def _item_gain(seed: int, it: PlacedItem) -> float:
    """Per-facing brightness in [0.88, 1.05], a hash of the item (not of draw order), so
    editing one item leaves every other pixel of the render unchanged."""
    h = np.random.default_rng([seed, it.shelf, round(it.x_mm * 100) % 2**31])
    return float(0.88 + 0.17 * h.random())


def _products(img: np.ndarray, spec: SceneSpec, fr: _Frame, seed: int, boxes: _Boxes) -> None:
    cat: SyntheticCatalog = spec.catalog
    cache: dict[tuple[str, int, int, int], tuple[np.ndarray, np.ndarray]] = {}
    items = sorted(spec.items, key=lambda i: (not i.pushed_back, i.shelf, i.level, i.x_mm))
    for it in items:
        x1, y1, x2, y2 = _item_box(spec, fr, it)
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        sku_spec = cat.get(it.sku)
        panel = 0
        if sku_spec.warning_pool:  # tobacco: each pack shows its own health warning
            panel = tobacco.panel_for(seed, _item_key(it), sku_spec.warning_pool)
        key = (it.sku, x2 - x1, y2 - y1, panel)
        if key not in cache:
            pic, mask = render_packshot(sku_spec, size_px=max(8, y2 - y1), panel=panel)
            if pic.shape[:2] != (y2 - y1, x2 - x1):
                pic = cv2.resize(pic, (x2 - x1, y2 - y1), interpolation=cv2.INTER_AREA)
                mask = cv2.resize(mask, (x2 - x1, y2 - y1), interpolation=cv2.INTER_AREA)
            cache[key] = (pic, mask)
        pic, mask = cache[key]
        plan = spec.hard
        clear = False
        if plan is not None:
            pic, mask, clear = _hard_look(plan, sku_spec.shape, it, pic, mask)
        if sku_spec.warning_pool:
            pic = _pack_glare(seed, it, pic, mask)
        gain = _item_gain(seed, it) * (0.62 if it.pushed_back else 1.0)
        hook = spec.bay_type == "pegboard"
        hx, hy = (x1 + x2) // 2, y1 + max(2, (y2 - y1) // 16)
        rod = max(1, round(4 * fr.scale))
        if hook:  # the peg from the board, through the pack's hang hole
            rail = fr.y(spec.shelves[it.shelf].base_mm + BOARD_MM * 0.7)
            cv2.line(img, (hx, rail), (hx, hy), (175, 175, 180), rod, cv2.LINE_AA)
        _paste(img, pic, mask, x1, y1, gain)
        if clear:
            hard.clear_highlights(img, (x1, y1, x2, y2))
        if hook:
            axes = (max(2, (x2 - x1) // 12), max(1, (y2 - y1) // 40))
            cv2.ellipse(img, (hx, hy), axes, 0, 0, 360, (35, 35, 35), -1, cv2.LINE_AA)
            cv2.line(img, (hx, hy - axes[1]), (hx, hy + axes[1]), (200, 200, 205), rod)
        brand = sku_spec.brand
        if plan is not None and it.shelf in plan.tier_rows and not it.pushed_back:
            wall = hard.tray_wall_mm(it.height_mm)  # the tray's wall hides the unit's foot
            y2 = min(y2, y1 + max(2, round((it.height_mm - wall) * fr.scale)))
        boxes.add(
            (x1, y1, x2, y2), CLASS_PRODUCT, it.shelf, it.sku, brand, it.pushed_back, it.level
        )


def _item_key(it: PlacedItem) -> tuple[int, ...]:
    return (it.shelf, round(it.x_mm * 100) % 2**31, it.level)


def _pack_glare(seed: int, it: PlacedItem, pic: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Cellophane / acrylic reflections on half the tobacco packs (a hash of the item)."""
    r = np.random.default_rng([seed, *_item_key(it), 0x61A])
    if r.random() >= 0.5 or pic.shape[0] < 8:
        return pic
    return tobacco.glare(pic, mask, r)


def _hard_look(
    plan: hard.HardPlan, shape: str, it: PlacedItem, pic: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Clear plastic or a surface finish for one facing (a hash of the item, as the gain)."""
    clear = it.sku in plan.clear_skus and shape == "bottle"
    if clear:
        mask = hard.clear_mask(mask, shape)
    r = np.random.default_rng([plan.seed, it.shelf, round(it.x_mm * 100) % 2**31, it.level, 7])
    if plan.surfaces > 0 and r.random() < plan.surfaces and pic.shape[0] >= 8:
        kind = hard.SURFACES[int(r.integers(len(hard.SURFACES)))]
        if shape == "bag" or kind != "foil" or shape in ("box", "multipack"):
            pic = hard.surface(pic, mask, kind, r)
    return pic, mask, clear


def _back_rows(img: np.ndarray, spec: SceneSpec, fr: _Frame) -> None:
    """Units behind the front row, standing higher (risers, stacked stock) so their tops
    show above the front units: darker, smaller, never labelled."""
    plan = spec.hard
    if plan is None or spec.bay_type != "shelf":
        return
    cat = spec.catalog
    for row in plan.back_rows:
        sh = spec.shelves[row]
        r = np.random.default_rng([plan.seed, row, 31])
        raise_share = float(r.uniform(0.25, 0.6))
        for it in spec.items_on(row):
            if it.pushed_back:
                continue
            w, h = it.width_mm * 0.88, it.height_mm * 0.88
            bottom = sh.base_mm - 8 - it.height_mm * raise_share
            top = max(bottom - h, sh.base_mm - sh.clearance_mm + 4)
            x = it.x_mm + it.width_mm * float(r.uniform(0.0, 0.3))
            x1, y1, x2, y2 = fr.x(x), fr.y(top), fr.x(x + w), fr.y(bottom)
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            pic, mask = render_packshot(
                cat.get(it.sku), size_px=max(8, fr.y(bottom) - fr.y(bottom - h))
            )
            pic = cv2.resize(pic, (x2 - x1, fr.y(bottom) - fr.y(bottom - h)))
            mask = cv2.resize(mask, (x2 - x1, fr.y(bottom) - fr.y(bottom - h)))
            cut = pic.shape[0] - (y2 - y1)  # the top clipped by the board above
            _paste(img, pic[cut:], mask[cut:], x1, y1, 0.55)


def _hard_front(
    img: np.ndarray, spec: SceneSpec, fr: _Frame, rng: np.random.Generator, boxes: _Boxes
) -> None:
    """Things in front of the products: basket wires, peg labels, promo cards."""
    plan = spec.hard
    if plan is None:
        return
    for row in plan.basket_rows:
        sh = spec.shelves[row]
        box = (
            fr.x(0),
            fr.y(sh.base_mm - sh.clearance_mm * 0.45),
            fr.x(spec.bay_width_mm),
            fr.y(sh.base_mm),
        )
        hard.wire_basket(img, box, fr.scale)
    for row in plan.tier_rows:  # a tray under every unit of a tiered shelf
        colour = hard.TRAY_COLOURS[int(rng.integers(len(hard.TRAY_COLOURS)))]
        for it in spec.items:
            if it.shelf != row or it.pushed_back:
                continue
            sh = spec.shelves[it.shelf]
            bottom = sh.base_mm - it.level * (it.height_mm + 1.0) - it.lift_mm
            floor = hard.TRAY_MM - 1.0 if it.level else 0.0
            x1, _, x2, _ = _item_box(spec, fr, it)
            wall = hard.tray_wall_mm(it.height_mm)
            box = (x1 - 1, fr.y(bottom - wall), x2 + 1, fr.y(bottom + floor))
            hard.tray(img, box, colour)
    if plan.peg_labels and spec.bay_type == "pegboard":
        for it in spec.items:
            if it.level:
                continue
            sh = spec.shelves[it.shelf]
            cx = it.x_mm + it.width_mm / 2
            tw, th = float(rng.uniform(36, 55)), float(rng.uniform(22, 30))
            ty = sh.base_mm + BOARD_MM * 0.7 + 4
            box = (fr.x(cx - tw / 2), fr.y(ty), fr.x(cx + tw / 2), fr.y(ty + th))
            price = f"{rng.uniform(0.49, 9.99):.2f}"
            hard.tag(
                img, box, price, "peg", (240, 240, 240) if rng.random() < 0.6 else (60, 220, 250)
            )
            boxes.add(box, CLASS_PRICE_TAG, it.shelf)
    if "promo" in plan.negatives and spec.bay_type == "shelf":
        for sh in spec.shelves:
            if rng.random() < 0.5:
                continue
            cw, ch = float(rng.uniform(60, 110)), float(rng.uniform(50, 80))
            x = float(rng.uniform(0, max(1.0, spec.bay_width_mm - cw)))
            box = (fr.x(x), fr.y(sh.base_mm - ch * 0.6), fr.x(x + cw), fr.y(sh.base_mm + ch * 0.4))
            hard.poster(img, box, rng)


def _hard_back(img: np.ndarray, spec: SceneSpec, fr: _Frame, rng: np.random.Generator) -> None:
    """Hard negatives behind the products: lights, floor, side bays, uprights, signs."""
    plan = spec.hard
    if plan is None:
        return
    h, w = img.shape[:2]
    top = max(0, min(h, fr.y(0)))
    bottom = max(0, min(h, fr.y(spec.bay_height_mm)))
    bx1, bx2 = fr.x(0), fr.x(spec.bay_width_mm)
    neg = plan.negatives
    if "lights" in neg:
        hard.ceiling_lights(img, top, rng)
    if "floor" in neg:
        hard.floor_texture(img, bottom, rng)
    up = max(2, round(40 * fr.scale))
    if "side_bay" in neg:
        hard.side_bay(img, 0, bx1 - up, top, bottom, rng)
        hard.side_bay(img, bx2 + up, w, top, bottom, rng)
    if "uprights" in neg:
        x = float(rng.uniform(900, 1300))
        while x < spec.bay_width_mm - 200:
            hard.upright(img, fr.x(x), up, top, bottom)
            x += float(rng.uniform(900, 1300))
    if "sign" in neg and top > 8:
        sw = int(w * rng.uniform(0.2, 0.5))
        sx = int(rng.integers(0, max(1, w - sw)))
        hard.poster(img, (sx, int(top * 0.2), sx + sw, int(top * 0.85)), rng)
    if "poster" in neg:
        if bx1 > w // 10:
            hard.poster(
                img,
                (int(bx1 * 0.1), top + 4, int(bx1 * 0.8), min(bottom, top + int(bx1 * 1.4))),
                rng,
            )
        elif w - bx2 > w // 10:
            pw = w - bx2
            hard.poster(
                img, (bx2 + pw // 5, top + 4, w - pw // 10, min(bottom, top + int(pw * 1.4))), rng
            )


def _cooler(
    img: np.ndarray, spec: SceneSpec, fr: _Frame, rng: np.random.Generator, boxes: _Boxes
) -> None:
    """Glass cooler doors over the whole bay; door frames hide what is behind them."""
    plan = spec.hard
    if plan is None or not plan.cooler_frames_mm:
        return
    fw = max(2, round(45 * fr.scale))
    frames = [fr.x(x) for x in plan.cooler_frames_mm]
    hard.cooler_glass(img, frames, fw, fr.y(0), fr.y(spec.bay_height_mm), rng)
    for x in frames:
        boxes.occlude(x - fw / 2, x + fw / 2)


def _empty_slots(spec: SceneSpec, fr: _Frame, boxes: _Boxes) -> None:
    """Boxes over stretches of a shelf with no product (visible shelf back)."""
    for row, sh in enumerate(spec.shelves):
        items = spec.items_on(row)
        heights = [i.height_mm for i in items]
        widths = [i.width_mm for i in items]
        med_w = float(np.median(widths)) if widths else 80.0
        med_h = float(np.median(heights)) if heights else sh.clearance_mm * 0.7
        min_gap = max(40.0, 0.6 * med_w)
        edges = (
            [0.0] + [v for i in items for v in (i.x_mm, i.x_mm + i.width_mm)] + [spec.bay_width_mm]
        )
        for k in range(0, len(edges), 2):
            a, b = edges[k] + 2, edges[k + 1] - 2
            if b - a < min_gap:
                continue
            h = min(med_h, sh.clearance_mm * 0.9)
            if spec.bay_type == "pegboard":
                top = sh.base_mm + HANG_MM
                box = (fr.x(a), fr.y(top), fr.x(b), fr.y(top + h))
            else:
                box = (fr.x(a), fr.y(sh.base_mm - h), fr.x(b), fr.y(sh.base_mm))
            boxes.add(box, CLASS_EMPTY, row)


def _boards(
    img: np.ndarray, spec: SceneSpec, fr: _Frame, rng: np.random.Generator, boxes: _Boxes
) -> list[float]:
    st = spec.style
    x1, x2 = fr.x(0), fr.x(spec.bay_width_mm)
    lines: list[float] = []
    thick = BOARD_MM if spec.bay_type == "shelf" else BOARD_MM * 0.7
    for sh in spec.shelves:
        y1, y2 = fr.y(sh.base_mm), fr.y(sh.base_mm + thick)
        lines.append(float(y1))
        cv2.rectangle(img, (x1, y1), (x2, y2), st.edge, -1)
        hl = tuple(min(255, int(c * 1.25) + 20) for c in st.edge)
        cv2.line(img, (x1, y1), (x2, y1), hl, max(1, round(2 * fr.scale)))
        if spec.bay_type == "shelf":  # shadow cast on the products below
            s1, s2 = max(0, y2), min(fr.height, y2 + max(2, round(25 * fr.scale)))
            if s2 > s1:
                ramp = np.linspace(0.55, 1.0, s2 - s1, dtype=np.float32)[:, None, None]
                lo, hi = max(0, x1), min(fr.width, x2)
                img[s1:s2, lo:hi] = (img[s1:s2, lo:hi] * ramp).astype(np.uint8)
    for tag in spec.price_tags:
        sh = spec.shelves[tag.shelf]
        ty1 = fr.y(sh.base_mm + thick * 0.12)
        ty2 = fr.y(sh.base_mm + thick * 0.9)
        tx1, tx2 = fr.x(tag.x_mm), fr.x(tag.x_mm + tag.width_mm)
        if spec.hard is None:
            _tag(img, (tx1, ty1, tx2, ty2), tag.price, st.tag)
        else:
            if tag.style == "promo":  # a larger card hanging below the strip
                ty2 = fr.y(sh.base_mm + thick * 1.6)
            hard.tag(img, (tx1, ty1, tx2, ty2), tag.price, tag.style, st.tag)
        boxes.add((tx1, ty1, tx2, ty2), CLASS_PRICE_TAG, tag.shelf)
    if spec.hard is not None and "strip" in spec.hard.negatives:
        for sh in spec.shelves:
            strip = (
                max(0, x1),
                fr.y(sh.base_mm + thick * 0.15),
                min(fr.width, x2),
                fr.y(sh.base_mm + thick * 0.85),
            )
            hard.strip_clutter(img, strip, rng)
    return lines


def _tag(
    img: np.ndarray, box: tuple[int, int, int, int], price: str, color: tuple[int, int, int]
) -> None:
    from .draw import fit_text

    x1, y1, x2, y2 = box
    cv2.rectangle(img, (x1, y1), (x2, y2), color, -1)
    cv2.rectangle(img, (x1, y1), (x2, y2), (90, 90, 90), 1)
    w, h = x2 - x1, y2 - y1
    fit_text(img, price, (x1 + w // 3, y1 + 1, x2 - 2, y1 + h * 2 // 3), (20, 20, 20))
    # barcode and small print
    bx = np.arange(x1 + 2, x1 + w // 3 - 1, 2)
    for i, x in enumerate(bx):
        if i % 3 != 1:
            cv2.line(img, (int(x), y1 + h // 2), (int(x), y2 - 2), (30, 30, 30), 1)
    cv2.line(img, (x1 + 3, y1 + h // 4), (x1 + w // 3, y1 + h // 4), (60, 60, 60), 1)


def _lighting(img: np.ndarray, spec: SceneSpec) -> np.ndarray:
    h = img.shape[0]
    ramp = np.linspace(spec.style.light_top, spec.style.light_bottom, h) * 256
    fixed = ramp.round().astype(np.uint16)[:, None, None]
    lit: np.ndarray = np.minimum((img.astype(np.uint16) * fixed) >> 8, 255).astype(np.uint8)
    return lit


def render_scene(
    spec: SceneSpec, seed: int, size: tuple[int, int] = (1600, 1200)
) -> SyntheticScene:
    """Draw ``spec`` at ``size`` = (width, height) pixels, with no camera effects."""
    w, h = size
    if w < 32 or h < 32:
        raise ValueError(f"size must be at least 32x32, got {w}x{h}")
    rng = np.random.default_rng(seed)
    fr = _frame(spec, size, rng)
    boxes = _Boxes()
    img = _background(spec, fr, rng)
    hard_rng = np.random.default_rng([seed, hard.DRAW_STREAM])
    _hard_back(img, spec, fr, hard_rng)
    _cavities(img, spec, fr)
    _back_rows(img, spec, fr)
    _products(img, spec, fr, seed, boxes)
    _empty_slots(spec, fr, boxes)
    _hard_front(img, spec, fr, hard_rng, boxes)
    lines = _boards(img, spec, fr, rng if spec.hard is None else hard_rng, boxes)
    _cooler(img, spec, fr, hard_rng, boxes)
    img = _lighting(img, spec)
    return SyntheticScene(img, boxes.to_detections(w, h), lines, spec)


def generate_scene(
    seed: int,
    config: SceneConfig | None = None,
    catalog: SyntheticCatalog | None = None,
    size: tuple[int, int] = (1600, 1200),
) -> SyntheticScene:
    """Plan, render and photograph one scene (camera effects of ``config.camera_strength``)."""
    cfg = replace(config or SceneConfig(), aspect=size[0] / size[1])
    spec = plan_scene(seed, cfg, catalog)
    scene = render_scene(spec, seed, size)
    if cfg.camera_strength <= 0:
        return scene
    rng = np.random.default_rng([seed, 1])
    effects = random_effects(rng, cfg.camera_strength, oblique=cfg.realism.oblique)
    img, dets = apply_camera(scene.image, scene.detections, effects, rng)
    lines = _move_lines(scene.shelf_lines, effects, size, rng)
    return SyntheticScene(img, dets, lines, spec, effects)


def _move_lines(
    lines: list[float], effects: CameraEffects, size: tuple[int, int], rng: np.random.Generator
) -> list[float]:
    from .camera import transform_points

    if not lines:
        return []
    pts = np.array([[size[0] / 2, y] for y in lines], np.float32)
    return [float(p[1]) for p in transform_points(pts, effects, size)]
