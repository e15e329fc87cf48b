"""Photo-quality gate: is this photo good enough to count a shelf from?

Every check works on one small downscaled grey copy (``work_size`` pixels on the long
side), so scores mean the same at any resolution and the gate stays fast on 12 MP photos.
Each check returns a score, pass/fail and a plain-language hint for the rep.

Checks: sharpness, exposure (under/over), glare, tilt and keystone (from shelf-edge and
upright lines found with a Hough transform), distance (median facing size, needs the
detections) and a *warning-only* check for photos of a screen or a print (moire peaks in
the spectrum, a dark uniform bezel around the picture).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from shelfscan.config import load_section
from shelfscan.errors import ImageError
from shelfscan.imaging.phash import phash
from shelfscan.types import CLASS_PRODUCT, Detections

Image = npt.NDArray[np.uint8]
Gray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class QualitySettings:
    """Gate thresholds; the config file's ``[quality]`` table uses these names."""

    work_size: int = 800  # long side of the analysed copy, pixels
    min_sharpness: float = 0.62  # 0 = fully blurred .. 1 = crisp (re-blur ratio)
    # worst of four directions (re-blur ratio along each, 1 = as crisp as a typical photo):
    # motion blur smears one direction only, which the overall ratio under-rates
    min_directional_sharpness: float = 0.64
    min_brightness: float = 0.22  # mean luminance, 0..1
    max_brightness: float = 0.80
    max_dark_share: float = 0.45  # share of pixels near black
    max_clipped_share: float = 0.20  # share of pixels blown out to white
    max_glare: float = 0.55  # share of a glare cell blown out (worst of a 6x6 grid)
    max_tilt_deg: float = 3.5  # roll of the shelf edges from horizontal
    max_keystone_deg: float = 9.0  # convergence of uprights across the frame
    max_fan_deg: float = 12.0  # spread of shelf-edge slopes from top to bottom: oblique view
    min_orientation: float = 0.9  # row/column edge peakiness ratio below this: turned 90 deg
    min_facing_share: float = 0.02  # median facing width / photo width: smaller = too far
    max_facing_share: float = 0.40  # larger = too close
    moire_ratio: float = 9.0  # spectral peak / background: higher = looks like a screen
    enabled: bool = True
    strict: bool = False  # a failed gate refuses the photo instead of warning


def load_quality_settings(path: Path | None = None, **overrides: Any) -> QualitySettings:
    """Defaults < ``[quality]`` table of the config file < ``SHELFSCAN_QUALITY_<NAME>``
    env vars < ``overrides`` (None means not given)."""
    return load_section(QualitySettings, "quality", path, overrides)


@dataclass(frozen=True)
class Check:
    """One check: ``score`` in the check's own unit, pass/fail and a hint when it fails."""

    name: str
    score: float
    passed: bool
    hint: str = ""
    warning_only: bool = False  # failing it warns but does not fail the gate

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": round(float(self.score), 4),
            "passed": self.passed,
            "hint": self.hint,
            "warning_only": self.warning_only,
        }


@dataclass(frozen=True)
class QualityReport:
    """Every check of one photo; ``passed`` when no blocking check failed."""

    checks: tuple[Check, ...]
    elapsed_ms: float = 0.0
    phash: int | None = None  # perceptual hash (see ``imaging.phash``)

    @property
    def passed(self) -> bool:
        return all(c.passed or c.warning_only for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed and not c.warning_only]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def hints(self) -> list[str]:
        return [c.hint for c in self.checks if not c.passed and c.hint]

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def with_checks(self, *checks: Check) -> QualityReport:
        return replace(self, checks=(*self.checks, *checks))

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "hints": self.hints,
            "checks": [c.to_dict() for c in self.checks],
            "elapsed_ms": round(self.elapsed_ms, 2),
            "phash": None if self.phash is None else f"{self.phash:016x}",
        }


def work_copy(image: Image, size: int) -> Gray:
    """Grey float32 copy with long side ``size`` (never upscaled). (H, W, 3|1) -> (h, w)."""
    if image.ndim == 3 and image.shape[2] == 3:
        small = _shrink(image, size)
        gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    elif image.ndim == 2:
        gray = _shrink(image, size)
    else:
        raise ValueError(f"expected a (H, W, 3) BGR or (H, W) grey image, got shape {image.shape}")
    return np.asarray(gray, np.float32) / 255.0


def _shrink(image: Image, size: int) -> Image:
    h, w = image.shape[:2]
    scale = size / max(h, w)
    if scale >= 1:
        return image
    out = (max(1, round(w * scale)), max(1, round(h * scale)))
    # Area averaging costs ~30 ms on 12 MP; bilinear sampling is ~10x cheaper for big steps.
    method = cv2.INTER_AREA if scale >= 0.5 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(image, out, interpolation=method), np.uint8)


# -- checks -----------------------------------------------------------------------------


def sharpness(gray: Gray) -> float:
    """Re-blur ratio (after Crete et al.): how much gradient a further blur removes.

    Crisp photos lose most of their fine gradients when blurred again (score near 1);
    already blurred photos lose little (score near 0). Independent of content contrast.
    """
    if gray.size == 0:
        return 0.0
    blurred = cv2.blur(gray, (9, 9))
    score = 1.0
    for axis in (0, 1):  # the blurrier direction counts: motion blur smears one way
        d_f = np.abs(np.diff(gray, axis=axis))
        d_b = np.abs(np.diff(blurred, axis=axis))
        total = float(d_f.sum())
        if total <= 1e-6:
            return 0.0
        lost = float(np.maximum(d_f - d_b, 0).sum())
        score = min(score, lost / total)
    return score


# Directions (degrees counter-clockwise from horizontal, as the line kernel is rotated):
# the pixel step (dy, dx) along each, image rows pointing down, and the re-blur ratio a
# crisp shelf photo typically has along it (median of good photos of synthetic tuning
# scenes, seeds 9000-9039; diagonal steps are longer and rotated kernels softer, so their
# ratio is lower). Dividing by it puts the four directions on one scale.
_DIRECTIONS = {0: ((0, 1), 0.718), 45: ((1, -1), 0.610), 90: ((1, 0), 0.653), 135: ((1, 1), 0.610)}
_LINE_TAPS = 5


@functools.cache
def _line_kernel(degrees: int) -> npt.NDArray[np.float32]:
    """Normalised ``_LINE_TAPS``-pixel line through the centre at ``degrees``."""
    n = _LINE_TAPS
    k = np.zeros((n, n), np.float32)
    k[n // 2] = 1.0
    rot = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), float(degrees), 1.0)
    line = np.asarray(cv2.warpAffine(k, rot, (n, n)), np.float32)
    return np.asarray(line / float(line.sum()), np.float32)


def _step_diff(img: Gray, dy: int, dx: int) -> Gray:
    """|img(p + (dy, dx)) - img(p)| over the pixels where both exist."""
    h, w = img.shape
    if dx >= 0:
        diff = img[dy:, dx:] - img[: h - dy, : w - dx]
    else:
        diff = img[dy:, : w + dx] - img[: h - dy, -dx:]
    return np.asarray(np.abs(diff), np.float32)


def directional_sharpness(gray: Gray) -> float:
    """Worst of the re-blur ratios along 0, 45, 90 and 135 degrees, each over its typical
    value for a crisp photo (about 1 = crisp, lower = detail lost along that direction).

    Blurring again *along* a direction removes little gradient *along* it when the photo is
    already smeared that way (the camera moved), whatever the other directions show.
    """
    if gray.shape[0] < _LINE_TAPS or gray.shape[1] < _LINE_TAPS:
        return 0.0
    worst = np.inf
    for degrees, ((dy, dx), typical) in _DIRECTIONS.items():
        d_f = _step_diff(gray, dy, dx)
        total = float(d_f.sum())
        if total <= 1e-6:
            return 0.0
        reblurred = np.asarray(cv2.filter2D(gray, -1, _line_kernel(degrees)), np.float32)
        lost = float(np.maximum(d_f - _step_diff(reblurred, dy, dx), 0).sum())
        worst = min(worst, lost / total / typical)
    return float(worst)


def check_sharpness(gray: Gray, s: QualitySettings) -> Check:
    """Overall re-blur ratio (the reported score) and the worst direction must both pass."""
    score = sharpness(gray)
    ok = score >= s.min_sharpness and directional_sharpness(gray) >= s.min_directional_sharpness
    return Check("sharpness", score, ok, "hold the phone still and tap to focus")


def check_exposure(gray: Gray, s: QualitySettings) -> list[Check]:
    mean = float(gray.mean()) if gray.size else 0.0
    dark = float((gray < 0.08).mean()) if gray.size else 1.0
    clipped = float((gray > 0.97).mean()) if gray.size else 0.0
    under = mean < s.min_brightness or dark > s.max_dark_share
    over = mean > s.max_brightness or clipped > s.max_clipped_share
    return [
        Check("underexposed", mean, not under, "too dark: turn on more light or use the flash"),
        Check("overexposed", clipped, not over, "too bright: step out of direct light"),
    ]


def check_glare(gray: Gray, s: QualitySettings, grid: int = 6) -> Check:
    """Worst share of blown-out pixels in any cell of a ``grid`` x ``grid`` split."""
    h, w = gray.shape
    if h < grid or w < grid:
        return Check("glare", 0.0, True)
    ch, cw = h // grid, w // grid
    hot = gray[: ch * grid, : cw * grid] > 0.97
    cells = hot.reshape(grid, ch, grid, cw).mean(axis=(1, 3))
    worst = float(cells.max())
    return Check("glare", worst, worst <= s.max_glare, "glare: change your angle to the lights")


def edge_orientations(
    gray: Gray, keep: float = 0.12
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Strong edge pixels: (N,) x in [-0.5, 0.5], (N,) edge-line angle in degrees
    (0 = horizontal, positive = counter-clockwise, folded into [-90, 90)) and (N,) strength.

    A Hough transform over the gradients: every strong edge pixel votes for the direction
    of the line through it. Keeps the top ``keep`` share of pixels by gradient strength.
    """
    small = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.abs(gx) + np.abs(gy)
    if not mag.any():
        empty = np.zeros(0, np.float32)
        return empty, empty, empty
    cut = float(np.quantile(mag[::4, ::4], 1 - keep))
    ys, xs = np.nonzero(mag > max(cut, 1e-3))
    gxs, gys = gx[ys, xs], gy[ys, xs]
    ang = np.degrees(np.arctan2(gxs, gys))  # line direction is perpendicular to the gradient
    ang = (ang + 90) % 180 - 90
    x = xs.astype(np.float32) / small.shape[1] - 0.5
    return x, ang.astype(np.float32), mag[ys, xs]


def _edge_ys(gray: Gray, keep: float = 0.12) -> tuple[npt.NDArray[np.float32], ...]:
    """Strong near-horizontal edge pixels: (N,) y in [-0.5, 0.5], (N,) angle, (N,) strength
    (the same half-size Sobel copy as ``edge_orientations``)."""
    small = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.abs(gx) + np.abs(gy)
    empty = np.zeros(0, np.float32)
    if not mag.any():
        return empty, empty, empty
    cut = float(np.quantile(mag[::4, ::4], 1 - keep))
    ys, xs = np.nonzero(mag > max(cut, 1e-3))
    ang = (np.degrees(np.arctan2(gx[ys, xs], gy[ys, xs])) + 90) % 180 - 90
    horiz = np.abs(ang) < 30
    y = ys[horiz].astype(np.float32) / small.shape[0] - 0.5
    return y, ang[horiz].astype(np.float32), mag[ys, xs][horiz]


def shelf_fan(gray: Gray) -> float:
    """How much the slope of the shelf edges changes from the top of the frame to the
    bottom, in degrees. Shelf edges of a bay seen from the side converge on a vanishing
    point beside the photo: the top ones slope one way, the bottom ones the other (a
    roll tilts them all alike, a frontal view keeps them parallel). 0 when too few edges.
    """
    y, ang, w = _edge_ys(gray)
    if len(y) < 200:
        return 0.0
    bins = np.clip(((y + 0.5) * 6).astype(int), 0, 5)
    centres, medians = [], []
    for b in range(6):
        sel = bins == b
        if sel.sum() >= 30:
            centres.append((b + 0.5) / 6 - 0.5)
            medians.append(_weighted_median(ang[sel].astype(np.float64), w[sel].astype(np.float64)))
    if len(centres) < 3:
        return 0.0
    return float(np.polyfit(centres, medians, 1)[0])


def orientation_score(gray: Gray) -> float:
    """Peakiness of the row profile of vertical gradients over that of the column profile
    of horizontal gradients. Shelf edges and price strips run across the whole photo, so
    an upright shelf photo peaks in its rows (>= 1 on every shared real photo); the same
    photo turned 90 degrees without EXIF peaks in its columns (< 1)."""

    def peaky(profile: npt.NDArray[np.float32]) -> float:
        p = np.convolve(profile, np.ones(3) / 3, "same")[2:-2]
        if len(p) == 0:
            return 1.0
        return float(np.percentile(p, 98) / max(float(np.median(p)), 1e-6))

    rows = np.abs(np.diff(gray, axis=0)).mean(axis=1)
    cols = np.abs(np.diff(gray, axis=1)).mean(axis=0)
    return peaky(rows) / max(peaky(cols), 1e-6)


def estimate_tilt(gray: Gray) -> tuple[float, float, int]:
    """(roll degrees, keystone degrees, number of horizontal edge pixels).

    Roll is the strength-weighted median angle of near-horizontal edges (shelf edges).
    Keystone is how the lean of near-vertical edges (uprights, product sides) changes
    across the frame width, in degrees from the left to the right edge: 0 when parallel,
    > 0 when the top of the shelf is narrower than the bottom (phone tipped up).
    """
    x, ang, w = edge_orientations(gray)
    horiz = np.abs(ang) < 15
    if horiz.sum() < 50:
        return 0.0, 0.0, int(horiz.sum())
    roll = _weighted_median(ang[horiz].astype(np.float64), w[horiz].astype(np.float64))
    vert = np.abs(ang) > 75
    keystone = 0.0
    if vert.sum() >= 200:
        lean = np.where(ang[vert] > 0, ang[vert] - 90, ang[vert] + 90) - roll
        bins = np.clip(((x[vert] + 0.5) * 6).astype(int), 0, 5)
        centres, medians = [], []
        for b in range(6):
            sel = bins == b
            if sel.sum() >= 30:
                centres.append((b + 0.5) / 6 - 0.5)
                medians.append(float(np.median(lean[sel])))
        if len(centres) >= 3:
            keystone = float(np.polyfit(centres, medians, 1)[0])
    return float(roll), keystone, int(horiz.sum())


def _weighted_median(values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])


def check_geometry(gray: Gray, s: QualitySettings) -> list[Check]:
    """Tilt, oblique view, keystone and a photo turned on its side.

    An oblique view fails ``oblique`` (step in front of the bay); its sloping shelf edges
    are then not blamed on the phone's roll, so ``tilt`` passes with the same score.
    """
    roll, keystone, _n = estimate_tilt(gray)
    fan = shelf_fan(gray)
    oblique = abs(fan) > s.max_fan_deg
    turned = orientation_score(gray)
    side = "left" if roll > 0 else "right"
    return [
        Check(
            "orientation",
            turned,
            turned >= s.min_orientation,
            "the photo is turned on its side: hold the phone upright (shelves run across)",
        ),
        Check(
            "oblique",
            fan,
            not oblique,
            "oblique view: step in front of the bay and face it square on",
        ),
        Check(
            "tilt",
            roll,
            oblique or abs(roll) <= s.max_tilt_deg,
            f"hold the phone level (shelf edges slope {abs(roll):.0f} deg, lower the {side} side)",
        ),
        Check(
            "perspective",
            abs(keystone),
            abs(keystone) <= s.max_keystone_deg,
            "face the shelf square on: hold the phone upright, not tipped up or down",
        ),
    ]


def check_distance(dets: Detections, width: int, s: QualitySettings) -> Check:
    """Median product facing width as a share of the photo width."""
    products = dets.of_class(CLASS_PRODUCT)
    if len(products) == 0 or width <= 0:
        return Check("distance", 0.0, True, warning_only=True)
    share = float(np.median(products.width)) / width
    if share < s.min_facing_share:
        return Check("distance", share, False, "too far: step one pace closer to the shelf")
    if share > s.max_facing_share:
        return Check("distance", share, False, "too close: step back one pace to show the shelf")
    return Check("distance", share, True)


@functools.cache
def _spectrum_masks(crop: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """Hann window and the high-frequency band (radius > 0.35 of Nyquist) for ``crop``."""
    window = np.outer(np.hanning(crop), np.hanning(crop)).astype(np.float32)
    yy, xx = np.mgrid[:crop, :crop]
    band = np.hypot(yy - crop / 2, xx - crop / 2) / (crop / 2) > 0.35
    return window, np.fft.ifftshift(band)  # the spectrum is left unshifted


def moire_score(gray: Gray, crop: int = 256) -> float:
    """Strongest isolated high-frequency spectral peak over the local background.

    Photos of screens and prints carry a fine periodic pattern (pixel grid, halftone),
    which shows up as sharp peaks far from the spectrum's centre.
    """
    h, w = gray.shape
    if min(h, w) < crop:
        crop = 1 << int(np.log2(max(8, min(h, w))))
    y0, x0 = (h - crop) // 2, (w - crop) // 2
    patch = gray[y0 : y0 + crop, x0 : x0 + crop]
    window, band = _spectrum_masks(crop)
    spec = cv2.dft((patch - patch.mean()) * window, flags=cv2.DFT_COMPLEX_OUTPUT)
    mag = cv2.log(cv2.magnitude(spec[..., 0], spec[..., 1]) + 1)
    background = cv2.blur(mag, (7, 7), borderType=cv2.BORDER_REFLECT)
    excess = float((mag - background)[band].max())
    noise = float(mag[band].std()) + 1e-6
    return excess / noise


def bezel_score(gray: Gray, band: float = 0.05) -> float:
    """How much the frame looks like a dark uniform bezel around a brighter picture (0..1)."""
    h, w = gray.shape
    bh, bw = max(2, int(h * band)), max(2, int(w * band))
    sides = [gray[:bh], gray[-bh:], gray[:, :bw], gray[:, -bw:]]
    inner = gray[bh:-bh, bw:-bw]
    if inner.size == 0:
        return 0.0
    dark_flat = [float(sd.mean()) < 0.15 and float(sd.std()) < 0.05 for sd in sides]
    contrast = float(inner.mean()) - max(float(sd.mean()) for sd in sides)
    return float(sum(dark_flat) / 4 if contrast > 0.15 else 0.0)


def check_recapture(gray: Gray, s: QualitySettings) -> Check:
    moire = moire_score(gray)
    bezel = bezel_score(gray)
    suspicious = moire > s.moire_ratio or bezel >= 0.75
    return Check(
        "screen",
        max(moire / s.moire_ratio, bezel),
        not suspicious,
        "looks like a photo of a screen or a print: photograph the real shelf",
        warning_only=True,
    )


@dataclass
class QualityGate:
    """Callable gate for the pipeline: ``gate(image)`` or ``gate(image, detections)``."""

    settings: QualitySettings = field(default_factory=QualitySettings)

    def __call__(self, image: Image, dets: Detections | None = None) -> QualityReport:
        return assess_quality(image, dets, self.settings)


def assess_quality(
    image: Image, dets: Detections | None = None, settings: QualitySettings | None = None
) -> QualityReport:
    """Run every check on a BGR (H, W, 3) uint8 photo; distance only when ``dets`` given."""
    s = settings or QualitySettings()
    t0 = time.perf_counter()
    gray = work_copy(image, s.work_size)
    checks = [check_sharpness(gray, s), *check_exposure(gray, s), check_glare(gray, s)]
    checks += [*check_geometry(gray, s), check_recapture(gray, s)]
    if dets is not None:
        checks.append(check_distance(dets, image.shape[1], s))
    value = phash(np.clip(gray * 255, 0, 255).astype(np.uint8))
    return QualityReport(tuple(checks), (time.perf_counter() - t0) * 1000, value)


@dataclass
class StrictQualityGate(QualityGate):
    """A gate that refuses failed photos (``ImageError``) instead of only warning."""

    def __call__(self, image: Image, dets: Detections | None = None) -> QualityReport:
        report = assess_quality(image, dets, self.settings)
        if not report.passed:
            raise ImageError(f"refused by the quality gate (strict): {summary(report)}")
        return report


def summary(report: QualityReport) -> str:
    """One line: the failed checks with their hints, or 'ok'."""
    if not report.warnings:
        return "ok"
    return "; ".join(f"{c.name} {c.score:.2f}: {c.hint}" for c in report.warnings)


def gate_for(settings: QualitySettings) -> QualityGate:
    return StrictQualityGate(settings) if settings.strict else QualityGate(settings)
