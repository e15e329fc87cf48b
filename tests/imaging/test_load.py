from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shelfscan.errors import ImageError
from shelfscan.imaging import iter_image_paths, load_image


def _write(path: Path, kind: str) -> Path:
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("not an image at all")
    elif kind == "truncated":
        Image.new("RGB", (200, 100), (10, 200, 30)).save(path, "JPEG")
        path.write_bytes(path.read_bytes()[:300])
    elif kind == "tiny":
        Image.new("RGB", (1, 1)).save(path, "PNG")
    return path


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("empty.jpg", "empty", "file is empty"),  # zero-byte file
        ("notes.jpg", "text", "not an image"),  # a text file with an image suffix
        ("cut.jpg", "truncated", "corrupt or truncated"),  # a half-written JPEG
        ("dot.png", "tiny", "too small"),  # a 1x1 image
        ("missing.jpg", "missing", "cannot read file"),  # does not exist
    ],
)
def test_bad_images_name_file_and_problem(
    tmp_path: Path, name: str, kind: str, message: str
) -> None:
    path = _write(tmp_path / name, kind) if kind != "missing" else tmp_path / name
    with pytest.raises(ImageError) as err:
        load_image(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_formats_load_as_bgr(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"img.{fmt.lower()}"
    Image.new("RGB", (64, 48), (255, 0, 0)).save(path, fmt, quality=100)
    image, info = load_image(path)
    assert image.shape == (48, 64, 3)
    assert image[0, 0, 2] > 200 and image[0, 0, 0] < 60  # red lands in the last (R) channel
    assert (info.width, info.height) == (64, 48)
    assert len(info.sha256) == 64 and info.size_bytes == path.stat().st_size


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    img = Image.new("RGB", (80, 40), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when displayed
    exif[0x0132] = "2026:11:20 10:11:12"
    img.save(path, "JPEG", exif=exif)
    image, info = load_image(path)
    assert image.shape[:2] == (80, 40)  # displayed portrait
    assert (info.width, info.height) == (40, 80)
    assert info.taken_at == "2026-11-20T10:11:12"


def test_folders_are_searched_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for p in ("a/1.jpg", "a/b/2.PNG", "a/b/notes.txt", "3.webp"):
        (tmp_path / p).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_image_paths([tmp_path])]
    assert found == ["3.webp", "a/1.jpg", "a/b/2.PNG"]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="no such file or folder"):
        list(iter_image_paths([tmp_path / "nope"]))


def test_image_values_are_uint8(tmp_path: Path) -> None:
    path = tmp_path / "g.png"
    Image.fromarray(np.full((40, 40, 3), 7, np.uint8)).save(path)
    image, _ = load_image(path)
    assert image.dtype == np.uint8 and int(image.max()) == 7
