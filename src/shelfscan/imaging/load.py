"""Load photos from disk: decode, honour EXIF orientation, read capture metadata."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from shelfscan.errors import ImageError
from shelfscan.types import PhotoInfo

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})
CATALOG_CSV = "catalog.csv"  # marks a catalog import folder (see recognition.catalog)
MIN_SIDE = 32  # smaller photos cannot show a shelf
MAX_PIXELS = 120_000_000  # refuse decompression bombs well above any phone camera

_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_JPEG_END = b"\xff\xd9"
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _walk_images(folder: Path) -> list[Path]:
    def fail(exc: OSError) -> None:
        raise ImageError(f"{exc.filename or folder}: cannot read folder ({exc.strerror})") from exc

    found: list[Path] = []
    for root, dirs, files in os.walk(folder, onerror=fail):
        # a catalog import folder (``catalog.csv`` + one folder per SKU) holds reference
        # photos, not shelf photos: scanning a folder that contains one skips it
        dirs[:] = [d for d in dirs if not (Path(root) / d / CATALOG_CSV).is_file()]
        found.extend(Path(root) / n for n in files if Path(n).suffix.lower() in IMAGE_SUFFIXES)
    return sorted(found)


def iter_image_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield image files from files and folders (recursively, sorted).

    A path that does not exist or a folder that cannot be read raises ``ImageError``.
    Files given explicitly are yielded whatever their suffix, so that a wrong file
    gets a clear error from ``load_image`` instead of being skipped silently.
    """
    for path in paths:
        if path.is_dir():
            yield from _walk_images(path)
        elif path.exists():
            yield path
        else:
            raise ImageError(f"{path}: no such file or folder")


def _taken_at(img: Image.Image, path: Path) -> str:
    exif = img.getexif()
    raw = exif.get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL) or exif.get(_EXIF_DATETIME)
    if isinstance(raw, str):
        try:
            return datetime.strptime(raw.strip(), "%Y:%m:%d %H:%M:%S").isoformat()
        except ValueError:
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).isoformat(timespec="seconds")


def _decode_with_pillow(raw: bytes, path: Path) -> npt.NDArray[np.uint8]:
    """Fallback for formats OpenCV cannot decode (e.g. some TIFF/WebP variants)."""
    try:
        with Image.open(io.BytesIO(raw)) as opened:
            rgb = np.asarray(ImageOps.exif_transpose(opened).convert("RGB"), dtype=np.uint8)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: corrupt or truncated image ({exc})") from exc
    return np.ascontiguousarray(rgb[:, :, ::-1])


def load_image(path: Path) -> tuple[npt.NDArray[np.uint8], PhotoInfo]:
    """Decode ``path`` to a BGR uint8 array (EXIF orientation applied) and its ``PhotoInfo``.

    Raises ``ImageError`` naming the file for missing, empty, corrupt, non-image or
    too-small files.
    """
    try:
        raw = path.read_bytes()
    except IsADirectoryError as exc:
        raise ImageError(f"{path}: is a folder, not an image") from exc
    except OSError as exc:
        raise ImageError(f"{path}: cannot read file ({exc.strerror})") from exc
    if not raw:
        raise ImageError(f"{path}: file is empty (0 bytes)")
    try:
        with Image.open(io.BytesIO(raw)) as opened:
            taken_at = _taken_at(opened, path)
            fmt = opened.format or ""
        if fmt != "JPEG":  # PNG/WebP/...: check structure and checksums without decoding twice
            with Image.open(io.BytesIO(raw)) as opened:
                opened.verify()
    except UnidentifiedImageError as exc:
        if raw.startswith(_IMAGE_MAGIC):
            raise ImageError(f"{path}: corrupt or truncated image (header only)") from exc
        raise ImageError(f"{path}: not an image (unrecognised format)") from exc
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{path}: image too large (over {MAX_PIXELS} pixels)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: corrupt or truncated image ({exc})") from exc
    if fmt == "JPEG" and _JPEG_END not in raw[-64:]:
        raise ImageError(f"{path}: corrupt or truncated image (JPEG end marker missing)")
    # OpenCV decodes several times faster than Pillow and applies EXIF orientation itself.
    decoded = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    bgr = (
        _decode_with_pillow(raw, path) if decoded is None else decoded.astype(np.uint8, copy=False)
    )
    height, width = bgr.shape[:2]
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"{path}: image too small ({width}x{height}; need at least {MIN_SIDE} px)")
    info = PhotoInfo(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        size_bytes=len(raw),
        width=width,
        height=height,
        taken_at=taken_at,
    )
    return bgr, info
