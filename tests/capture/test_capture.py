"""`shelfscan capture` on real video files and a real HTTP stream on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from shelfscan.capture.auto import AutoCapture, CaptureSettings
from shelfscan.capture.source import Frame, FrameSource
from shelfscan.cli import app
from shelfscan.datasets.synthetic import SceneConfig, generate_scene
from shelfscan.errors import CaptureError
from shelfscan.imaging.quality import QualitySettings

runner = CliRunner()
SIZE = (960, 720)
FPS = 10.0


@pytest.fixture(scope="module")
def views() -> list[np.ndarray]:
    cfg = SceneConfig(camera_strength=0.0)
    return [generate_scene(s, cfg, size=SIZE).image for s in (41, 42)]


def write_video(path: Path, frames: list[np.ndarray]) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, SIZE)
    assert writer.isOpened()
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def blurred(img: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), 4.0)


def segments(views: list[np.ndarray]) -> tuple[list[np.ndarray], list[range]]:
    """Per view: 8 blurred frames (moving in), 8 sharp, 8 blurred. Returns frames and the
    index ranges of the sharp frames."""
    frames: list[np.ndarray] = []
    sharp: list[range] = []
    for v in views:
        frames += [blurred(v)] * 8
        sharp.append(range(len(frames), len(frames) + 8))
        frames += [v] * 8 + [blurred(v)] * 8
    return frames, sharp


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_video_keeps_sharp_frames_into_sqlite(
    tmp_path: Path, views: list[np.ndarray], db_path: Path
) -> None:
    frames, sharp = segments(views)
    video = write_video(tmp_path / "aisle.avi", frames)
    code, out, err = run(
        "capture", str(video), "--db", str(db_path), "--out", str(tmp_path / "kept"),
        "--visit", "V1", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["frames"] == len(frames) and data["error"] is None
    kept = sorted((tmp_path / "kept").glob("*.json"))
    indices = [json.loads(p.read_text())["frame_index"] for p in kept]
    assert len(indices) == 2  # one photo per view, no blurred frame
    assert all(any(i in r for r in sharp) for i in indices)
    assert {i // 24 for i in indices} == {0, 1}
    con = sqlite3.connect(db_path)
    rows = con.execute(
        "SELECT p.path, q.passed, q.source FROM photos p JOIN photo_quality q ON q.photo_id = p.id"
    ).fetchall()
    assert len(rows) == 2 and all(r[1] == 1 and r[2] == str(video) for r in rows)
    assert con.execute("SELECT COUNT(*) FROM kpis").fetchone()[0] > 0


def test_interval_mode_for_a_fixed_camera(tmp_path: Path, views: list[np.ndarray]) -> None:
    video = write_video(tmp_path / "fixed.avi", [views[0]] * 40)  # 4 s of one view
    with FrameSource(str(video)) as src:
        auto = AutoCapture(CaptureSettings(interval_s=1.5))
        kept = [f.index for f in src if auto.feed(f).keep]
    assert len(kept) == 3  # at ~0.3 s, ~1.8 s, ~3.3 s


def test_auto_capture_guidance(views: list[np.ndarray]) -> None:
    auto = AutoCapture(CaptureSettings(steady_s=0.2, steady_frames=3))
    seq = [views[0], views[1], views[0]] + [views[1]] * 5 + [blurred(views[0])] * 5
    said = [auto.feed(Frame(i, i / FPS, f)) for i, f in enumerate(seq)]
    assert said[1].guidance == "hold still"  # the view jumps
    keeps = [i for i, d in enumerate(said) if d.keep]
    assert keeps == [5]  # steady for 0.2 s and sharp
    assert "already captured" in said[7].guidance
    assert "focus" in said[-1].guidance  # steady but blurred: the sharpness hint


@pytest.mark.parametrize(
    ("strict", "expected"),
    [
        # the blurred view is kept when the camera moves on (its best frame), the sharp
        # one as it passes, the blurred (mirrored) one the video ends on by finish()
        (False, [(5, 0), (8, 5), (15, 10)]),
        (True, [(8, 5)]),  # a strict gate keeps only frames that pass
    ],
)
def test_a_view_that_never_passes_keeps_its_best_frame(
    views: list[np.ndarray], strict: bool, expected: list[tuple[int, int]]
) -> None:
    auto = AutoCapture(
        CaptureSettings(steady_s=0.2, steady_frames=3), QualitySettings(strict=strict)
    )
    seq = (
        [blurred(views[0])] * 5
        + [views[1]] * 5
        + [blurred(np.ascontiguousarray(views[0][:, ::-1]))] * 5
    )
    kept = []  # (frame fed, frame kept)
    for i, image in enumerate(seq):
        decision = auto.feed(Frame(i, i / FPS, image))
        if decision.keep:
            kept.append((i, decision.frame.index if decision.frame else i))
    last = auto.finish()
    if last is not None and last.frame is not None:
        kept.append((len(seq), last.frame.index))
    assert [(i, k // 5 * 5) for i, k in kept] == expected  # kept frame: within its view
    assert auto.kept == len(expected)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.avi", "no such video file"),  # typo in the path
        (lambda p: write_video(p / "empty.avi", []), "empty.avi"),  # a video with no frames
        (lambda p: (p / "junk.avi").write_bytes(b"not a video") and p / "junk.avi", "junk.avi"),
    ],
)
def test_bad_video_is_one_clear_line(tmp_path: Path, db_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    code, _, err = run("capture", str(path), "--db", str(db_path), "--out", str(tmp_path / "k"))
    assert code == 1
    assert message in err and "Traceback" not in err


def test_no_camera(tmp_path: Path, db_path: Path) -> None:
    code, _, err = run(
        "capture", "97", "--db", str(db_path), "--open-timeout", "5", "--out", str(tmp_path)
    )
    assert code == 1 and "camera 97" in err


class _Partial(http.server.BaseHTTPRequestHandler):
    """Serves the first part of a video file, then drops the connection."""

    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "video/x-msvideo")
        self.end_headers()
        self.wfile.write(self.body)
        self.wfile.flush()
        self.connection.close()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dropping_stream(tmp_path: Path, views: list[np.ndarray]) -> Iterator[str]:
    frames, _ = segments(views)
    video = write_video(tmp_path / "s.avi", frames)
    data = video.read_bytes()
    _Partial.body = data[: len(data) * 3 // 5]  # the stream stops in the second view
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Partial)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/s.avi"
    server.shutdown()


def test_dropped_stream_keeps_what_was_captured(
    tmp_path: Path, db_path: Path, dropping_stream: str
) -> None:
    code, _, err = run(
        "capture", dropping_stream, "--db", str(db_path), "--out", str(tmp_path / "k"),
        "--read-timeout", "3", "--open-timeout", "10",
    )  # fmt: skip
    assert code == 1
    assert "stream dropped" in err or "no answer" in err
    assert "1 photo(s) captured before it are kept" in err
    assert sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 1


def test_source_errors_are_capture_errors(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no such video file"):
        FrameSource(str(tmp_path / "nope.mp4"))
