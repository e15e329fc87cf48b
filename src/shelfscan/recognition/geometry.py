"""Geometric verification of a facing against a candidate SKU's reference images.

Two packs of one SKU carry the same print on their brand band (the top of the pack, above
the health warning, see ``verify.UPPER_FRACTION``), whatever warning picture sits below it.
So the band of a facing and the band of a reference of its SKU share many local features
in one planar arrangement, and once one band is warped onto the other by that homography
the two look alike pixel for pixel. A pack of another variant of the same brand shares the
logo (features, homography) but not its colours or the variant's own print; a pack of
another brand shares neither.

Per (facing, reference): SIFT keypoints on the grey band at ``BAND_WIDTH`` pixels wide,
Lowe's ratio test, a RANSAC homography (reference -> facing), then

- ``inliers``: the homography's inlier count (0 when none is found);
- ``aligned``: the normalised cross-correlation of the two colour bands (CIE Lab, each
  channel zero-mean, the three pooled) over the part of the facing the warped reference
  covers (-1 when there is no homography or it covers too little).

A candidate is *confirmed* when ``inliers >= min_inliers`` and ``aligned >= min_aligned``
(``GeometryConfig``). Pure functions over arrays; OpenCV does the features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
BAND_WIDTH = 256  # pixels: bands are matched at this width (height keeps the aspect)
RATIO = 0.75  # Lowe's ratio test (Lowe 2004)
RANSAC_PX = 5.0  # reprojection error (pixels at BAND_WIDTH) of a homography inlier
MIN_COVER = 0.25  # share of the facing band the warped reference must cover
MAX_FEATURES = 500  # strongest SIFT keypoints kept per band
MIN_MATCHES = 4  # a homography needs four point pairs
# Decision values, picked on synthetic catalog seed 101 by the rule in
# scripts/eval_recognition.py --calibrate-geometry (never on real photos).
MIN_INLIERS = 8
MIN_ALIGNED = 0.55
ACCEPT = 0.91
# A facing band narrower than this (pixels, before resizing) is not judged: matching it
# at BAND_WIDTH would mean more than 2x upscaling, and a print that small has lost the
# detail geometry needs (fixed in advance, not calibrated).
MIN_NATIVE_WIDTH = BAND_WIDTH // 2


@dataclass(frozen=True)
class BandFeatures:
    """One band: its colour image at ``BAND_WIDTH``, SIFT keypoints (K, 2) and
    descriptors (K, 128), and its width before resizing (pixels)."""

    image: Image
    points: npt.NDArray[np.float32]
    descriptors: npt.NDArray[np.float32]
    native_width: int = BAND_WIDTH

    def __len__(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class Match:
    """A facing against one reference: homography inliers and aligned similarity."""

    inliers: int
    aligned: float


NO_MATCH = Match(0, -1.0)


@dataclass(frozen=True)
class GeometryConfig:
    """``min_inliers`` / ``min_aligned``: what confirms a candidate; ``accept``: the mean
    of the four cues from which the best confirmed candidate is taken. A facing band is
    judged (else geometry abstains) when it is at least ``MIN_NATIVE_WIDTH`` pixels wide
    and has ``min_inliers`` keypoints."""

    min_inliers: int = MIN_INLIERS
    min_aligned: float = MIN_ALIGNED
    accept: float = ACCEPT

    def judges(self, facing: BandFeatures) -> bool:
        return facing.native_width >= MIN_NATIVE_WIDTH and len(facing) >= self.min_inliers

    def confirms(self, match: Match) -> bool:
        return match.inliers >= self.min_inliers and match.aligned >= self.min_aligned


def band(region: Image, width: int = BAND_WIDTH) -> Image:
    """A band (already cut from the crop) resized to ``width`` pixels, aspect kept."""
    h, w = region.shape[:2]
    height = max(1, round(h * width / max(w, 1)))
    interp = cv2.INTER_AREA if w > width else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(region, (width, height), interpolation=interp), np.uint8)


_SIFT: list[cv2.SIFT] = []


def _sift() -> cv2.SIFT:
    if not _SIFT:
        _SIFT.append(cv2.SIFT.create(nfeatures=MAX_FEATURES))
    return _SIFT[0]


def no_features(native_width: int) -> BandFeatures:
    """A band with no keypoints (never judged), for a facing not worth matching."""
    return BandFeatures(
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((0, 2), np.float32),
        np.zeros((0, 128), np.float32),
        native_width,
    )


def band_features(region: Image) -> BandFeatures:
    """SIFT features of one band region (BGR, any size; resized to ``BAND_WIDTH``)."""
    image = band(region)
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    keypoints, desc = _sift().detectAndCompute(grey, None)
    width = int(region.shape[1])
    if desc is None or not len(keypoints):
        none = np.zeros((0, 2), np.float32)
        return BandFeatures(image, none, np.zeros((0, 128), np.float32), width)
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
    return BandFeatures(image, points, np.asarray(desc, np.float32), width)


def ratio_matches(
    query: npt.NDArray[np.float32], train: npt.NDArray[np.float32], ratio: float = RATIO
) -> npt.NDArray[np.int64]:
    """(M, 2) index pairs (query row, train row) passing the ratio test; (0, 2) when
    either side has fewer than two descriptors."""
    if len(query) < 1 or len(train) < 2:
        return np.zeros((0, 2), np.int64)
    d2 = (query * query).sum(1)[:, None] + (train * train).sum(1)[None, :] - 2.0 * (query @ train.T)
    nearest = np.argpartition(d2, 1, axis=1)[:, :2]
    rows = np.arange(len(query))
    a, b = d2[rows, nearest[:, 0]], d2[rows, nearest[:, 1]]
    first = np.where(a <= b, nearest[:, 0], nearest[:, 1])
    d1, d2nd = np.sqrt(np.maximum(np.minimum(a, b), 0)), np.sqrt(np.maximum(np.maximum(a, b), 0))
    keep = d1 < ratio * d2nd
    return np.stack([rows[keep], first[keep]], axis=1).astype(np.int64)


def aligned_similarity(facing: Image, warped: Image, cover: npt.NDArray[np.bool_]) -> float:
    """Normalised cross-correlation of two same-size BGR images in Lab over ``cover``
    (each channel zero-mean, the three pooled); -1 where ``cover`` is under
    ``MIN_COVER`` of the image or either side is flat."""
    if cover.mean() < MIN_COVER:
        return -1.0
    a = cv2.cvtColor(facing, cv2.COLOR_BGR2LAB)[cover].astype(np.float32)
    b = cv2.cvtColor(warped, cv2.COLOR_BGR2LAB)[cover].astype(np.float32)
    a -= a.mean(axis=0)
    b -= b.mean(axis=0)
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float((a * b).sum() / norm) if norm > 1e-6 else -1.0


def match(facing: BandFeatures, reference: BandFeatures) -> Match:
    """Inliers and aligned similarity of ``reference`` warped onto ``facing``."""
    pairs = ratio_matches(facing.descriptors, reference.descriptors)
    if len(pairs) < MIN_MATCHES:
        return NO_MATCH
    dst = facing.points[pairs[:, 0]]
    src = reference.points[pairs[:, 1]]
    homography, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX)
    if homography is None or mask is None:
        return NO_MATCH
    h, w = facing.image.shape[:2]
    warped = cv2.warpPerspective(reference.image, homography, (w, h))
    ones = np.full(reference.image.shape[:2], 255, np.uint8)
    cover = cv2.warpPerspective(ones, homography, (w, h), flags=cv2.INTER_NEAREST) > 0
    return Match(int(mask.sum()), aligned_similarity(facing.image, np.asarray(warped), cover))


def best_match(facing: BandFeatures, references: Sequence[BandFeatures]) -> Match:
    """The reference with the most inliers (ties: the higher aligned similarity)."""
    found = [match(facing, r) for r in references]
    return max(found, key=lambda m: (m.inliers, m.aligned), default=NO_MATCH)
