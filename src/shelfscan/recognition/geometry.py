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

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
BAND_WIDTH = 128  # pixels: bands are matched at this width (height keeps the aspect)
RATIO = 0.75  # Lowe's ratio test (Lowe 2004)
RANSAC_PX = 3.5  # reprojection error (pixels at BAND_WIDTH) of a homography inlier
MIN_COVER = 0.25  # share of the facing band the warped reference must cover
MAX_FEATURES = 500  # strongest SIFT keypoints kept per band
MIN_MATCHES = 4  # a homography needs four point pairs
# Decision values, picked on synthetic catalog seed 101 by the rule in
# scripts/eval_recognition.py --calibrate-geometry (never on real photos).
# these three re-picked for session 5 (tight crops, band cues; issue 13 s4: 6, 0.5, 0.88;
# before: 8, 0.55, 0.92)
MIN_INLIERS = 8
MIN_ALIGNED = 0.5
ACCEPT = 0.86
# A facing band narrower than this (pixels, before resizing) is not judged: a print that
# small has lost the detail geometry needs (fixed in advance, not calibrated).
MIN_NATIVE_WIDTH = 128


@dataclass(frozen=True)
class BandFeatures:
    """One band: its colour image at ``BAND_WIDTH``, SIFT keypoints (K, 2) and
    descriptors (K, 128), and its width before resizing (pixels)."""

    image: Image
    points: npt.NDArray[np.float32]
    descriptors: npt.NDArray[np.float32]
    native_width: int = BAND_WIDTH
    lab: npt.NDArray[np.float32] | None = None  # ``image`` in CIE Lab (computed once)

    def lab_image(self) -> npt.NDArray[np.float32]:
        return self.lab if self.lab is not None else to_lab(self.image)

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

    def may_accept(self, fused: float) -> bool:
        """Whether a candidate of this fused score can reach ``accept`` (the four-cue
        mean, with an aligned similarity of at most 1); else only its inliers matter."""
        return (3.0 * fused + 1.0) / 4.0 >= self.accept


def band(region: Image, width: int = BAND_WIDTH) -> Image:
    """A band (already cut from the crop) resized to ``width`` pixels, aspect kept."""
    h, w = region.shape[:2]
    height = max(1, round(h * width / max(w, 1)))
    interp = cv2.INTER_AREA if w > width else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(region, (width, height), interpolation=interp), np.uint8)


_LOCAL = threading.local()  # one SIFT detector per thread


def _sift() -> cv2.SIFT:
    sift: cv2.SIFT | None = getattr(_LOCAL, "sift", None)
    if sift is None:
        sift = cv2.SIFT.create(nfeatures=MAX_FEATURES)
        _LOCAL.sift = sift
    return sift


def no_features(native_width: int) -> BandFeatures:
    """A band with no keypoints (never judged), for a facing not worth matching."""
    return BandFeatures(
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((0, 2), np.float32),
        np.zeros((0, 128), np.float32),
        native_width,
    )


def to_lab(image: Image) -> npt.NDArray[np.float32]:
    """A BGR image in CIE Lab (OpenCV's 8-bit scaling), float32."""
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2LAB), np.float32)


def band_features(region: Image) -> BandFeatures:
    """SIFT features of one band region (BGR, any size; resized to ``BAND_WIDTH``)."""
    image = band(region)
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    keypoints, desc = _sift().detectAndCompute(grey, None)
    width = int(region.shape[1])
    if desc is None or not len(keypoints):
        none = np.zeros((0, 2), np.float32)
        return BandFeatures(image, none, np.zeros((0, 128), np.float32), width, to_lab(image))
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
    return BandFeatures(image, points, np.asarray(desc, np.float32), width, to_lab(image))


def ratio_matches(
    query: npt.NDArray[np.float32], train: npt.NDArray[np.float32], ratio: float = RATIO
) -> npt.NDArray[np.int64]:
    """(M, 2) index pairs (query row, train row) whose nearest train row (L2) is closer
    than ``ratio`` times the second nearest; (0, 2) when there is no query row or fewer
    than two train rows."""
    if len(query) < 1 or len(train) < 2:
        return np.zeros((0, 2), np.int64)
    found = cv2.BFMatcher(cv2.NORM_L2).knnMatch(query, train, k=2)
    pairs = [
        (m[0].queryIdx, m[0].trainIdx)
        for m in found
        if len(m) == 2 and m[0].distance < ratio * m[1].distance
    ]
    return np.array(pairs, np.int64).reshape(-1, 2)


def aligned_similarity(
    facing: Image | npt.NDArray[np.float32], warped: Image, cover: npt.NDArray[np.bool_]
) -> float:
    """Normalised cross-correlation of two same-size images in Lab over ``cover`` (each
    channel zero-mean, the three pooled); -1 where ``cover`` is under ``MIN_COVER`` of
    the image or either side is flat. ``facing``: BGR, or already Lab (float32)."""
    if cover.mean() < MIN_COVER:
        return -1.0
    lab = facing if facing.dtype == np.float32 else to_lab(np.asarray(facing, np.uint8))
    other = to_lab(warped)
    mask = cover.astype(np.uint8)
    mean_a, std_a = cv2.meanStdDev(lab, mask=mask)
    mean_b, std_b = cv2.meanStdDev(other, mask=mask)
    cross = np.asarray(cv2.mean(cv2.multiply(lab, other), mask=mask)[:3], np.float64)
    cov = float((cross - mean_a.ravel() * mean_b.ravel()).sum())
    norm = float(np.sqrt((std_a.ravel() ** 2).sum() * (std_b.ravel() ** 2).sum()))
    return cov / norm if norm > 1e-6 else -1.0


def _homography(
    facing: BandFeatures, reference: BandFeatures, pairs: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64] | None, int]:
    if len(pairs) < MIN_MATCHES:
        return None, 0
    dst = facing.points[pairs[:, 0]]
    src = reference.points[pairs[:, 1]]
    homography, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX)
    if homography is None or mask is None:
        return None, 0
    return np.asarray(homography, np.float64), int(mask.sum())


def match(
    facing: BandFeatures,
    reference: BandFeatures,
    min_inliers: int = MIN_MATCHES,
    pairs: npt.NDArray[np.int64] | None = None,
    align: bool = True,
) -> Match:
    """Inliers and aligned similarity of ``reference`` warped onto ``facing`` (the
    similarity only from ``min_inliers`` and with ``align``: -1 otherwise); ``pairs``:
    their ratio matches if already known. Fewer ratio matches than ``min_inliers``
    cannot give that many inliers: ``NO_MATCH`` without a homography."""
    if pairs is None:
        pairs = ratio_matches(facing.descriptors, reference.descriptors)
    if len(pairs) < min_inliers:
        return NO_MATCH
    homography, inliers = _homography(facing, reference, pairs)
    if homography is None:
        return NO_MATCH
    if inliers < min_inliers or not align:
        return Match(inliers, -1.0)
    h, w = facing.image.shape[:2]
    warped = np.asarray(cv2.warpPerspective(reference.image, homography, (w, h)), np.uint8)
    ones = np.full(reference.image.shape[:2], 255, np.uint8)
    cover = cv2.warpPerspective(ones, homography, (w, h), flags=cv2.INTER_NEAREST) > 0
    return Match(inliers, aligned_similarity(facing.lab_image(), warped, cover))


def best_match(
    facing: BandFeatures,
    references: Sequence[BandFeatures],
    min_inliers: int = MIN_MATCHES,
    align: bool = True,
) -> Match:
    """The match of the reference with the most ratio-test matches (ties: the first):
    one homography and one alignment (with ``align``) per candidate SKU, however many
    references."""
    if not references:
        return NO_MATCH
    pairs = [ratio_matches(facing.descriptors, r.descriptors) for r in references]
    j = int(np.argmax([len(p) for p in pairs]))
    return match(facing, references[j], min_inliers, pairs[j], align)
