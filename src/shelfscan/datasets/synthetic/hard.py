"""Hard cases of real stores, rendered with exact labels (``SceneConfig.realism``).

Real aisles break detectors trained on tidy synthetic bays in known ways (issue 12):
peg-hook labels and sale tags, wire baskets of bags, glass cooler doors with glare and
clear bottles, back rows showing behind and above the front row, stacked cases, tiers of
cases in trays on one shelf, multipacks, signs, posters, promo cards, ceiling lights,
floor, side bays, uprights, oblique views, and pack surfaces (foil, cellophane, print
texture). Each is a probability in ``Realism`` (all 0 by default, so default scenes are
unchanged pixel for pixel); ``REALISTIC`` turns them all on at the rates training uses
(tiers stay off there, so the training scenes are unchanged).

Labels: every product facing in the front plane is a ``product`` (bags in baskets,
clear bottles, each stacked case, each unit of a tier of cases in trays with its visible
part above the tray wall, a multipack as one box); peg labels, sale and multi-buy tags
are ``price_tag``; back-row products, signs, posters, promo cards, lights, side bays
and uprights carry no box. A facing mostly hidden behind a cooler-door frame
keeps only its visible part, or no box when less than ``MIN_VISIBLE`` shows.

Planning draws from its own random stream (``[seed, 0x4A2D]``; tiers from
``[seed, 0x4A2F]``) and drawing from ``[seed, 0x4A2E]``, so turning a case on never
changes the rest of a scene's plan.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import cv2
import numpy as np

PLAN_STREAM = 0x4A2D
DRAW_STREAM = 0x4A2E
TIER_STREAM = 0x4A2F  # tiers plan from their own stream: other cases' plans stay the same
TRAY_MM = 12.0  # a tray's floor between a tier's units and the units below
TRAY_WALL_MM = 40.0  # its front wall hides the lowest part of the tier's units ...
TRAY_WALL_SHARE = 0.35  # ... at most this share of a unit's height
TRAY_COLOURS = ((92, 138, 178), (150, 150, 145), (60, 95, 150))  # BGR: kraft, grey, brown
NEGATIVE_KINDS = ("sign", "poster", "promo", "lights", "side_bay", "uprights", "floor", "strip")
TAG_STYLES = ("plain", "sale", "multibuy", "promo", "peg")
SURFACES = ("foil", "cellophane", "print")


@dataclass(frozen=True)
class Realism:
    """Probabilities of each hard case (0 = never)."""

    peg_labels: float = 0.0  # pegboard: a label hangs at the end of each hook
    baskets: float = 0.0  # a shelf row is a wire basket of bags
    cooler: float = 0.0  # the bay stands behind glass cooler doors
    clear_bottles: float = 0.0  # share of bottles drawn in clear plastic
    back_rows: float = 0.0  # a row shows back-row units behind and above the front
    tall_stacks: float = 0.0  # stacked cases up to 4 high where they fit
    sale_tags: float = 0.0  # share of price tags in a sale / multi-buy / promo style
    negatives: float = 0.0  # each kind of NEGATIVE_KINDS shows with this probability
    wide_view: float = 0.0  # the camera steps back: ceiling, floor and side bays show
    surfaces: float = 0.0  # share of packs with foil, cellophane or print texture
    oblique: float = 0.0  # camera yaw strength (0..1) for ``generate_scene``
    tiers: float = 0.0  # a shelf holds tiers of cases: units in trays stacked on units

    @property
    def any(self) -> bool:
        return any(getattr(self, k) > 0 for k in self.__dataclass_fields__)


REALISTIC = Realism(
    peg_labels=0.8,
    baskets=0.2,
    cooler=0.15,
    clear_bottles=0.5,
    back_rows=0.3,
    tall_stacks=0.3,
    sale_tags=0.3,
    negatives=0.35,
    wide_view=0.3,
    surfaces=0.35,
    oblique=0.6,
)


@dataclass
class HardPlan:
    """What a scene shows of the hard cases (filled by ``plan_hard``)."""

    seed: int
    basket_rows: list[int] = field(default_factory=list)
    back_rows: list[int] = field(default_factory=list)
    cooler_frames_mm: list[float] = field(default_factory=list)  # x of door frames
    clear_skus: set[str] = field(default_factory=set)
    peg_labels: bool = False
    negatives: list[str] = field(default_factory=list)
    surfaces: float = 0.0
    tier_rows: list[int] = field(default_factory=list)  # shelves holding tiers of trays


# -- drawing helpers ------------------------------------------------------------
def tray_wall_mm(unit_height_mm: float) -> float:
    """Height of the tray wall in front of a unit of a tiered shelf (millimetres)."""
    return min(TRAY_WALL_MM, TRAY_WALL_SHARE * unit_height_mm)


def tray(img: np.ndarray, box: tuple[int, int, int, int], colour: tuple[int, int, int]) -> None:
    """A cardboard tray's front wall (x1, y1, x2, y2): flat, a darker rim, no price tag."""
    x1, y1, x2, y2 = box
    cv2.rectangle(img, (x1, y1), (x2, y2), colour, -1)
    rim = tuple(int(c * 0.7) for c in colour)
    cv2.line(img, (x1, y1), (x2, y1), rim, max(1, (y2 - y1) // 8))
    cv2.line(img, (x1, y1), (x1, y2), rim, 1)


def surface(pic: np.ndarray, mask: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """Foil (metallic sheen), cellophane (glossy bands) or print texture on a packshot."""
    h, w = mask.shape
    out = pic.astype(np.float32)
    if kind == "foil":
        x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
        y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
        f = float(rng.uniform(3, 8))
        sheen = 0.75 + 0.45 * np.abs(np.sin((x * f + y * f * 0.6) * np.pi))
        out = (out * sheen[:, :, None] * 0.7 + 60 * (sheen[:, :, None] - 0.75)).astype(np.float32)
    elif kind == "cellophane":
        for _ in range(int(rng.integers(1, 4))):
            cx = float(rng.uniform(0.1, 0.9)) * w
            width = max(1.0, float(rng.uniform(0.02, 0.08)) * w)
            xs = np.arange(w, dtype=np.float32)
            band = np.exp(-(((xs - cx) / width) ** 2))[None, :, None]
            out = out + band * float(rng.uniform(60, 140))
        wrinkle = rng.normal(0, 6, (max(1, h // 6), max(1, w // 6))).astype(np.float32)
        out = out + cv2.resize(wrinkle, (w, h))[:, :, None]
    else:  # print: halftone-like fine grain and a slight colour shift
        grain = rng.normal(0, 7, (h, w)).astype(np.float32)
        out = out * float(rng.uniform(0.9, 1.05)) + grain[:, :, None]
    res: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
    return res


def clear_mask(mask: np.ndarray, shape: str) -> np.ndarray:
    """A clear bottle: the body lets the background through, cap and label stay opaque."""
    h = mask.shape[0]
    alpha = (mask.astype(np.float32) * 0.3).astype(np.uint8)
    if shape == "bottle":
        alpha[: max(2, int(h * 0.07))] = mask[: max(2, int(h * 0.07))]  # cap
        a, b = int(h * 0.5), int(h * 0.72)  # a narrow wrap-around label
        alpha[a:b] = mask[a:b]
    return alpha


def clear_highlights(img: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """Bright vertical edges of a clear bottle."""
    x1, y1, x2, y2 = box
    w = x2 - x1
    if w < 6:
        return
    for x, v in ((x1 + w // 6, 235), (x2 - w // 5, 200)):
        cv2.line(img, (x, y1 + (y2 - y1) // 4), (x, y2 - 2), (v, v, v), max(1, w // 14))


def wire_basket(img: np.ndarray, box: tuple[int, int, int, int], scale: float) -> None:
    """A wire basket's front over ``box``: rim, vertical wires and a few cross wires."""
    x1, y1, x2, y2 = box
    t = max(1, round(4 * scale))
    color = (190, 190, 195)
    pitch = max(4, round(30 * scale))
    for x in range(x1, x2, pitch):
        cv2.line(img, (x, y1), (x, y2), color, max(1, t // 2), cv2.LINE_AA)
    for y in np.linspace(y1, y2, 4).astype(int):
        cv2.line(img, (x1, int(y)), (x2, int(y)), color, t, cv2.LINE_AA)
    cv2.line(img, (x1, y1), (x2, y1), (225, 225, 230), t + 1, cv2.LINE_AA)


def tag(
    img: np.ndarray,
    box: tuple[int, int, int, int],
    price: str,
    style: str,
    color: tuple[int, int, int],
) -> None:
    """A price label of ``style`` (see ``TAG_STYLES``)."""
    from .draw import fit_text

    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    if style == "sale":  # yellow with a red banner
        cv2.rectangle(img, (x1, y1), (x2, y2), (40, 225, 250), -1)
        cv2.rectangle(img, (x1, y1), (x2, y1 + h // 3), (40, 40, 210), -1)
        fit_text(img, "SALE", (x1 + 2, y1, x2 - 2, y1 + h // 3), (250, 250, 250))
        fit_text(img, price, (x1 + w // 6, y1 + h // 3, x2 - 2, y2 - 1), (20, 20, 20))
    elif style == "multibuy":
        cv2.rectangle(img, (x1, y1), (x2, y2), (60, 210, 250), -1)
        fit_text(img, price, (x1 + 2, y1 + 1, x2 - 2, y2 - h // 4), (30, 30, 200))
        cv2.line(img, (x1 + 3, y2 - h // 6), (x2 - 3, y2 - h // 6), (40, 40, 40), 1)
    elif style == "promo":  # orange / red card
        cv2.rectangle(img, (x1, y1), (x2, y2), (30, 120, 240), -1)
        fit_text(img, price, (x1 + 2, y1 + h // 5, x2 - 2, y2 - 2), (250, 250, 250))
    else:  # plain and peg: white-ish label, barcode left, price right
        cv2.rectangle(img, (x1, y1), (x2, y2), color, -1)
        fit_text(img, price, (x1 + w // 3, y1 + 1, x2 - 2, y1 + h * 2 // 3), (20, 20, 20))
        for i, x in enumerate(range(x1 + 2, x1 + w // 3 - 1, 2)):
            if i % 3 != 1:
                cv2.line(img, (x, y1 + h // 2), (x, y2 - 2), (30, 30, 30), 1)
    cv2.rectangle(img, (x1, y1), (x2, y2), (90, 90, 90), 1)


def strip_clutter(
    img: np.ndarray, strip: tuple[int, int, int, int], rng: np.random.Generator
) -> None:
    """Unlabelled things on a shelf edge that are not price tags: logo stickers and small
    barcode-only dimension labels."""
    from .draw import fit_text

    x1, y1, x2, y2 = strip
    h = y2 - y1
    if h < 4 or x2 - x1 < 20:
        return
    for _ in range(int(rng.integers(0, 3))):
        w = int(h * rng.uniform(0.8, 1.6))
        x = int(rng.integers(x1, max(x1 + 1, x2 - w)))
        if rng.random() < 0.5:
            c = tuple(int(v) for v in rng.integers(0, 255, 3))
            cv2.ellipse(img, (x + w // 2, y1 + h // 2), (w // 2, h // 3), 0, 0, 360, c, -1)
            fit_text(img, "ok", (x + w // 4, y1 + h // 3, x + 3 * w // 4, y2 - h // 3), (250,) * 3)
        else:
            cv2.rectangle(img, (x, y1 + h // 4), (x + w // 2, y2 - h // 4), (235, 235, 235), -1)
            for xx in range(x + 1, x + w // 2 - 1, 2):
                cv2.line(img, (xx, y1 + h // 3), (xx, y2 - h // 3), (40, 40, 40), 1)


def poster(img: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator) -> None:
    """A poster or sign: colour field, big words and a pack-like picture (no box)."""
    from .draw import fit_text

    x1, y1, x2, y2 = box
    if x2 - x1 < 8 or y2 - y1 < 8:
        return
    bg = tuple(int(v) for v in rng.integers(20, 250, 3))
    cv2.rectangle(img, (x1, y1), (x2, y2), bg, -1)
    w, h = x2 - x1, y2 - y1
    words = ("NEW", "SAVE", "FRESH", "OFFER", "AISLE 7", "BEST", "2 FOR 1", "DRINKS")
    fg = (250, 250, 250) if sum(bg) < 380 else (20, 20, 20)
    fit_text(
        img, str(rng.choice(words)), (x1 + w // 10, y1 + h // 12, x2 - w // 10, y1 + h // 3), fg
    )
    if h > w * 0.8:  # a tall poster: a big "product" in it
        px1, px2 = x1 + w // 4, x2 - w // 4
        c = tuple(int(v) for v in rng.integers(0, 255, 3))
        cv2.rectangle(img, (px1, y1 + h // 2), (px2, y2 - h // 12), c, -1)
        cv2.ellipse(img, ((px1 + px2) // 2, y1 + 2 * h // 3), (w // 8, h // 14), 0, 0, 360, fg, -1)
    cv2.rectangle(img, (x1, y1), (x2, y2), (60, 60, 60), max(1, w // 80))


def ceiling_lights(img: np.ndarray, top: int, rng: np.random.Generator) -> None:
    """Fluorescent tubes or panels in the ceiling band above the bay."""
    if top < 10:
        return
    w = img.shape[1]
    n = int(rng.integers(1, 4))
    for _ in range(n):
        cy = int(rng.uniform(0.15, 0.8) * top)
        lw = int(rng.uniform(0.15, 0.45) * w)
        x = int(rng.integers(0, max(1, w - lw)))
        th = max(2, int(top * rng.uniform(0.05, 0.18)))
        cv2.rectangle(img, (x, cy), (x + lw, cy + th), (252, 252, 250), -1)
        halo = img[max(0, cy - th) : cy + 2 * th, max(0, x - th) : x + lw + th]
        halo[:] = np.minimum(halo.astype(np.int16) + 40, 255).astype(np.uint8)


def floor_texture(img: np.ndarray, bottom: int, rng: np.random.Generator) -> None:
    """Floor tiles and a reflection of the bay's lowest colours."""
    h, w = img.shape[:2]
    if bottom >= h - 4:
        return
    pitch = max(8, int((h - bottom) * rng.uniform(0.3, 0.7)))
    for y in range(bottom, h, pitch):
        cv2.line(img, (0, y), (w, y), (120, 120, 125), 1)
    for x in range(int(rng.integers(0, pitch)), w, pitch * 2):
        cv2.line(img, (x, bottom), (x + (x - w // 2) // 3, h), (120, 120, 125), 1)
    n = min(h - bottom, bottom)
    if n > 2:
        refl = img[bottom - n : bottom][::-1].astype(np.float32)
        base = img[bottom : bottom + n].astype(np.float32)
        img[bottom : bottom + n] = (0.8 * base + 0.2 * refl).astype(np.uint8)


def side_bay(
    img: np.ndarray, x1: int, x2: int, top: int, bottom: int, rng: np.random.Generator
) -> None:
    """A neighbouring bay seen edge-on: foreshortened shelves of colour blocks (no boxes)."""
    if x2 - x1 < 6 or bottom - top < 20:
        return
    n = int(rng.integers(3, 7))
    ys = np.linspace(top, bottom, n + 1).astype(int)
    for a, b in itertools.pairwise(ys.tolist()):
        x = x1
        while x < x2:
            bw = max(2, int(rng.uniform(0.05, 0.25) * (x2 - x1)))
            c = tuple(int(v) for v in rng.integers(20, 240, 3))
            cv2.rectangle(img, (x, a + (b - a) // 6), (min(x2, x + bw), b - 3), c, -1)
            x += bw + 1
        cv2.rectangle(img, (x1, b - 4), (x2, b), (200, 200, 200), -1)


def upright(img: np.ndarray, x: int, width: int, top: int, bottom: int) -> None:
    """A shelf upright with its slot holes."""
    cv2.rectangle(img, (x, top), (x + width, bottom), (105, 105, 110), -1)
    if width >= 4:
        step = max(4, width)
        for y in range(top + step // 2, bottom, step):
            cv2.rectangle(
                img, (x + width // 3, y), (x + 2 * width // 3, y + step // 3), (40, 40, 40), -1
            )


def cooler_glass(
    img: np.ndarray,
    frames_px: list[int],
    frame_w: int,
    top: int,
    bottom: int,
    rng: np.random.Generator,
) -> None:
    """Glass doors: tint, diagonal glare streaks, a reflection, and the door frames."""
    h, w = img.shape[:2]
    t, b = max(0, top), min(h, bottom)
    if b <= t:
        return
    glass = img[t:b].astype(np.float32)
    glass = glass * 0.88 + np.array([18, 16, 8], np.float32)  # cool tint, lower contrast
    yy, xx = np.mgrid[0 : b - t, 0:w].astype(np.float32)
    for _ in range(int(rng.integers(1, 4))):
        x0 = float(rng.uniform(0, w))
        slope = float(rng.uniform(0.2, 0.6))
        width = float(rng.uniform(0.01, 0.05)) * w
        d = (xx - x0 - yy * slope) / width
        glass += np.exp(-d * d)[:, :, None] * float(rng.uniform(70, 160))
    if rng.random() < 0.6:  # a faint mirror image of the aisle behind the camera
        refl = cv2.GaussianBlur(img[t:b, ::-1], (0, 0), 6).astype(np.float32)
        glass = glass * 0.85 + refl * 0.15
    img[t:b] = np.clip(glass, 0, 255).astype(np.uint8)
    for x in frames_px:
        cv2.rectangle(img, (x - frame_w // 2, t), (x + frame_w // 2, b), (70, 70, 75), -1)
        cv2.line(
            img, (x - frame_w // 4, t), (x - frame_w // 4, b), (160, 160, 165), max(1, frame_w // 8)
        )
