"""Perspective correction: undo camera roll and keystone measured from the shelf lines.

``rectify(image)`` returns the corrected photo and the 3x3 homography that maps original
pixels to corrected ones, so detections found on the corrected photo can be mapped back
(``unmap_boxes``). Off by default: ``scripts/eval_rectify.py`` measures whether it helps.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from shelfscan.imaging.quality import estimate_tilt, work_copy
from shelfscan.imaging.stitch import map_boxes
from shelfscan.types import Detections

Image = npt.NDArray[np.uint8]
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Rectified:
    image: Image
    homography: Matrix  # original pixels -> corrected pixels
    roll_deg: float
    keystone_deg: float

    @property
    def changed(self) -> bool:
        return not np.allclose(self.homography, np.eye(3))


def correction(size: tuple[int, int], roll_deg: float, keystone_deg: float) -> Matrix:
    """Homography undoing a roll (counter-clockwise degrees) and then a keystone."""
    w, h = size
    rot = np.eye(3)
    rot[:2] = cv2.getRotationMatrix2D((w / 2, h / 2), -roll_deg, 1.0)
    d = h * float(np.tan(np.radians(keystone_deg / 2)))  # top edge inset at each side
    src = np.array([[d, 0], [w - d, 0], [w, h], [0, h]], np.float32)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    key = np.asarray(cv2.getPerspectiveTransform(src, dst), np.float64)
    out: Matrix = key @ rot
    return np.asarray(out / out[2, 2], np.float64)


def rectify(
    image: Image, min_roll_deg: float = 0.5, min_keystone_deg: float = 1.0, work_size: int = 800
) -> Rectified:
    """Correct ``image`` (BGR (H, W, 3)) when the measured roll or keystone is noticeable."""
    roll, keystone, _ = estimate_tilt(work_copy(image, work_size))
    roll = roll if abs(roll) >= min_roll_deg else 0.0
    keystone = keystone if abs(keystone) >= min_keystone_deg else 0.0
    if roll == 0.0 and keystone == 0.0:
        return Rectified(image, np.eye(3), 0.0, 0.0)
    h, w = image.shape[:2]
    m = correction((w, h), roll, keystone)
    out = cv2.warpPerspective(
        image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return Rectified(np.asarray(out, np.uint8), m, roll, keystone)


def unmap_boxes(dets: Detections, homography: Matrix) -> Detections:
    """Detections on the corrected photo -> boxes on the original photo."""
    if len(dets) == 0:
        return dets
    return dets.with_boxes(
        map_boxes(dets.xyxy.astype(np.float64), np.asarray(np.linalg.inv(homography), np.float64))
    )
