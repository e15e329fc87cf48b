"""Load photos from disk: decode, honour EXIF orientation, read capture metadata.

``load_photo`` decodes a JPEG once at the size the stages need (OpenCV's reduced DCT
decode, 1/2, 1/4 or 1/8 of each side: 2-3x faster than a full decode of a 12 MP photo)
and keeps the file bytes, so that the full-resolution pixels are decoded only when a
stage asks for them (``LoadedPhoto.full``). The hash is of the file bytes, not pixels.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from shelfscan.errors import ImageError
from shelfscan.types import PhotoInfo

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})
MIN_SIDE = 32  # smaller photos cannot show a shelf
MAX_PIXELS = 120_000_000  # refuse decompression bombs well above any phone camera

_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_EXIF_ORIENTATION = 0x0112
_TURNED = frozenset({5, 6, 7, 8})  # orientations that swap width and height
_JPEG_END = b"\xff\xd9"
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")

# OpenCV's reduced JPEG decodes: scale factor -> imdecode flag
_REDUCED = (
    (8, cv2.IMREAD_REDUCED_COLOR_8),
    (4, cv2.IMREAD_REDUCED_COLOR_4),
    (2, cv2.IMREAD_REDUCED_COLOR_2),
)

Image.MAX_IMAGE_PIXELS = MAX_PIXELS

BGR = npt.NDArray[np.uint8]


@dataclass
class LoadedPhoto:
    """One decoded photo: a working copy, and the full resolution on demand.

    ``working`` is the upright BGR photo, decoded at ``scale`` working pixels per photo
    pixel (1.0, or about 1/2, 1/4 or 1/8); ``info`` gives the full size. ``full()`` decodes
    the file bytes again at full resolution, once (the working copy itself when
    ``scale`` is 1).
    """

    info: PhotoInfo
    working: BGR
    scale: float = 1.0
    raw: bytes = field(default=b"", repr=False)
    _full: BGR | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_array(cls, image: BGR, info: PhotoInfo) -> LoadedPhoto:
        """A photo already decoded at full resolution (camera frames, tests)."""
        return cls(info, image, 1.0)

    def full(self) -> BGR:
        """The photo at full resolution (decoded on first use, then kept)."""
        if self.scale == 1.0:
            return self.working
        if self._full is None:
            self._full = _decode(self.raw, self.info.path, 1)
        return self._full


def reduction_for(width: int, height: int, min_long_side: int | None) -> int:
    """The largest JPEG decode reduction (1, 2, 4 or 8) that keeps the long side at least
    ``min_long_side`` pixels (None: no reduction)."""
    if not min_long_side:
        return 1
    long_side = max(width, height)
    return next((k for k, _ in _REDUCED if long_side // k >= min_long_side), 1)


def _decode(raw: bytes, path: Path, reduction: int) -> BGR:
    """BGR pixels of ``raw`` with EXIF orientation applied, each side divided by
    ``reduction`` (a JPEG DCT-domain reduction; 1 = full size)."""
    flag = dict(_REDUCED).get(reduction, cv2.IMREAD_COLOR)
    # OpenCV decodes several times faster than Pillow and applies EXIF orientation itself.
    decoded = cv2.imdecode(np.frombuffer(raw, np.uint8), flag)
    if decoded is None:
        return _decode_with_pillow(raw, path)
    return np.asarray(decoded, dtype=np.uint8)


def _walk_images(folder: Path) -> list[Path]:
    def fail(exc: OSError) -> None:
        raise ImageError(f"{exc.filename or folder}: cannot read folder ({exc.strerror})") from exc

    found = [
        Path(root) / name
        for root, _, files in os.walk(folder, onerror=fail)
        for name in files
        if Path(name).suffix.lower() in IMAGE_SUFFIXES
    ]
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
    photo = load_photo(path)
    return photo.full(), photo.info


def load_photo(path: Path, min_long_side: int | None = None) -> LoadedPhoto:
    """Check and decode ``path``: a JPEG whose long side is at least twice
    ``min_long_side`` is decoded reduced (see ``reduction_for``); the full resolution
    stays available through ``LoadedPhoto.full``. ``ImageError`` as for ``load_image``.
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
            header_size = opened.size
            turned = opened.getexif().get(_EXIF_ORIENTATION) in _TURNED
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
    reduction = reduction_for(*header_size, min_long_side) if fmt == "JPEG" else 1
    bgr = _decode(raw, path, reduction)
    height, width = bgr.shape[:2]
    if reduction > 1 and max(height, width) * 2 > max(header_size):
        reduction = 1  # OpenCV failed and Pillow decoded it at full size
    if reduction > 1:  # the full size, upright: the header's, swapped if EXIF turns it
        width, height = header_size[::-1] if turned else header_size
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
    if reduction == 1:
        return LoadedPhoto(info, bgr)
    return LoadedPhoto(info, bgr, bgr.shape[1] / width, raw)
