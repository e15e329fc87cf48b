"""Decide which frames to keep: gate passed, frame steady for a moment, view new.

Pure logic over frames: no camera, no files. ``AutoCapture.feed(frame)`` returns a
``Decision`` with the guidance line to show the rep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from shelfscan.capture.source import Frame
from shelfscan.imaging.phash import DUPLICATE_BITS, hamming, phash
from shelfscan.imaging.quality import QualityReport, QualitySettings, assess_quality

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class CaptureSettings:
    """Auto-capture knobs."""

    steady_s: float = 0.3  # the view must hold still this long (video time)
    steady_frames: int = 3  # ... and for at least this many frames
    max_motion: float = 0.02  # mean absolute change between frames (0..1) counted as still
    interval_s: float = 0.0  # > 0: fixed camera, keep one passing frame per interval
    max_photos: int = 0  # stop after this many kept photos (0 = no limit)


@dataclass(frozen=True)
class Decision:
    keep: bool
    guidance: str
    report: QualityReport | None = None


def _thumb(image: Image) -> npt.NDArray[np.float32]:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    small = cv2.resize(gray, (64, 48), interpolation=cv2.INTER_AREA)
    return np.asarray(small, np.float32) / np.float32(255)


@dataclass
class AutoCapture:
    """State machine fed one frame at a time."""

    settings: CaptureSettings = field(default_factory=CaptureSettings)
    quality: QualitySettings = field(default_factory=QualitySettings)
    _prev: npt.NDArray[np.float32] | None = None
    _still_since: float | None = None
    _still_frames: int = 0
    _kept_hashes: list[int] = field(default_factory=list)
    _next_tick: float = 0.0
    kept: int = 0

    def feed(self, frame: Frame) -> Decision:
        s = self.settings
        thumb = _thumb(frame.image)
        motion = 1.0 if self._prev is None else float(np.abs(thumb - self._prev).mean())
        self._prev = thumb
        if motion > s.max_motion:
            self._still_since, self._still_frames = frame.t, 1
            return Decision(False, "hold still")
        self._still_frames += 1
        if self._still_since is None:
            self._still_since = frame.t
        if s.interval_s > 0 and frame.t < self._next_tick:
            return Decision(False, f"next photo in {self._next_tick - frame.t:.0f} s")
        steady = frame.t - self._still_since >= s.steady_s and self._still_frames >= s.steady_frames
        if not steady:
            return Decision(False, "hold still")
        report = assess_quality(frame.image, None, self.quality)
        if not report.passed:
            return Decision(False, "; ".join(c.hint for c in report.failed), report)
        value = report.phash if report.phash is not None else phash(frame.image)
        if s.interval_s <= 0 and any(
            hamming(value, h) <= DUPLICATE_BITS for h in self._kept_hashes
        ):
            return Decision(False, "already captured: move on to the next section", report)
        self._kept_hashes.append(value)
        self.kept += 1
        if s.interval_s > 0:
            self._next_tick = frame.t + s.interval_s
        return Decision(True, f"captured photo {self.kept}", report)

    @property
    def done(self) -> bool:
        return self.settings.max_photos > 0 and self.kept >= self.settings.max_photos
