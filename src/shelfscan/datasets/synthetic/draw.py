"""Drawing primitives for packshots: pack silhouettes, labels, logos, shading.

Pure numpy + OpenCV (Hershey fonts), so no font or image files are needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from .products import SkuSpec

Bgr = tuple[int, int, int]

_SILVER: Bgr = (200, 200, 205)
_GLASS: Bgr = (215, 225, 225)


def fit_text(
    img: np.ndarray,
    text: str,
    box: tuple[int, int, int, int],
    color: Bgr,
    font: int = cv2.FONT_HERSHEY_DUPLEX,
    thickness_ratio: float = 0.09,
) -> None:
    """Draw ``text`` centred in ``box`` (x1, y1, x2, y2), as large as fits."""
    x1, y1, x2, y2 = box
    bw, bh = x2 - x1, y2 - y1
    if bw < 3 or bh < 3 or not text:
        return
    (tw, th), base = cv2.getTextSize(text, font, 1.0, 1)
    scale = min(bw / max(tw, 1), bh / max(th + base, 1))
    if scale * th < 2.5:  # too small to read: draw a print-like smudge line
        cy = (y1 + y2) // 2
        cv2.line(img, (x1 + bw // 8, cy), (x2 - bw // 8, cy), color, 1, cv2.LINE_AA)
        return
    thick = max(1, round(scale * th * thickness_ratio))
    (tw, th), base = cv2.getTextSize(text, font, scale, thick)
    org = (x1 + (bw - tw) // 2, y1 + (bh + th) // 2 - base // 3)
    cv2.putText(img, text, org, font, scale, color, thick, cv2.LINE_AA)


def _rounded_rect(mask: np.ndarray, box: tuple[int, int, int, int], r: int) -> None:
    x1, y1, x2, y2 = box
    r = max(0, min(r, (x2 - x1) // 2, (y2 - y1) // 2))
    cv2.rectangle(mask, (x1 + r, y1), (x2 - r, y2), 255, -1)
    cv2.rectangle(mask, (x1, y1 + r), (x2, y2 - r), 255, -1)
    if r > 0:
        for cx, cy in ((x1 + r, y1 + r), (x2 - r, y1 + r), (x1 + r, y2 - r), (x2 - r, y2 - r)):
            cv2.circle(mask, (cx, cy), r, 255, -1, cv2.LINE_AA)


def _silhouette(shape: str, w: int, h: int) -> tuple[np.ndarray, tuple[int, int, int, int], int]:
    """Mask of the pack, its label area (x1, y1, x2, y2) and the cap height (0 if none)."""
    m = np.zeros((h, w), np.uint8)
    cap = 0
    if shape == "bottle":
        neck_w, cap = max(2, int(w * 0.36)), max(2, int(h * 0.07))
        shoulder, body_top = int(h * 0.2), int(h * 0.32)
        nx1 = (w - neck_w) // 2
        cv2.rectangle(m, (nx1, 0), (nx1 + neck_w, shoulder), 255, -1)
        poly = np.array(
            [[nx1, shoulder], [nx1 + neck_w, shoulder], [w - 1, body_top], [0, body_top]]
        )
        cv2.fillConvexPoly(m, poly.astype(np.int32), 255, cv2.LINE_AA)
        _rounded_rect(m, (0, body_top, w - 1, h - 1), max(1, w // 10))
        label = (0, int(h * 0.42), w - 1, int(h * 0.86))
    elif shape == "tube":
        cap = max(2, int(h * 0.1))
        cv2.rectangle(m, (int(w * 0.2), 0), (int(w * 0.8), cap), 255, -1)
        _rounded_rect(m, (0, cap, w - 1, h - 1), max(1, w // 6))
        label = (0, int(h * 0.22), w - 1, int(h * 0.95))
    elif shape == "can":
        _rounded_rect(m, (0, 0, w - 1, h - 1), max(1, w // 9))
        label = (0, int(h * 0.08), w - 1, int(h * 0.92))
    elif shape == "jar":
        cap = max(2, int(h * 0.16))
        _rounded_rect(m, (int(w * 0.06), 0, int(w * 0.94), cap + 2), max(1, w // 20))
        _rounded_rect(m, (0, cap, w - 1, h - 1), max(1, w // 7))
        label = (0, int(h * 0.3), w - 1, int(h * 0.86))
    elif shape == "bag":
        _rounded_rect(m, (0, int(h * 0.04), w - 1, h - 1), max(1, w // 12))
        teeth = max(3, w // 8)
        xs = np.linspace(0, w - 1, teeth * 2 + 1)
        ys = np.where(np.arange(len(xs)) % 2 == 0, 0, int(h * 0.05))
        pts = np.concatenate([np.stack([xs, ys], 1), [[w - 1, int(h * 0.1)], [0, int(h * 0.1)]]])
        cv2.fillPoly(m, [pts.astype(np.int32)], 255, cv2.LINE_AA)
        label = (0, int(h * 0.08), w - 1, h - 1)
    else:  # box, multipack
        cv2.rectangle(m, (0, 0), (w - 1, h - 1), 255, -1)
        label = (0, 0, w - 1, h - 1)
    return m, label, cap


def _logo(img: np.ndarray, kind: str, box: tuple[int, int, int, int], fill: Bgr, edge: Bgr) -> None:
    x1, y1, x2, y2 = box
    cx, cy, rx, ry = (x1 + x2) // 2, (y1 + y2) // 2, max(1, (x2 - x1) // 2), max(1, (y2 - y1) // 2)
    if kind == "circle":
        r = min(rx, ry)
        cv2.circle(img, (cx, cy), r, fill, -1, cv2.LINE_AA)
        cv2.circle(img, (cx, cy), r, edge, max(1, r // 10), cv2.LINE_AA)
    elif kind == "diamond":
        pts = np.array([[cx, y1], [x2, cy], [cx, y2], [x1, cy]], np.int32)
        cv2.fillConvexPoly(img, pts, fill, cv2.LINE_AA)
        cv2.polylines(img, [pts], True, edge, max(1, ry // 8), cv2.LINE_AA)
    elif kind == "banner":
        cv2.rectangle(img, (x1, y1 + ry // 3), (x2, y2 - ry // 3), fill, -1)
        cv2.rectangle(img, (x1, y1 + ry // 3), (x2, y2 - ry // 3), edge, max(1, ry // 8))
    elif kind == "star":
        ang = np.linspace(0, 2 * np.pi, 17)[:-1] - np.pi / 2
        rad = np.where(np.arange(16) % 2 == 0, 1.0, 0.78)
        pts = np.stack([cx + rx * rad * np.cos(ang), cy + ry * rad * np.sin(ang)], 1)
        cv2.fillPoly(img, [pts.astype(np.int32)], fill, cv2.LINE_AA)
    else:  # ellipse
        cv2.ellipse(img, (cx, cy), (rx, ry), 0, 0, 360, fill, -1, cv2.LINE_AA)
        cv2.ellipse(img, (cx, cy), (rx, ry), 0, 0, 360, edge, max(1, ry // 8), cv2.LINE_AA)


def _contrast(img: np.ndarray, box: tuple[int, int, int, int]) -> Bgr:
    """Near-black or near-white, whichever reads better on the box's mean colour."""
    x1, y1, x2, y2 = box
    patch = img[max(0, y1) : max(y1 + 1, y2), max(0, x1) : max(x1 + 1, x2)]
    if patch.size == 0:
        return (250, 250, 250)
    b, g, r = patch.reshape(-1, 3).mean(0)
    return (20, 20, 20) if 0.114 * b + 0.587 * g + 0.299 * r > 140 else (250, 250, 250)


def _label(img: np.ndarray, spec: SkuSpec, box: tuple[int, int, int, int]) -> None:
    st = spec.style
    x1, y1, x2, y2 = box
    lw, lh = x2 - x1, y2 - y1
    img[y1:y2, x1:x2] = st.primary
    if st.layout == "band":
        cv2.rectangle(img, (x1, y1 + int(lh * 0.55)), (x2, y1 + int(lh * 0.8)), st.secondary, -1)
    elif st.layout == "split":
        pts = np.array([[x1, y1 + int(lh * 0.75)], [x2, y1 + int(lh * 0.5)], [x2, y2], [x1, y2]])
        cv2.fillConvexPoly(img, pts.astype(np.int32), st.secondary, cv2.LINE_AA)
    elif st.layout == "stripes":
        sw = max(1, lw // 9)
        cv2.rectangle(img, (x1, y1), (x1 + sw, y2), st.secondary, -1)
        cv2.rectangle(img, (x2 - sw, y1), (x2, y2), st.secondary, -1)
    else:  # frame
        t = max(1, min(lw, lh) // 14)
        cv2.rectangle(img, (x1 + t, y1 + t), (x2 - t, y2 - t), st.secondary, t)
    # variant colour: a band across the lower label, the main cue between brand siblings
    vy1, vy2 = y1 + int(lh * 0.8), y1 + int(lh * 0.92)
    cv2.rectangle(img, (x1, vy1), (x2, vy2), spec.variant_color, -1)
    # logo with the brand name
    ly1, ly2 = y1 + int(lh * 0.08), y1 + int(lh * (0.34 if lh > lw else 0.42))
    lx1, lx2 = x1 + int(lw * 0.06), x2 - int(lw * 0.06)
    _logo(img, st.logo, (lx1, ly1, lx2, ly2), st.accent, st.secondary)
    pad = (lx2 - lx1) // 7
    fit_text(img, st.name, (lx1 + pad, ly1, lx2 - pad, ly2), st.text, st.font)
    # product picture: a round "serving" blob in the variant colour
    py1, py2 = ly2 + int(lh * 0.03), y1 + int(lh * 0.55)
    r = max(1, min(lw // 5, (py2 - py1) // 2))
    cv2.circle(img, (x1 + lw // 2, (py1 + py2) // 2), r, spec.variant_color, -1, cv2.LINE_AA)
    cv2.circle(
        img,
        (x1 + lw // 2 - r // 3, (py1 + py2) // 2 - r // 3),
        max(1, r // 3),
        (255, 255, 255),
        -1,
        cv2.LINE_AA,
    )
    vbox = (x1 + lw // 10, y1 + int(lh * 0.57), x2 - lw // 10, y1 + int(lh * 0.76))
    fit_text(img, spec.variant, vbox, _contrast(img, vbox), st.font)
    sbox = (x1 + lw // 4, vy1, x2 - lw // 4, vy2)
    fit_text(
        img,
        spec.size_text,
        sbox,
        _contrast(img, sbox),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.12,
    )


def _shade(img: np.ndarray, mask: np.ndarray, shape: str) -> np.ndarray:
    h, w = mask.shape
    x = (np.arange(w, dtype=np.float32) + 0.5) / w * 2 - 1
    if shape in ("bottle", "can", "jar", "tube"):
        prof = 0.5 + 0.5 * np.sqrt(np.clip(1 - x * x, 0, 1))
        prof += 0.35 * np.exp(-(((x + 0.45) / 0.09) ** 2))  # specular stripe
    elif shape == "bag":
        prof = 0.75 + 0.25 * np.sqrt(np.clip(1 - x * x, 0, 1))
        prof += 0.15 * np.exp(-(((x - 0.3) / 0.2) ** 2))
    else:
        prof = 1.0 - 0.18 * np.abs(x) ** 6
    y = np.linspace(1.04, 0.9, h, dtype=np.float32)
    f = y[:, None] * prof[None, :].astype(np.float32)
    out = img.astype(np.float32) * f[:, :, None]
    # darker rim along the silhouette, as real packs curve away from the light
    edge = cv2.blur(mask, (3, 3)).astype(np.float32) / 255.0
    out *= (0.55 + 0.45 * edge)[:, :, None]
    shaded: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
    return shaded


def render_body(spec: SkuSpec, w: int, h: int, panel: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Packshot of ``spec`` at exactly ``w`` x ``h`` pixels: (bgr, mask); ``panel``: the
    health-warning design of a tobacco pack (``spec.warning_pool`` > 0)."""
    mask, label, cap = _silhouette(spec.shape, w, h)
    st = spec.style
    body: Bgr = st.primary
    if spec.shape == "bottle" and st.category in ("beverages", "household"):
        body = tuple(
            int(0.5 * a + 0.5 * b) for a, b in zip(_GLASS, spec.variant_color, strict=True)
        )  # type: ignore[assignment]
    img = np.empty((h, w, 3), np.uint8)
    img[:] = body
    if cap:
        img[:cap] = spec.cap_color
    if spec.shape == "can":
        rim = max(1, h // 22)
        img[:rim] = _SILVER
        img[h - rim :] = _SILVER
    if spec.warning_pool:
        from .tobacco import draw_front

        draw_front(img, spec, label, panel % spec.warning_pool)
    else:
        _label(img, spec, label)
    if spec.shape == "multipack":
        n = 3 if w / h < 1.6 else 4
        for i in range(1, n):
            x = i * w // n
            cv2.line(img, (x, int(h * 0.45)), (x, h - 1), st.secondary, max(1, w // 90))
        hy = max(2, h // 14)
        cv2.ellipse(
            img,
            (w // 2, hy + 1),
            (max(2, w // 10), max(1, hy // 2)),
            0,
            0,
            360,
            (40, 40, 40),
            -1,
            cv2.LINE_AA,
        )
    if spec.shape == "box" and h > 30:
        img[: max(1, h // 40)] = np.clip(np.array(st.primary) * 1.25, 0, 255).astype(np.uint8)
    img = _shade(img, mask, spec.shape)
    return img, mask
