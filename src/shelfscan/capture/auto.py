"""Decide which frames to keep: one per new view that holds steady for a moment.

A steady view keeps its first frame that passes the quality gate. A view that ends (the
camera moves on, or the source ends) without a passing frame keeps its best frame
anyway, with the gate's report, as ``shelfscan scan`` stores a photo that fails the gate
with its notes; with a strict gate (``QualitySettings.strict``) it keeps none. A rep
filming a shelf run thus gets one photo per shelf view, and the live hint still asks
for a better frame while the view holds.

Pure logic over frames: no camera, no files. ``AutoCapture.feed(frame)`` returns a
``Decision`` with the guidance line to show the rep; ``finish()`` after the last frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    """Keep a frame or not, and the line to show. ``frame``: the frame to keep when it
    is not the one just fed (the best frame of a view that ended without passing)."""

    keep: bool
    guidance: str
    report: QualityReport | None = None
    frame: Frame | None = None


def _better(a: tuple[Frame, QualityReport], b: tuple[Frame, QualityReport]) -> bool:
    """Whether failing frame ``a`` beats ``b``: fewer failed checks (the earlier on a tie)."""
    return len(a[1].failed) < len(b[1].failed)


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
    _best_failed: tuple[Frame, QualityReport] | None = None  # this view's, none passed yet
    kept: int = 0

    def feed(self, frame: Frame) -> Decision:
        s = self.settings
        thumb = _thumb(frame.image)
        motion = 1.0 if self._prev is None else float(np.abs(thumb - self._prev).mean())
        self._prev = thumb
        if motion > s.max_motion:  # the view ends
            self._still_since, self._still_frames = frame.t, 1
            return self.finish() or Decision(False, "hold still")
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
            self._note_failed(frame, report)
            return Decision(False, "; ".join(c.hint for c in report.failed), report)
        if s.interval_s <= 0 and self._seen(frame, report):
            return Decision(False, "already captured: move on to the next section", report)
        self._best_failed = None  # this view has its photo
        return self._keep(frame, report)

    def finish(self) -> Decision | None:
        """Keep the best frame of the view that just ended when none of it passed the
        gate (not with a strict gate); call it after the source's last frame."""
        best, self._best_failed = self._best_failed, None
        if best is None or self.done:
            return None
        frame, report = best
        decision = self._keep(frame, report)
        hints = "; ".join(c.hint for c in report.failed)
        return replace(decision, guidance=f"{decision.guidance} (no better frame: {hints})")

    def _note_failed(self, frame: Frame, report: QualityReport) -> None:
        """Remember the view's best failing frame (one kept if the view ends without a
        passing one); not in interval mode, with a strict gate, or for a view kept."""
        if self.settings.interval_s > 0 or self.quality.strict or self._seen(frame, report):
            return
        if self._best_failed is None or _better((frame, report), self._best_failed):
            self._best_failed = (frame, report)

    def _seen(self, frame: Frame, report: QualityReport) -> bool:
        """Whether the view is one already kept (perceptual hash)."""
        value = report.phash if report.phash is not None else phash(frame.image)
        return any(hamming(value, h) <= DUPLICATE_BITS for h in self._kept_hashes)

    def _keep(self, frame: Frame, report: QualityReport) -> Decision:
        value = report.phash if report.phash is not None else phash(frame.image)
        self._kept_hashes.append(value)
        self.kept += 1
        if self.settings.interval_s > 0:
            self._next_tick = frame.t + self.settings.interval_s
        return Decision(True, f"captured photo {self.kept}", report, frame)

    @property
    def done(self) -> bool:
        return self.settings.max_photos > 0 and self.kept >= self.settings.max_photos
