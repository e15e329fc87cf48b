"""Reduced-size decode: the working copy, the lazy full resolution, EXIF and the hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from shelfscan.errors import ImageError
from shelfscan.imaging.load import load_image, load_photo, reduction_for


def _gradient_jpeg(path: Path, size: tuple[int, int], orientation: int | None = None) -> Path:
    w, h = size
    xs = np.linspace(0, 255, w, dtype=np.float32)[None, :].repeat(h, 0)
    ys = np.linspace(0, 255, h, dtype=np.float32)[:, None].repeat(w, 1)
    rgb = np.stack([xs, ys, 255 - xs], axis=2).astype(np.uint8)
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    Image.fromarray(rgb).save(path, "JPEG", quality=95, exif=exif)
    return path


@pytest.mark.parametrize(
    ("size", "need", "expected"),
    [
        ((4000, 3000), 1600, 2),  # 12 MP, detector + quality need 1,600 px: half size
        ((8000, 6000), 1600, 4),  # 48 MP: a quarter
        ((16000, 12000), 1600, 8),  # the largest reduction OpenCV offers
        ((2000, 1500), 1600, 1),  # already near the need: full decode
        ((3000, 4000), 1600, 2),  # portrait: the long side decides
        ((4000, 3000), None, 1),  # no need given: full decode
    ],
)
def test_reduction_keeps_the_long_side_needed(
    size: tuple[int, int], need: int | None, expected: int
) -> None:
    assert reduction_for(*size, need) == expected


@pytest.mark.parametrize(
    ("orientation", "upright"),
    [
        (None, (640, 480)),  # no EXIF
        (1, (640, 480)),  # upright
        (3, (640, 480)),  # upside down: same size
        (6, (480, 640)),  # turned 90 degrees: width and height swap
        (8, (480, 640)),  # turned 270 degrees
    ],
)
def test_reduced_decode_is_upright_and_matches_full_decode(
    tmp_path: Path, orientation: int | None, upright: tuple[int, int]
) -> None:
    path = _gradient_jpeg(tmp_path / "p.jpg", (640, 480), orientation)
    full, info = load_image(path)
    photo = load_photo(path, 150)  # 640 // 4 = 160 >= 150: a quarter-size decode
    assert (info.width, info.height) == upright
    assert photo.info == info  # same size, hash of the file bytes, time
    assert photo.working.shape[:2] == (upright[1] // 4, upright[0] // 4)
    assert photo.scale == pytest.approx(0.25)
    # the working copy is the full photo, smaller: same orientation, same colours
    small = np.asarray(
        Image.fromarray(full).resize(photo.working.shape[1::-1], Image.BOX), np.float32
    )
    assert np.abs(small - photo.working).mean() < 4
    assert np.array_equal(photo.full(), full)  # decoded on demand, at full size
    assert photo.full() is photo.full()  # ... once


def test_hash_is_of_the_file_bytes(tmp_path: Path) -> None:
    path = _gradient_jpeg(tmp_path / "p.jpg", (640, 480))
    photo = load_photo(path, 100)
    assert photo.scale < 1
    assert photo.info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_non_jpeg_is_decoded_at_full_size(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    Image.new("RGB", (640, 480), (0, 128, 255)).save(path)
    photo = load_photo(path, 100)
    assert photo.scale == 1.0 and photo.working.shape == (480, 640, 3)
    assert photo.full() is photo.working


@pytest.mark.parametrize(
    "orientation",
    [None, 6],  # upright; turned by EXIF (the background decode applies it too)
)
def test_full_resolution_decoded_in_the_background_is_the_same(
    tmp_path: Path, orientation: int | None
) -> None:
    path = _gradient_jpeg(tmp_path / "a.jpg", (3200, 2400), orientation)
    ahead, lazy = load_photo(path, 800), load_photo(path, 800)
    ahead.prefetch_full()
    ahead.prefetch_full()  # a second call starts nothing more
    assert np.array_equal(ahead.full(), lazy.full())
    assert ahead.full() is ahead.full()  # decoded once, then kept


def test_background_decode_error_is_raised_by_full(tmp_path: Path) -> None:
    path = _gradient_jpeg(tmp_path / "a.jpg", (3200, 2400))
    photo = load_photo(path, 800)
    photo.raw = b"not a jpeg any more"  # the file bytes cannot be decoded
    photo.stamp = None  # and the file is not read again
    photo.prefetch_full()
    with pytest.raises(ImageError):
        photo.full()


def test_prefetch_at_full_scale_keeps_the_working_copy(tmp_path: Path) -> None:
    path = _gradient_jpeg(tmp_path / "a.jpg", (1200, 900))
    photo = load_photo(path, 800)  # too small to reduce: decoded at full size once
    photo.prefetch_full()
    assert photo.scale == 1.0 and photo.full() is photo.working


def _rewrite(path: Path) -> None:
    _gradient_jpeg(path, (3200, 2400), 3)  # another image (turned 180 degrees), same size


@pytest.mark.parametrize(
    ("orientation", "after_load"),
    [
        (None, None),  # the file as loaded: read into a preallocated array
        (6, None),  # turned by EXIF: read upright, as decoded from the bytes
        (None, _rewrite),  # replaced after loading: the loaded bytes are decoded instead
        (None, Path.unlink),  # gone after loading: the same
    ],
)
@pytest.mark.parametrize("prefetch", [False, True])
def test_full_resolution_is_the_loaded_bytes(
    tmp_path: Path, orientation: int | None, after_load: object, prefetch: bool
) -> None:
    path = _gradient_jpeg(tmp_path / "a.jpg", (3200, 2400), orientation)
    raw = path.read_bytes()
    photo = load_photo(path, 800)
    if callable(after_load):
        after_load(path)
    if prefetch:
        photo.prefetch_full()
    expected = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    assert photo.scale < 1.0
    assert np.array_equal(photo.full(), expected)


@pytest.mark.parametrize("prefetch", [False, True])
def test_an_unchanged_file_is_read_again_not_decoded_from_memory(
    tmp_path: Path, prefetch: bool
) -> None:
    path = _gradient_jpeg(tmp_path / "a.jpg", (3200, 2400))
    photo = load_photo(path, 800)
    photo.raw = b"not a jpeg"  # were the kept bytes decoded, this would fail
    if prefetch:
        photo.prefetch_full()
    expected = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(photo.full(), expected)
