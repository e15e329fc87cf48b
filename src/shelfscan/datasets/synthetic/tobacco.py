"""Tobacco-like packs: a brand band on top, a health warning that changes per pack.

Real cigarette packs show the brand, its variant colour and a short variant word in
the top third; the rest of the front is a health warning (a photo and a text block)
drawn from a national pool, so two packs of one SKU on a shelf often show different
warnings. Variants of one brand share the layout, logo and often the band colour, and
differ only in a thin stripe, a short word ("SL", "BLUE") or a pale tint of the band
(white, cream, pale blue, silver). A recogniser trained on
packs with one fixed design learns to match the whole front, warning included.

The warning picture is drawn to be alike a photograph in its statistics (``_photo``: a
studio backdrop, sharp-edged occluding shapes of every size, a figure, at times bars),
not soft blurred blobs: an embedder trained to ignore blobs still matched real packs by
their warning photo (issue 13: two packs of one SKU with different photos scored lower
than two SKUs with the same photo).

``tobacco_catalog`` builds such SKUs (category ``tobacco``); ``draw_front`` paints one
front with warning ``panel`` (an index into the catalog's pool), and ``panel_for``
picks a pack's panel from a hash of its identity. Deterministic from the seeds.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import cv2
import numpy as np

from .draw import Bgr, fit_text

if TYPE_CHECKING:
    from .products import BrandStyle, SkuSpec

CATEGORY = "tobacco"
WARNING_POOL = 14  # warning designs per catalog
# variant words; near variants add a suffix to a sibling's word
_WORDS = ("RED", "BLUE", "SILVER", "GOLD", "ONE", "DUO", "ICE", "WHITE", "BLACK", "FRESH")
_SUFFIXES = ("SL", "SLIMS", "100", "XL", "NANO")
# band / stripe colours (BGR): the variant's colour language
_PALETTE: tuple[Bgr, ...] = (
    (40, 40, 200),  # red
    (170, 70, 20),  # blue
    (200, 200, 200),  # silver
    (60, 170, 210),  # gold
    (150, 60, 130),  # purple
    (60, 150, 60),  # green
    (230, 230, 230),  # white
    (35, 35, 35),  # black
    (200, 170, 90),  # light blue
    (90, 90, 90),  # grey
)
# pale band tints: variants of one brand often differ only by one of these (white "One",
# cream "Gold", pale blue "Blue", silver), a tint too faint to read as a hue
_PALE: tuple[Bgr, ...] = (
    (232, 232, 232),  # white
    (165, 212, 228),  # cream
    (228, 212, 188),  # pale blue
    (198, 198, 204),  # silver
    (200, 222, 214),  # pale green-grey
)
_TEXTS = ("SMOKING KILLS", "SMOKING HARMS", "QUIT NOW", "SMOKING CAUSES", "PROTECT CHILDREN")


def tobacco_palette(rng: np.random.Generator) -> Bgr:
    return _PALETTE[int(rng.integers(len(_PALETTE)))]


def make_variant(
    rng: np.random.Generator, brand: BrandStyle, siblings: list[SkuSpec]
) -> tuple[str, Bgr, Bgr]:
    """(variant word, top colour, stripe colour) of a new SKU of ``brand``.

    With ``siblings`` (earlier SKUs of the brand) a share are near variants of one of
    them: same top colour and word plus a suffix, or the same word family with only
    the stripe colour changed.
    """
    taken = {(s.variant, s.style.primary, s.variant_color) for s in siblings}
    for _ in range(20):  # never two identical SKUs
        look = _variant(rng, brand, siblings)
        if look not in taken:
            break
    return look


def _variant(
    rng: np.random.Generator, brand: BrandStyle, siblings: list[SkuSpec]
) -> tuple[str, Bgr, Bgr]:
    if siblings and rng.random() < 0.45:
        base = siblings[int(rng.integers(len(siblings)))]
        kind = rng.random()
        if kind < 0.35:
            word = f"{base.variant.split()[0]} {_SUFFIXES[int(rng.integers(len(_SUFFIXES)))]}"
            return word, base.style.primary, base.variant_color
        word = _WORDS[int(rng.integers(len(_WORDS)))]
        if kind < 0.7:
            return word, base.style.primary, tobacco_palette(rng)
        # another pale tint of the band, same stripe: the "One" / "Gold" / "Blue" family
        tints = [t for t in _PALE if t != base.style.primary]
        return word, tints[int(rng.integers(len(tints)))], base.variant_color
    r = rng.random()
    if r < 0.35:
        top = brand.primary
    elif r < 0.55:
        top = _PALE[int(rng.integers(len(_PALE)))]
    else:
        top = tobacco_palette(rng)
    return _WORDS[int(rng.integers(len(_WORDS)))], top, tobacco_palette(rng)


def panel_for(seed: int, key: tuple[int, ...], pool: int) -> int:
    """A pack's warning design: a hash of ``seed`` and ``key`` (not of draw order)."""
    return int(np.random.default_rng([seed, *key, 0x7AB]).integers(pool))


def _warning(img: np.ndarray, box: tuple[int, int, int, int], seed: int, panel: int) -> None:
    """Warning design ``panel`` of the pool of ``seed``: a photo-like picture + text."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    if w < 4 or h < 6:
        return
    r = np.random.default_rng([seed, panel, 0x3A7])
    text_share = float(r.uniform(0.25, 0.4))
    text_on_top = r.random() < 0.3
    th = max(2, round(h * text_share))
    if text_on_top:
        tbox, pbox = (x1, y1, x2, y1 + th), (x1, y1 + th, x2, y2)
    else:
        pbox, tbox = (x1, y1, x2, y2 - th), (x1, y2 - th, x2, y2)
    # the picture: a photograph in real pools (a face, a body, a hospital bed, prison
    # bars) on a plain studio backdrop, sharp-edged and high in contrast, so
    # ``_photo`` paints one that is alike in its statistics, not soft blobs
    px1, py1, px2, py2 = pbox
    img[py1:py2, px1:px2] = _photo(r, py2 - py1, px2 - px1)
    # the text block: black with white lines and one red line
    tx1, ty1, tx2, ty2 = tbox
    img[ty1:ty2, tx1:tx2] = (25, 25, 25) if r.random() < 0.8 else (240, 240, 240)
    dark = int(img[ty1, tx1, 0]) < 128
    lines = int(r.integers(2, 4))
    lh = (ty2 - ty1) / lines
    red_line = int(r.integers(lines))
    for i in range(lines):
        ink: Bgr = (40, 40, 230) if i == red_line else ((245, 245, 245) if dark else (20, 20, 20))
        text = _TEXTS[int(r.integers(len(_TEXTS)))] if i == 0 else "x" * int(r.integers(8, 16))
        ly1 = ty1 + round(i * lh)
        fit_text(img, text, (tx1 + w // 12, ly1, tx2 - w // 12, ly1 + round(lh)), ink, 0)


# studio backdrops of real warning pictures (BGR): orange, grey, teal, beige, black
_BACKDROPS: tuple[Bgr, ...] = (
    (40, 130, 235),
    (150, 150, 150),
    (150, 140, 60),
    (170, 200, 220),
    (30, 30, 30),
    (210, 210, 215),
)


def _skin(r: np.random.Generator) -> np.ndarray:
    """A skin tone (BGR), light to dark."""
    t = float(r.uniform(0.0, 1.0))
    light, dark = np.array([150.0, 185.0, 235.0]), np.array([45.0, 75.0, 120.0])
    return light * (1 - t) + dark * t + r.normal(0, 8, 3)


def _photo(r: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(h, w, 3) uint8 picture with the statistics of a warning photograph.

    A backdrop (a studio colour or a ramp), then occluding layers in the "dead leaves"
    manner (shapes of power-law sizes, so edges come at every scale: the statistics of
    natural images), a figure (head and shoulders in skin tones and dark clothes), and at
    times a repeated structure (bars, stripes). Edges stay sharp; only a slight blur,
    shading and grain are added, as a printed photograph shows them.
    """
    base = np.array(_BACKDROPS[int(r.integers(len(_BACKDROPS)))], np.float32)
    base = base + r.normal(0, 18, 3).astype(np.float32)
    pic = np.empty((h, w, 3), np.float32)
    pic[:] = base
    if r.random() < 0.5:  # a lit backdrop: brighter towards one corner
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = float(r.uniform(0, 2 * np.pi))
        ramp = (np.cos(a) * xx / max(w, 1) + np.sin(a) * yy / max(h, 1)).astype(np.float32)
        pic *= (0.75 + 0.5 * (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6))[..., None]
    side = max(h, w)
    for _ in range(int(r.integers(6, 20))):  # dead leaves: many small, a few large
        size = side * float(np.clip(0.04 * r.pareto(1.5) + 0.04, 0.03, 0.6))
        color = _skin(r) if r.random() < 0.35 else r.uniform(0, 255, 3)
        centre = (int(r.uniform(0, w)), int(r.uniform(0, h)))
        if r.random() < 0.5:
            axes = (max(1, int(size)), max(1, int(size * r.uniform(0.4, 1.0))))
            cv2.ellipse(pic, centre, axes, float(r.uniform(0, 180)), 0, 360, color.tolist(), -1)
        else:
            sides = (2 * size, 2 * size * float(r.uniform(0.3, 1.0)))
            box = cv2.boxPoints((centre, sides, float(r.uniform(0, 180)))).astype(np.int32)
            cv2.fillConvexPoly(pic, box, color.tolist(), cv2.LINE_AA)
    if r.random() < 0.8:  # a figure: shoulders (clothes) and a head
        cx, top = int(r.uniform(0.2, 0.8) * w), int(r.uniform(0.1, 0.5) * h)
        head = max(2, int(r.uniform(0.12, 0.3) * side))
        cloth = r.uniform(0, 90, 3) if r.random() < 0.6 else r.uniform(0, 255, 3)
        cv2.ellipse(
            pic, (cx, top + head * 3), (head * 2, head * 2), 0, 180, 360, cloth.tolist(), -1
        )
        cv2.rectangle(pic, (cx - head * 2, top + head * 3), (cx + head * 2, h), cloth.tolist(), -1)
        cv2.ellipse(
            pic, (cx, top + head), (int(head * 0.8), head), 0, 0, 360, _skin(r).tolist(), -1
        )
        hair = r.uniform(0, 70, 3)
        cv2.ellipse(
            pic,
            (cx, top + head // 2),
            (int(head * 0.85), head // 2),
            0,
            180,
            360,
            hair.tolist(),
            -1,
        )
    if r.random() < 0.3:  # bars or stripes in front
        n, vertical = int(r.integers(3, 8)), r.random() < 0.7
        ink = r.uniform(60, 200, 3).tolist()
        span = w if vertical else h
        t = max(1, int(span / n * r.uniform(0.15, 0.35)))
        for k in range(n):
            c = int((k + 0.5) * span / n)
            if vertical:
                cv2.rectangle(pic, (c - t // 2, 0), (c + t // 2, h), ink, -1)
            else:
                cv2.rectangle(pic, (0, c - t // 2), (w, c + t // 2), ink, -1)
    k = max(1, min(h, w) // 40) | 1  # print softness: a pixel or two, not a smear
    pic = cv2.GaussianBlur(pic, (k, k), 0).astype(np.float32)
    pic += r.normal(0, 5, (h, w, 1)).astype(np.float32)  # grain
    return np.clip(pic, 0, 255).astype(np.uint8)


def premium(spec: SkuSpec) -> bool:
    """Whether a pack wears the "premium" look: a pale band with only a thin dark script
    name, a small emblem and a hairline variant stripe (Davidoff, Vogue and the like).
    Half the brands (by a hash of the name), on their pale-band SKUs. Such a band
    carries little ink, so the warning photo below holds most of the pack's contrast:
    what a whole-crop embedder must learn to look past."""
    return spec.style.primary in _PALE and zlib.crc32(spec.brand.encode()) % 2 == 0


def draw_front(img: np.ndarray, spec: SkuSpec, box: tuple[int, int, int, int], panel: int) -> None:
    """Paint a tobacco front into ``box``: brand band on top, warning ``panel`` below."""
    x1, y1, x2, y2 = box
    top = y1 + round((y2 - y1) * (1.0 - spec.warning_share))
    img[y1:top, x1:x2] = spec.style.primary
    (_premium_band if premium(spec) else _bold_band)(img, spec, (x1, y1, x2, top))
    _warning(img, (x1, top, x2, y2), spec.warning_seed, panel)


def _bold_band(img: np.ndarray, spec: SkuSpec, box: tuple[int, int, int, int]) -> None:
    """The usual band: the brand's layout accents, a variant stripe, the logo with the
    brand name and the variant word."""
    from .draw import _contrast, _logo

    st = spec.style
    x1, y1, x2, top = box
    lw, bh = x2 - x1, top - y1
    # brand layout accents in the band
    if st.layout == "frame":
        t = max(1, min(lw, bh) // 14)
        cv2.rectangle(img, (x1 + t, y1 + t), (x2 - t, top - t), st.secondary, t)
    elif st.layout == "stripes":
        sw = max(1, lw // 10)
        cv2.rectangle(img, (x1, y1), (x1 + sw, top), st.secondary, -1)
    elif st.layout == "split":
        pts = np.array([[x1, y1 + int(bh * 0.8)], [x2, y1 + int(bh * 0.55)], [x2, top], [x1, top]])
        cv2.fillConvexPoly(img, pts.astype(np.int32), st.secondary, cv2.LINE_AA)
    # the variant stripe: thin, the main cue between near variants
    sy1, sy2 = y1 + int(bh * 0.78), y1 + int(bh * 0.92)
    cv2.rectangle(img, (x1, sy1), (x2, sy2), spec.variant_color, -1)
    # logo with the brand name
    ly1, ly2 = y1 + int(bh * 0.08), y1 + int(bh * 0.5)
    lx1, lx2 = x1 + int(lw * 0.08), x2 - int(lw * 0.08)
    _logo(img, st.logo, (lx1, ly1, lx2, ly2), st.accent, st.secondary)
    pad = (lx2 - lx1) // 8
    fit_text(img, st.name, (lx1 + pad, ly1, lx2 - pad, ly2), st.text, st.font)
    vbox = (x1 + lw // 5, y1 + int(bh * 0.52), x2 - lw // 5, y1 + int(bh * 0.76))
    fit_text(img, spec.variant, vbox, _contrast(img, vbox), st.font)


def _premium_band(img: np.ndarray, spec: SkuSpec, box: tuple[int, int, int, int]) -> None:
    """The premium band: ribbed when silver-grey, a small emblem top left, the brand in
    a thin script, the variant word small and grey, a hairline stripe."""
    x1, y1, x2, y2 = box
    lw, bh = x2 - x1, y2 - y1
    tone = np.array(spec.style.primary, np.float32)
    if float(tone.max() - tone.min()) < 12:  # neutral grey / white: a ribbed foil
        step = max(2, bh // 14)
        shade = tuple(int(v) for v in np.clip(tone - 22, 0, 255))
        for y in range(y1 + step // 2, y2, step):
            cv2.line(img, (x1, y), (x2 - 1, y), shade, max(1, step // 4), cv2.LINE_AA)
    ink: Bgr = (55, 55, 60)
    e = max(2, bh // 8)  # emblem: a ringed initial
    cx, cy = x1 + lw // 8 + e, y1 + bh // 8 + e
    cv2.circle(img, (cx, cy), e, ink, max(1, e // 5), cv2.LINE_AA)
    fit_text(img, spec.brand[:1], (cx - e, cy - e, cx + e, cy + e), ink, cv2.FONT_HERSHEY_PLAIN)
    name_box = (x1 + lw // 6, y1 + int(bh * 0.3), x2 - lw // 8, y1 + int(bh * 0.62))
    fit_text(
        img,
        spec.brand.title(),
        name_box,
        ink,
        cv2.FONT_HERSHEY_SCRIPT_SIMPLEX | cv2.FONT_ITALIC,
        thickness_ratio=0.05,
    )
    vbox = (x1 + lw // 3, y1 + int(bh * 0.64), x2 - lw // 3, y1 + int(bh * 0.8))
    fit_text(img, spec.variant, vbox, (120, 120, 125), cv2.FONT_HERSHEY_SIMPLEX, 0.06)
    sy = y1 + int(bh * 0.9)
    cv2.line(img, (x1, sy), (x2 - 1, sy), spec.variant_color, max(1, bh // 30), cv2.LINE_AA)


def glare(pic: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cellophane and acrylic-front reflections: bright soft bands and a hot spot."""
    h, w = mask.shape
    out = pic.astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(int(rng.integers(1, 3))):
        angle = float(rng.uniform(-0.6, 0.6))
        c = float(rng.uniform(0, 1)) * w
        width = max(1.0, float(rng.uniform(0.03, 0.15)) * w)
        d = (xx - c) * np.cos(angle) + (yy - h / 2) * np.sin(angle)
        out += np.exp(-((d / width) ** 2))[:, :, None] * float(rng.uniform(40, 140))
    if rng.random() < 0.5:
        cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
        rad = max(2.0, float(rng.uniform(0.1, 0.3)) * w)
        out += np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / rad**2))[:, :, None] * float(
            rng.uniform(60, 160)
        )
    res: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
    return res
