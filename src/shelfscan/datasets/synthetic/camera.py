"""Phone-camera effects with named, dialable amounts, applied to image and boxes alike.

Geometry (rotation, keystone, lens distortion) is fully determined by the
``CameraEffects`` values and the image size, so ``transform_points`` moves any point
exactly as ``apply_camera`` moves pixels; the frame is zoomed just enough that no
empty border shows. Photometric effects (glare, shadow, motion direction) draw their
placement from the ``rng``. ``CameraEffects()`` is the identity.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from shelfscan.types import Detections

MIN_VISIBLE = 0.3  # boxes less visible than this after clipping to the frame are dropped


@dataclass(frozen=True)
class CameraEffects:
    """Amounts of each effect; the defaults change nothing.

    Attributes:
        blur_sigma: Gaussian defocus blur, pixels.
        motion_blur_px: length of a linear motion-blur kernel, pixels.
        exposure_gain: brightness multiplier (1 = unchanged).
        gamma: tone curve ``out = in ** gamma`` on [0, 1] values (1 = unchanged).
        tilt_deg: camera roll, degrees counter-clockwise.
        perspective: keystone in [-1, 1]: > 0 narrows the top of the frame content
            (camera tilted up), < 0 the bottom; 1 narrows it by 25 %.
        lens_k1: radial distortion coefficient (> 0 barrel-like, < 0 pincushion-like).
        glare: 0..1 strength of a specular hot spot.
        shadow: 0..1 darkening of a soft-edged half of the frame.
        white_balance: -1 (cold, blue) .. 1 (warm, orange) colour cast.
        noise_sigma: Gaussian sensor noise, 8-bit intensity units.
        jpeg_quality: 0 = no compression, else JPEG quality 1..100.
        yaw: horizontal keystone in [-1, 1] (an oblique, sideways view): > 0 shrinks
            the left side of the frame content, < 0 the right; 1 shrinks it by 25 %.
    """

    blur_sigma: float = 0.0
    motion_blur_px: float = 0.0
    exposure_gain: float = 1.0
    gamma: float = 1.0
    tilt_deg: float = 0.0
    perspective: float = 0.0
    lens_k1: float = 0.0
    glare: float = 0.0
    shadow: float = 0.0
    white_balance: float = 0.0
    noise_sigma: float = 0.0
    jpeg_quality: int = 0
    yaw: float = 0.0

    @property
    def has_geometry(self) -> bool:
        return bool(self.tilt_deg or self.perspective or self.lens_k1 or self.yaw)


def random_effects(
    rng: np.random.Generator, strength: float = 0.5, oblique: float = 0.0
) -> CameraEffects:
    """Random effects for training variety; ``strength`` 0 = none, 1 = harsh.

    ``oblique`` > 0 adds sideways (yaw) and low or high (stronger keystone) viewpoints;
    those values are drawn after all others, so ``oblique=0`` gives the same effects as
    before the option existed.
    """
    s = float(np.clip(strength, 0.0, 1.0))
    if s == 0:
        return CameraEffects()
    base = _random_effects(rng, s)
    if oblique <= 0:
        return base
    o = float(np.clip(oblique, 0.0, 1.0))
    yaw = float(rng.uniform(-1, 1)) * o if rng.random() < 0.6 else 0.0
    low = float(rng.uniform(-1, 1)) * o if rng.random() < 0.3 else base.perspective
    return replace(base, yaw=yaw, perspective=float(np.clip(low, -1, 1)))


def _random_effects(rng: np.random.Generator, s: float) -> CameraEffects:

    def maybe(p: float, lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi)) if rng.random() < p else 0.0

    return CameraEffects(
        blur_sigma=maybe(0.4, 0.3 * s, 1.8 * s),
        motion_blur_px=maybe(0.2, 2.0 * s, 12.0 * s),
        exposure_gain=float(rng.uniform(1 - 0.4 * s, 1 + 0.3 * s)),
        gamma=float(rng.uniform(1 - 0.25 * s, 1 + 0.35 * s)),
        tilt_deg=float(rng.uniform(-5, 5) * s),
        perspective=float(rng.uniform(-0.6, 0.6) * s),
        lens_k1=float(rng.uniform(-0.12, 0.12) * s),
        glare=maybe(0.3, 0.2 * s, 0.8 * s),
        shadow=maybe(0.3, 0.1 * s, 0.7 * s),
        white_balance=float(rng.uniform(-0.6, 0.6) * s),
        noise_sigma=float(rng.uniform(0, 7 * s)),
        jpeg_quality=int(rng.integers(round(95 - 55 * s), 98)) if rng.random() < 0.8 else 0,
    )


# -- geometry -----------------------------------------------------------------
def _homography(e: CameraEffects, size: tuple[int, int]) -> np.ndarray:
    """Rotation + keystone, zoomed about the centre so the frame stays covered."""
    w, h = size
    k = float(np.clip(e.perspective, -1, 1)) * 0.25 * w / 2
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    top, bot = max(k, 0.0), max(-k, 0.0)
    ky = float(np.clip(e.yaw, -1, 1)) * 0.25 * h / 2
    left, right = max(ky, 0.0), max(-ky, 0.0)
    dst = np.array(
        [[top, left], [w - top, right], [w - bot, h - right], [bot, h - left]], np.float32
    )
    hk = np.asarray(cv2.getPerspectiveTransform(src, dst), np.float64)
    rot = np.eye(3)
    rot[:2] = cv2.getRotationMatrix2D((w / 2, h / 2), e.tilt_deg, 1.0)
    hm = rot @ hk
    inv = np.linalg.inv(hm)

    def covered(s: float) -> bool:
        z_inv = np.array(
            [[1 / s, 0, w / 2 * (1 - 1 / s)], [0, 1 / s, h / 2 * (1 - 1 / s)], [0, 0, 1]]
        )
        p = np.c_[src, np.ones(4)] @ (inv @ z_inv).T
        p = p[:, :2] / p[:, 2:]
        return bool(np.all((p >= -0.5) & (p <= [w + 0.5, h + 0.5])))

    lo, hi = 1.0, 4.0
    if not covered(lo):
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if covered(mid) else (mid, hi)
        lo = hi
    zoom = np.array([[lo, 0, w / 2 * (1 - lo)], [0, lo, h / 2 * (1 - lo)], [0, 0, 1]])
    out: np.ndarray = zoom @ hm
    return out


def _lens_norm(size: tuple[int, int]) -> tuple[float, float, float]:
    w, h = size
    return w / 2, h / 2, float(np.hypot(w / 2, h / 2))


def _lens_src(dst: np.ndarray, k1: float, size: tuple[int, int]) -> np.ndarray:
    """Source position sampled for each destination point (N, 2)."""
    cx, cy, r0 = _lens_norm(size)
    d = (dst - [cx, cy]) / r0
    f = (1 + k1 * (d * d).sum(-1, keepdims=True)) / (1 + max(k1, 0.0))
    return np.asarray(d * f * r0 + [cx, cy])


def _lens_fwd(src: np.ndarray, k1: float, size: tuple[int, int]) -> np.ndarray:
    """Inverse of ``_lens_src`` by fixed-point iteration."""
    cx, cy, r0 = _lens_norm(size)
    s = (src - [cx, cy]) / r0
    d = s.copy()
    for _ in range(20):
        d = s * (1 + max(k1, 0.0)) / (1 + k1 * (d * d).sum(-1, keepdims=True))
    return np.asarray(d * r0 + [cx, cy])


def transform_points(
    points: np.ndarray, effects: CameraEffects, size: tuple[int, int]
) -> np.ndarray:
    """Where ``apply_camera`` moves each point. (N, 2) pixels in, (N, 2) pixels out."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if not effects.has_geometry or len(pts) == 0:
        return pts.astype(np.float32)
    hm = _homography(effects, size)
    p = np.c_[pts, np.ones(len(pts))] @ hm.T
    p = p[:, :2] / p[:, 2:]
    if effects.lens_k1:
        p = _lens_fwd(p, effects.lens_k1, size)
    return np.asarray(p, np.float32)


def _outlines(boxes: np.ndarray, effects: CameraEffects, size: tuple[int, int]) -> np.ndarray:
    """(N, 32, 2) moved outlines of (N, 4) boxes, 8 samples per edge, clockwise."""
    t = np.linspace(0, 1, 8, endpoint=False)
    x1, y1, x2, y2 = (boxes[:, i : i + 1] for i in range(4))
    xs = np.concatenate([x1 + (x2 - x1) * t, x2 + 0 * t, x2 - (x2 - x1) * t, x1 + 0 * t], 1)
    ys = np.concatenate([y1 + 0 * t, y1 + (y2 - y1) * t, y2 + 0 * t, y2 - (y2 - y1) * t], 1)
    moved = transform_points(np.stack([xs, ys], -1).reshape(-1, 2), effects, size)
    return moved.reshape(len(boxes), -1, 2).astype(np.float64)


def transform_boxes(xyxy: np.ndarray, effects: CameraEffects, size: tuple[int, int]) -> np.ndarray:
    """Bounding boxes of the moved outlines of (N, 4) boxes (not clipped to the frame)."""
    boxes = np.asarray(xyxy, np.float64).reshape(-1, 4)
    if not effects.has_geometry or len(boxes) == 0:
        return boxes.astype(np.float32)
    moved = _outlines(boxes, effects, size)
    return np.concatenate([moved.min(1), moved.max(1)], 1).astype(np.float32)


def _clip_polygon(poly: np.ndarray, w: int, h: int) -> np.ndarray:
    """Sutherland-Hodgman clip of an (M, 2) polygon to [0, w] x [0, h]."""
    for axis, bound, keep_low in (
        (0, 0.0, False),
        (0, float(w), True),
        (1, 0.0, False),
        (1, float(h), True),
    ):
        if len(poly) == 0:
            break
        v = poly[:, axis] - bound
        inside = v <= 0 if keep_low else v >= 0
        nxt = np.roll(poly, -1, axis=0)
        vn = np.roll(v, -1)
        out: list[np.ndarray] = []
        for i in range(len(poly)):
            if inside[i]:
                out.append(poly[i])
            if inside[i] != inside[(i + 1) % len(poly)]:
                t = v[i] / (v[i] - vn[i])
                out.append(poly[i] + t * (nxt[i] - poly[i]))
        poly = np.array(out).reshape(-1, 2)
    return poly


def _area(poly: np.ndarray) -> float:
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def move_detections(
    dets: Detections,
    effects: CameraEffects,
    size: tuple[int, int],
    min_visible: float = MIN_VISIBLE,
) -> Detections:
    """Move boxes with the camera geometry: each becomes the bounding box of the part of
    its moved outline inside the frame; boxes less than ``min_visible`` inside are dropped."""
    if not effects.has_geometry or len(dets) == 0:
        return dets
    w, h = size
    moved = _outlines(dets.xyxy.astype(np.float64), effects, size)
    boxes = np.zeros((len(dets), 4), np.float32)
    keep = np.zeros(len(dets), bool)
    for k, poly in enumerate(moved):
        inside = (
            (poly[:, 0] >= 0).all()
            and (poly[:, 0] <= w).all()
            and (poly[:, 1] >= 0).all()
            and (poly[:, 1] <= h).all()
        )
        part = poly if inside else _clip_polygon(poly, w, h)
        if len(part) < 3 or _area(part) < min_visible * max(_area(poly), 1e-9):
            continue
        boxes[k] = [*part.min(0), *part.max(0)]
        keep[k] = True
    boxes = np.clip(boxes, 0, [w, h, w, h]).astype(np.float32)  # float error at the edges
    return dets.with_boxes(boxes)[keep]


def clip_visible(
    dets: Detections, width: int, height: int, min_visible: float = MIN_VISIBLE
) -> Detections:
    """Clip boxes to the frame; drop those with less than ``min_visible`` of their area inside."""
    if len(dets) == 0:
        return dets
    b = dets.xyxy
    area = (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)
    c = np.clip(b, 0, [width, height, width, height]).astype(np.float32)
    vis = (c[:, 2] - c[:, 0]).clip(0) * (c[:, 3] - c[:, 1]).clip(0)
    keep = (area > 0) & (vis >= min_visible * area)
    return dets.with_boxes(c)[keep]


def _warp(img: np.ndarray, e: CameraEffects) -> np.ndarray:
    h, w = img.shape[:2]
    if e.tilt_deg or e.perspective or e.yaw:
        img = cv2.warpPerspective(
            img,
            _homography(e, (w, h)),
            (w, h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
    if e.lens_k1:  # the map is smooth: compute it on a coarse grid and upsample
        step = 8
        gx, gy = np.meshgrid(
            np.arange(0, w + step, step, dtype=np.float64),
            np.arange(0, h + step, step, dtype=np.float64),
        )
        src = _lens_src(np.stack([gx, gy], -1).reshape(-1, 2), e.lens_k1, (w, h))
        sx = src[:, 0].reshape(gx.shape).astype(np.float32)
        sy = src[:, 1].reshape(gx.shape).astype(np.float32)
        up = np.array([[1 / step, 0, 0], [0, 1 / step, 0]])  # pixel (x, y) -> grid (x/8, y/8)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        mx = cv2.warpAffine(sx, up, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
        my = cv2.warpAffine(sy, up, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
        img = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return img


# -- photometry -----------------------------------------------------------------
def _light(img: np.ndarray, e: CameraEffects, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    wb = float(np.clip(e.white_balance, -1, 1))
    gains = np.array([1 - 0.25 * wb, 1.0, 1 + 0.25 * wb]) * e.exposure_gain
    out = img
    if e.shadow > 0 or e.glare > 0:
        out = img.astype(np.float32)
    if e.shadow > 0:
        ang = rng.uniform(0, 2 * np.pi)
        gx = np.linspace(-1, 1, w, dtype=np.float32)[None, :] * np.float32(np.cos(ang))
        gy = np.linspace(-1, 1, h, dtype=np.float32)[:, None] * np.float32(np.sin(ang))
        off = np.float32(rng.uniform(-0.4, 0.4))
        soft = 1 / (1 + np.exp(-(gx + gy - off) * 12))
        out = cv2.multiply(out, cv2.merge([1 - np.float32(0.7 * e.shadow) * soft] * 3))
    if e.glare > 0:
        cx, cy = rng.uniform(0.15, 0.85) * w, rng.uniform(0.1, 0.7) * h
        r = rng.uniform(0.08, 0.2) * min(w, h)
        yy = np.exp(-(((np.arange(h, dtype=np.float32) - cy) / r) ** 2))
        xx = np.exp(-(((np.arange(w, dtype=np.float32) - cx) / (r * 1.6)) ** 2))
        blob = np.outer(yy, xx).astype(np.float32) * np.float32(
            255 * 0.95 * e.glare / e.exposure_gain
        )
        out = cv2.add(out, cv2.merge([blob] * 3))
    if out.dtype != np.uint8:
        out = out.clip(0, 255).astype(np.uint8)
    # exposure, white balance and gamma in one per-channel lookup table
    x = np.arange(256, dtype=np.float64)[:, None] * gains[None, :] / 255.0
    lut = (np.clip(x, 0, 1) ** e.gamma * 255).round().astype(np.uint8)
    return cv2.LUT(out, lut.reshape(1, 256, 3))


def _degrade(img: np.ndarray, e: CameraEffects, rng: np.random.Generator) -> np.ndarray:
    if e.blur_sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), e.blur_sigma)
    if e.motion_blur_px >= 1:
        n = max(2, round(e.motion_blur_px))
        k = np.zeros((n, n), np.float32)
        k[n // 2] = 1.0 / n
        rot = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), float(rng.uniform(0, 180)), 1.0)
        kern = np.asarray(cv2.warpAffine(k, rot, (n, n)), np.float32)
        img = cv2.filter2D(img, -1, kern / max(float(kern.sum()), 1e-6))
    if e.noise_sigma > 0:
        # OpenCV's generator is much faster than numpy's here; seed it from ``rng``
        cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
        noise = np.empty((img.shape[0], img.size // img.shape[0]), np.int16)  # one channel
        cv2.randn(noise, np.zeros(1), np.full(1, float(e.noise_sigma)))
        noisy = img.astype(np.int16) + noise.reshape(img.shape)
        img = noisy.clip(0, 255).astype(np.uint8)
    if e.jpeg_quality > 0:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(e.jpeg_quality)])
        decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
        if decoded is not None:
            img = np.asarray(decoded)
    return img


def apply_camera(
    image: np.ndarray, detections: Detections, effects: CameraEffects, rng: np.random.Generator
) -> tuple[np.ndarray, Detections]:
    """Photograph ``image``: returns the new image and the boxes moved the same way."""
    if effects == CameraEffects():
        return image.copy(), detections
    h, w = image.shape[:2]
    img = _warp(image, effects)
    dets = detections
    if effects.has_geometry and len(dets):
        dets = move_detections(dets, effects, (w, h))
    img = _light(img, effects, rng)
    img = _degrade(img, effects, rng)
    return img, dets
