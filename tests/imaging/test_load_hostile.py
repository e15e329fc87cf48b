"""Hostile inputs to the loader: each refused with one line naming the file, before any
decode where possible, never hanging or eating memory."""

from __future__ import annotations

import logging
import os
import struct
import threading
import warnings
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from shelfscan.errors import ImageError
from shelfscan.imaging import iter_image_paths, load_image
from shelfscan.imaging.load import MAX_FILE_BYTES, read_photo_bytes


def _shelf_jpeg(path: Path, progressive: bool = False) -> bytes:
    rng = np.random.default_rng(1)
    img = cv2.GaussianBlur((rng.random((480, 640, 3)) * 255).astype(np.uint8), (7, 7), 2)
    flags = [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)]
    raw = cv2.imencode(".jpg", img, flags)[1].tobytes()
    path.write_bytes(raw)
    return raw


@pytest.mark.parametrize("progressive", [False, True])
def test_truncated_jpeg_with_an_end_marker_is_refused(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], progressive: bool
) -> None:
    good = tmp_path / "good.jpg"
    raw = _shelf_jpeg(good, progressive)
    load_image(good)  # the whole file is fine
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(raw[: len(raw) // 2] + b"\xff\xd9")  # half the data, then EOI
    with pytest.raises(ImageError, match="corrupt or truncated image") as err:
        load_image(cut)
    assert str(cut) in str(err.value) and "premature end" in str(err.value)
    assert "Corrupt JPEG" not in capfd.readouterr().err  # no bare libjpeg line leaks


def _in_thread(fn: object, timeout_s: float = 5.0) -> BaseException | None:
    box: list[BaseException | None] = [None]

    def run() -> None:
        try:
            fn()  # type: ignore[operator]
        except BaseException as exc:
            box[0] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout_s)
    assert not t.is_alive(), "the loader hung"
    return box[0]


def test_a_fifo_named_like_a_photo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    err = _in_thread(lambda: load_image(fifo))
    assert isinstance(err, ImageError) and "named pipe" in str(err) and str(fifo) in str(err)
    assert list(iter_image_paths([tmp_path])) == [fifo]  # listed, then refused per photo


def test_a_symlink_to_dev_zero_is_refused_unread(tmp_path: Path) -> None:
    link = tmp_path / "zero.jpg"
    os.symlink("/dev/zero", link)
    err = _in_thread(lambda: load_image(link))
    assert isinstance(err, ImageError) and "character device" in str(err)


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    with big.open("wb") as f:  # sparse: no disk used
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ImageError, match="file too large"):
        load_image(big)
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 11)
    with pytest.raises(ImageError, match="file too large"):
        read_photo_bytes(small, limit=10)


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(12000, 11000), (16000, 15000), (30000, 30000)])
def test_one_pixel_limit_from_the_header_before_decoding(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header(*size))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(ImageError, match="image too large") as err:
            load_image(path)
    assert str(path) in str(err.value) and "120 MP" in str(err.value)
    assert not [w for w in seen if "DecompressionBomb" in str(w.category)]


def test_heic_is_named_not_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    heic = tmp_path / "IMG_0001.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    with pytest.raises(ImageError, match="HEIC is not supported, export as JPEG"):
        load_image(heic)
    renamed = tmp_path / "disguised.jpg"  # a HEIC with a .jpg name is still named as HEIC
    renamed.write_bytes(heic.read_bytes())
    with pytest.raises(ImageError, match="HEIC is not supported"):
        load_image(renamed)
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "IMG_0002.heic").write_bytes(heic.read_bytes())
    _shelf_jpeg(folder / "shelf.jpg")
    with caplog.at_level(logging.WARNING, logger="shelfscan.imaging"):
        assert list(iter_image_paths([folder])) == [folder / "shelf.jpg"]
    assert "IMG_0002.heic" in caplog.text and "HEIC is not supported" in caplog.text
