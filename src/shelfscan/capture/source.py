"""Frame sources: a camera index, a stream URL (RTSP/HTTP) or a video file, via OpenCV.

Opening and every read run under a timeout on a helper thread, so a missing, busy or
silent camera and a dropped stream become a ``CaptureError``, never a hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from shelfscan.errors import CaptureError

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Frame:
    """One decoded frame: running index, seconds since the source opened, BGR pixels."""

    index: int
    t: float
    image: Image


def describe(spec: str) -> str:
    if spec.isdigit():
        return f"camera {spec}"
    return spec


def _call_with_timeout(fn: Any, timeout_s: float, what: str) -> Any:
    """Run ``fn()`` on a daemon thread; ``CaptureError`` if it takes over ``timeout_s``."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except Exception as exc:  # re-raised on the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise CaptureError(f"{what}: no answer within {timeout_s:g} s")
    if "error" in box:
        raise CaptureError(f"{what}: {box['error']}")
    return box.get("value")


class FrameSource:
    """Iterate the frames of one source; ``close()`` (or ``with``) releases it.

    Args:
        spec: camera index ("0"), stream URL ("rtsp://...", "http://...") or video path.
        open_timeout_s / read_timeout_s: limits for opening and for each frame.
        max_empty: consecutive empty frames from a live source before giving up.
    """

    def __init__(
        self,
        spec: str,
        open_timeout_s: float = 10.0,
        read_timeout_s: float = 5.0,
        max_empty: int = 25,
    ) -> None:
        self.spec = spec
        self.name = describe(spec)
        self.is_file = not spec.isdigit() and "://" not in spec
        self.read_timeout_s = read_timeout_s
        self.max_empty = max_empty
        self.frames_read = 0
        if self.is_file and not Path(spec).is_file():
            raise CaptureError(f"{spec}: no such video file")
        self._cap = _call_with_timeout(self._open, open_timeout_s, f"{self.name}: opening")
        if self._cap is None or not self._cap.isOpened():
            if self._cap is not None:
                self._cap.release()
            kind = (
                "video file cannot be decoded" if self.is_file else "cannot open (missing or busy?)"
            )
            raise CaptureError(f"{self.name}: {kind}")
        self._t0 = time.monotonic()

    def _open(self) -> cv2.VideoCapture:
        if self.spec.isdigit():
            return cv2.VideoCapture(int(self.spec))
        ms = int(self.read_timeout_s * 1000)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
        return cv2.VideoCapture(self.spec, cv2.CAP_ANY, params)

    def _read(self) -> tuple[bool, Image | None]:
        ok, frame = self._cap.read()
        return bool(ok), frame

    def __iter__(self) -> Iterator[Frame]:
        empty = 0
        while True:
            ok, frame = _call_with_timeout(
                self._read,
                self.read_timeout_s,
                f"{self.name}: reading frame {self.frames_read + 1}",
            )
            if not ok or frame is None or frame.size == 0:
                if self.is_file:
                    if self.frames_read == 0:
                        raise CaptureError(f"{self.name}: video has no frames")
                    return
                empty += 1
                if empty >= self.max_empty:
                    what = "stream dropped" if self.frames_read else "returns only empty frames"
                    raise CaptureError(
                        f"{self.name}: {what} ({empty} empty reads after"
                        f" {self.frames_read} good frames)"
                    )
                continue
            empty = 0
            self.frames_read += 1
            # Video time where the source reports it (files, recorded streams), else wall time.
            pos = float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
            t = pos / 1000 if self.is_file or pos > 0 else time.monotonic() - self._t0
            yield Frame(self.frames_read - 1, float(t), np.asarray(frame, np.uint8))

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
