"""Tobacco-like packs: a brand band on top, a health warning that changes per pack.

Real cigarette packs show the brand, its variant colour and a short variant word in
the top third; the rest of the front is a health warning (a photo and a text block)
drawn from a national pool, so two packs of one SKU on a shelf often show different
warnings. Variants of one brand share the layout, logo and often the band colour, and
differ only in a thin stripe, a short word ("SL", "BLUE") or a pale tint of the band
(white, cream, pale blue, silver). A recogniser trained on
packs with one fixed design learns to match the whole front, warning included.

``tobacco_catalog`` builds such SKUs (category ``tobacco``); ``draw_front`` paints one
front with warning ``panel`` (an index into the catalog's pool), and ``panel_for``
picks a pack's panel from a hash of its identity. Deterministic from the seeds.
"""

from __future__ import annotations

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
    # the picture: a muted background, a few soft shapes (bodies, faces, organs)
    px1, py1, px2, py2 = pbox
    pw, ph = px2 - px1, py2 - py1
    base = r.uniform(40, 220, 3)
    pic = np.empty((ph, pw, 3), np.float32)
    ramp = np.linspace(0.7, 1.2, ph, dtype=np.float32)[:, None, None]
    pic[:] = base[None, None, :]
    pic *= ramp
    for _ in range(int(r.integers(2, 6))):
        skin = r.random() < 0.6
        color = (
            np.array([r.uniform(90, 170), r.uniform(120, 190), r.uniform(170, 240)])
            if skin
            else r.uniform(10, 250, 3)
        )
        centre = (int(r.uniform(0, pw)), int(r.uniform(0, ph)))
        axes = (max(1, int(r.uniform(0.15, 0.5) * pw)), max(1, int(r.uniform(0.1, 0.4) * ph)))
        cv2.ellipse(pic, centre, axes, float(r.uniform(0, 180)), 0, 360, color.tolist(), -1)
    k = max(1, min(pw, ph) // 10) | 1
    pic = cv2.GaussianBlur(pic, (k, k), 0).astype(np.float32)
    noise = r.normal(0, 6, (max(1, ph // 4), max(1, pw // 4), 3)).astype(np.float32)
    pic += cv2.resize(noise, (pw, ph), interpolation=cv2.INTER_LINEAR).reshape(ph, pw, 3)
    img[py1:py2, px1:px2] = np.clip(pic, 0, 255).astype(np.uint8)
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


def draw_front(img: np.ndarray, spec: SkuSpec, box: tuple[int, int, int, int], panel: int) -> None:
    """Paint a tobacco front into ``box``: brand band on top, warning ``panel`` below."""
    st = spec.style
    x1, y1, x2, y2 = box
    lw, lh = x2 - x1, y2 - y1
    top = y1 + round(lh * (1.0 - spec.warning_share))
    img[y1:top, x1:x2] = st.primary
    bh = top - y1
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
    from .draw import _contrast, _logo

    _logo(img, st.logo, (lx1, ly1, lx2, ly2), st.accent, st.secondary)
    pad = (lx2 - lx1) // 8
    fit_text(img, st.name, (lx1 + pad, ly1, lx2 - pad, ly2), st.text, st.font)
    vbox = (x1 + lw // 5, y1 + int(bh * 0.52), x2 - lw // 5, y1 + int(bh * 0.76))
    fit_text(img, spec.variant, vbox, _contrast(img, vbox), st.font)
    _warning(img, (x1, top, x2, y2), spec.warning_seed, panel)


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
