"""Register overlapping shots of one bay, left to right, into the first shot's frame.

First choice: ORB features + RANSAC homography between neighbouring shots (copes with a
small change of angle between shots). Fallback when features fail (plain packaging,
blur): phase correlation of the downscaled shots, a pure translation. Shots that share
nothing get no transform: the caller reports them as not overlapping.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Matrix = npt.NDArray[np.float64]

WORK_WIDTH = 960  # shots are matched at this width
MIN_INLIERS = 30  # a match with fewer RANSAC inliers needs SURE_AGREEMENT
MIN_HYPOTHESIS_INLIERS = 12


@dataclass(frozen=True)
class PairMatch:
    """How shot ``i + 1`` maps into shot ``i``: 3x3 ``homography`` (right -> left pixels)."""

    homography: Matrix
    method: str  # "features" | "translation"
    inliers: int
    overlap: float  # share of the left shot's width that the right shot covers


def _gray(image: Image) -> tuple[Image, float]:
    scale = min(1.0, WORK_WIDTH / image.shape[1])
    small = image
    if scale < 1:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        small = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
    if small.ndim == 3:
        small = np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), np.uint8)
    return small, scale


def _scaled(h: Matrix, s_left: float, s_right: float) -> Matrix:
    """Homography between work copies -> between full-resolution shots."""
    a = np.diag([1 / s_left, 1 / s_left, 1.0])
    b = np.diag([s_right, s_right, 1.0])
    out: Matrix = a @ h @ b
    return np.asarray(out / out[2, 2], np.float64)


def map_boxes(xyxy: npt.NDArray[np.float64], h: Matrix) -> npt.NDArray[np.float64]:
    """(N, 4) boxes through homography ``h``: bounding box of the 4 mapped corners."""
    if len(xyxy) == 0:
        return np.zeros((0, 4))
    x1, y1, x2, y2 = xyxy.T
    corners = np.stack([np.c_[x1, y1], np.c_[x2, y1], np.c_[x2, y2], np.c_[x1, y2]], axis=1)
    mapped = cv2.perspectiveTransform(corners.reshape(1, -1, 2).astype(np.float64), h)
    m = mapped.reshape(-1, 4, 2)
    out = np.c_[m[..., 0].min(1), m[..., 1].min(1), m[..., 0].max(1), m[..., 1].max(1)]
    return np.asarray(out, np.float64)


def overlap_share(h: Matrix, left_size: tuple[int, int], right_size: tuple[int, int]) -> float:
    """Share of the left shot's width covered by the right shot mapped through ``h``."""
    _w, hh = right_size
    corners = np.array([[0, 0], [0, hh]], np.float64)
    mapped = cv2.perspectiveTransform(corners[None], h)[0]
    left_edge = float(mapped[:, 0].mean())
    return float(np.clip((left_size[0] - left_edge) / left_size[0], 0.0, 1.0))


def _plausible(h: Matrix, left_size: tuple[int, int], right_size: tuple[int, int]) -> bool:
    """Moves right, keeps scale within 0.7..1.4 and stays nearly level."""
    w, hh = right_size
    corners = np.array([[0, 0], [w, 0], [w, hh], [0, hh]], np.float64)
    m = cv2.perspectiveTransform(corners[None], h)[0]
    width = (m[1, 0] - m[0, 0] + m[2, 0] - m[3, 0]) / 2 / w
    height = (m[3, 1] - m[0, 1] + m[2, 1] - m[1, 1]) / 2 / hh
    shift = (m[0, 0] + m[3, 0]) / 2
    share = overlap_share(h, left_size, right_size)
    drift = abs(float(m[:, 1].mean()) - hh / 2)  # shots of one bay share a height
    return bool(
        0.8 < width < 1.25
        and 0.8 < height < 1.25
        and shift > 0
        and 0.03 < share < 0.97
        and drift < 0.25 * hh
    )


def match_features(left: Image, right: Image) -> PairMatch | None:
    """ORB + ratio test + RANSAC homography (right -> left), or None when unreliable."""
    gl, sl = _gray(left)
    gr, sr = _gray(right)
    orb = cv2.ORB_create(  # type: ignore[attr-defined]
        nfeatures=3000, fastThreshold=10
    )
    kl, dl = orb.detectAndCompute(gl, None)
    kr, dr = orb.detectAndCompute(gr, None)
    if dl is None or dr is None or len(kl) < MIN_INLIERS or len(kr) < MIN_INLIERS:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(dr, dl, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.75 * p[1].distance]
    if len(good) < MIN_INLIERS:
        return None
    src = np.array([kr[m.queryIdx].pt for m in good], np.float32)
    dst = np.array([kl[m.trainIdx].pt for m in good], np.float32)
    lsize, rsize = (left.shape[1], left.shape[0]), (right.shape[1], right.shape[0])
    best: tuple[float, PairMatch] | None = None
    for h, inliers in _hypotheses(src, dst):
        full = _scaled(h, sl, sr)
        if not _plausible(full, lsize, rsize):
            continue
        score = agreement(gl, gr, h)
        if inliers < MIN_INLIERS and score < SURE_AGREEMENT:
            continue  # few matches: accept only a near-perfect pixel agreement
        if best is None or score > best[0]:
            best = (score, PairMatch(full, "features", inliers, overlap_share(full, lsize, rsize)))
        if score >= SURE_AGREEMENT:
            break
    return None if best is None or best[0] < MIN_AGREEMENT else best[1]


def _hypotheses(
    src: npt.NDArray[np.float32], dst: npt.NDArray[np.float32], tries: int = 8
) -> Iterator[tuple[Matrix, int]]:
    """Up to ``tries`` candidate homographies, each from matches the earlier ones left.

    Shelves repeat the same pack, so the strongest consensus can be off by one pack (the
    caller keeps the candidate whose warped pixels agree best with the left shot); a
    similarity (shift, small rotation and zoom) is found first for robustness, then a
    homography is fitted to its inliers.
    """
    for similarity_first in (True, False):
        left = np.ones(len(src), bool)
        for _ in range(tries if similarity_first else 3):
            if left.sum() < MIN_HYPOTHESIS_INLIERS:
                break
            found = _fit(src[left], dst[left], similarity_first)
            if found is None:
                break
            h, inl = found
            yield h, int(inl.sum())
            left[np.flatnonzero(left)[inl]] = False


def _fit(
    src: npt.NDArray[np.float32], dst: npt.NDArray[np.float32], similarity_first: bool
) -> tuple[Matrix, npt.NDArray[np.bool_]] | None:
    if similarity_first:
        sim, mask = cv2.estimateAffinePartial2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=8.0, maxIters=4000
        )
    else:
        sim, mask = cv2.findHomography(src, dst, cv2.RANSAC, 5.0, maxIters=4000)
    if sim is None or mask is None or int(mask.sum()) < MIN_HYPOTHESIS_INLIERS:
        return None
    inl = mask.ravel().astype(bool)
    h, _ = cv2.findHomography(src[inl], dst[inl], 0)
    if h is None:
        h = sim if sim.shape == (3, 3) else np.vstack([sim, [0, 0, 1]])
    return np.asarray(h, np.float64), inl


MIN_AGREEMENT = 0.5  # normalised cross-correlation in the overlap to accept a match
SURE_AGREEMENT = 0.95  # ... and to stop looking for a better one


def agreement(left: Image, right: Image, h: Matrix) -> float:
    """Normalised cross-correlation of ``right`` warped by ``h`` with ``left`` where they
    overlap (work copies); 1 = identical content."""
    size = (left.shape[1], left.shape[0])
    warped = cv2.warpPerspective(right, h, size).astype(np.float32)
    mask = cv2.warpPerspective(np.ones(right.shape[:2], np.uint8), h, size) > 0
    mask = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    if mask.sum() < 100:
        return -1.0
    a, b = left.astype(np.float32)[mask], warped[mask]
    a, b = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else -1.0


def match_translation(left: Image, right: Image, min_response: float = 0.08) -> PairMatch | None:
    """Phase correlation (a pure shift) for shots where features fail, or None."""
    gl, sl = _gray(left)
    gr, sr = _gray(right)
    if gl.shape != gr.shape or abs(sl - sr) > 1e-6:
        return None
    win = cv2.createHanningWindow((gl.shape[1], gl.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(gr.astype(np.float32), gl.astype(np.float32), win)
    if response < min_response:
        return None
    h = np.array([[1, 0, -dx], [0, 1, -dy], [0, 0, 1]], np.float64)
    full = _scaled(h, sl, sr)
    lsize, rsize = (left.shape[1], left.shape[0]), (right.shape[1], right.shape[0])
    if not _plausible(full, lsize, rsize):
        return None
    return PairMatch(full, "translation", 0, overlap_share(full, lsize, rsize))


def match_pair(left: Image, right: Image) -> PairMatch | None:
    """Features first, then phase correlation; None when the shots do not overlap."""
    return match_features(left, right) or match_translation(left, right)


def chain(pairs: list[Matrix]) -> list[Matrix]:
    """Pairwise right -> left homographies -> each shot -> first shot's frame."""
    out = [np.eye(3)]
    for h in pairs:
        m = out[-1] @ h
        out.append(m / m[2, 2])
    return out


def render_panorama(images: list[Image], to_bay: list[Matrix]) -> Image:
    """Warp every shot into the first shot's frame on one canvas (later shots on top)."""
    corners = []
    for img, h in zip(images, to_bay, strict=True):
        ih, iw = img.shape[:2]
        c = np.array([[[0, 0], [iw, 0], [iw, ih], [0, ih]]], np.float64)
        corners.append(cv2.perspectiveTransform(c, h)[0])
    pts = np.concatenate(corners)
    x0, y0 = np.floor(pts.min(axis=0))
    x1, y1 = np.ceil(pts.max(axis=0))
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]])
    size = (int(x1 - x0), int(y1 - y0))
    canvas = np.zeros((size[1], size[0], 3), np.uint8)
    for img, h in zip(images, to_bay, strict=True):
        warped = cv2.warpPerspective(img, shift @ h, size)
        mask = cv2.warpPerspective(np.full(img.shape[:2], 255, np.uint8), shift @ h, size)
        canvas[mask > 0] = warped[mask > 0]
    return canvas


def register_bay(images: list[Image]) -> tuple[list[Matrix | None], str]:
    """Pairwise registrations of shots taken left to right, and the method used overall:
    "features", "translation", "mixed" or "none" (no pair overlaps)."""
    matches = [match_pair(a, b) for a, b in itertools.pairwise(images)]
    methods = {m.method for m in matches if m is not None}
    method = "none" if not methods else methods.pop() if len(methods) == 1 else "mixed"
    return [None if m is None else m.homography for m in matches], method
