"""Load photos from disk: decode, honour EXIF orientation, read capture metadata.

``load_photo`` decodes a JPEG once at the size the stages need (OpenCV's reduced DCT
decode, 1/2, 1/4 or 1/8 of each side: 2-3x faster than a full decode of a 12 MP photo)
and keeps the file bytes, so that the full-resolution pixels are decoded only when a
stage asks for them (``LoadedPhoto.full``). The hash is of the file bytes, not pixels.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import stat
import sys
import tempfile
import threading
import warnings
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
CATALOG_CSV = "catalog.csv"  # marks a catalog import folder (see recognition.catalog)
HEIC_SUFFIXES = frozenset({".heic", ".heif", ".hif", ".avif"})
MIN_SIDE = 32  # smaller photos cannot show a shelf
MAX_PIXELS = 120_000_000  # the one pixel limit, checked from the header before decoding
MAX_FILE_BYTES = 256 * 1024 * 1024  # no photo file is larger; a bigger one is refused unread

_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_EXIF_ORIENTATION = 0x0112
_TURNED = frozenset({5, 6, 7, 8})  # orientations that swap width and height
_JPEG_END = b"\xff\xd9"
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")
HEIC_UNSUPPORTED = (
    "HEIC is not supported, export as JPEG (iPhone: Settings > Camera > Formats > Most Compatible)"
)

# OpenCV's reduced JPEG decodes: scale factor -> imdecode flag
_REDUCED = (
    (8, cv2.IMREAD_REDUCED_COLOR_8),
    (4, cv2.IMREAD_REDUCED_COLOR_4),
    (2, cv2.IMREAD_REDUCED_COLOR_2),
)

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
log = logging.getLogger("shelfscan.imaging")

BGR = npt.NDArray[np.uint8]
FileStamp = tuple[int, int, int, int]  # device, inode, size, modification time (ns)


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
    stamp: FileStamp | None = field(default=None, repr=False)  # the file as ``raw`` was read
    _full: BGR | None = field(default=None, init=False, repr=False)
    _pending: threading.Thread | None = field(default=None, init=False, repr=False)
    _error: BaseException | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_array(cls, image: BGR, info: PhotoInfo) -> LoadedPhoto:
        """A photo already decoded at full resolution (camera frames, tests)."""
        return cls(info, image, 1.0)

    def full(self) -> BGR:
        """The photo at full resolution (decoded on first use, then kept)."""
        if self.scale == 1.0:
            return self.working
        if self._pending is not None:  # started by ``prefetch_full``: wait for it
            self._pending.join()
            self._pending = None
            if self._error is not None:
                error, self._error = self._error, None
                raise error
        if self._full is None:
            self._full = self._decode_full()
        return self._full

    def _decode_full(self) -> BGR:
        """The full resolution: OpenCV reads the file into a preallocated array where the
        file is still the one whose bytes were loaded (same ``stamp`` before and after),
        else (or if that fails) it decodes ``raw``. Same pixels either way; the file read
        is ~1.5x faster for a 12 MP JPEG and never holds the image twice (``imdecode``
        returns a copy of its own buffer: +34 MB at the peak)."""
        path, shape = self.info.path, (self.info.height, self.info.width, 3)
        if self.stamp is not None and file_stamp(path) == self.stamp:
            dst = np.empty(shape, np.uint8)
            try:
                out = cv2.imread(str(path), dst, cv2.IMREAD_COLOR)
            except (cv2.error, TypeError):  # OpenCV < 4.10 has no ``dst``
                out = None
            if out is not None and out.shape == shape and file_stamp(path) == self.stamp:
                return np.asarray(out, dtype=np.uint8)
        return _decode(self.raw, path, 1)

    def prefetch_full(self) -> None:
        """Start decoding the full resolution in a background thread (OpenCV releases
        the GIL), so that it runs while the stages that read only the working copy do;
        ``full`` waits for it and raises what it raised. No-op at full scale, or once
        decoded or started."""
        if self.scale == 1.0 or self._full is not None or self._pending is not None:
            return

        def decode() -> None:
            try:
                self._full = self._decode_full()
            except BaseException as exc:  # handed to the caller of ``full``
                self._error = exc

        self._pending = threading.Thread(target=decode, name="shelfscan-full-decode", daemon=True)
        self._pending.start()


def file_stamp(path: Path) -> FileStamp | None:
    """What identifies the file at ``path`` as unchanged (None if it cannot be read)."""
    try:
        return _stamp(os.stat(path))
    except OSError:
        return None


def _stamp(st: os.stat_result) -> FileStamp:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


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

    found: list[Path] = []
    heic: list[Path] = []
    for root, dirs, files in os.walk(folder, onerror=fail):
        # a catalog import folder (``catalog.csv`` + one folder per SKU) holds reference
        # photos, not shelf photos: scanning a folder that contains one skips it
        dirs[:] = [d for d in dirs if not (Path(root) / d / CATALOG_CSV).is_file()]
        for name in files:
            suffix = Path(name).suffix.lower()
            if suffix in IMAGE_SUFFIXES:
                found.append(Path(root) / name)
            elif suffix in HEIC_SUFFIXES:
                heic.append(Path(root) / name)
    for path in sorted(heic):  # listed, never skipped silently
        log.warning("%s: skipped: %s", path, HEIC_UNSUPPORTED)
    return sorted(found)


_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_photo_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, which must be a regular file (through symlinks) of at most
    ``limit`` bytes. A FIFO, device or socket is refused without blocking on it (opened
    non-blocking, checked with ``fstat`` on the open file, so no race with a swap)."""
    return _read_photo(path, limit)[0]


def _read_photo(path: Path, limit: int = MAX_FILE_BYTES) -> tuple[bytes, FileStamp | None]:
    """``read_photo_bytes`` and the file's stamp, taken on the open file before and after
    reading (None where it changed meanwhile)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError as exc:
        raise ImageError(f"{path}: is a folder, not an image") from exc
    except OSError as exc:
        raise ImageError(f"{path}: cannot read file ({exc.strerror})") from exc
    try:
        info = os.fstat(fd)
        stamp: FileStamp | None = _stamp(info)
        if stat.S_ISDIR(info.st_mode):
            raise ImageError(f"{path}: is a folder, not an image")
        if not stat.S_ISREG(info.st_mode):
            kind = next((k for test, k in _FILE_KINDS if test(info.st_mode)), "not a file")
            raise ImageError(f"{path}: not a regular file ({kind}); only photo files are read")
        if info.st_size > limit:
            raise ImageError(
                f"{path}: file too large ({info.st_size / 2**20:.0f} MiB; limit {limit / 2**20:.0f} MiB)"
            )
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while chunk := os.read(fd, min(1 << 22, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew while being read
                raise ImageError(f"{path}: file too large (over {limit / 2**20:.0f} MiB)")
        if stamp != _stamp(os.fstat(fd)):
            stamp = None  # written to while being read
    except OSError as exc:
        raise ImageError(f"{path}: cannot read file ({exc.strerror})") from exc
    finally:
        os.close(fd)
    return b"".join(chunks), stamp


def _is_heif(raw: bytes) -> bool:
    return raw[4:8] == b"ftyp" and raw[8:12] in _HEIF_BRANDS


_STDERR_LOCK = threading.Lock()
_JPEG_DAMAGE = ("premature end", "bad huffman", "huffman table", "invalid")


@contextlib.contextmanager
def libjpeg_messages() -> Iterator[list[str]]:
    """Collect what libjpeg (inside OpenCV) writes to stderr meanwhile, e.g. "Corrupt
    JPEG data: premature end of data segment", instead of letting it leak unnamed."""
    out: list[str] = []
    with _STDERR_LOCK, tempfile.TemporaryFile() as tmp:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            yield out
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            out.extend(line for line in tmp.read().decode(errors="replace").splitlines() if line)


def check_jpeg_complete(raw: bytes, path: Path) -> None:
    """Refuse a JPEG whose scan data ends early, even where an end marker was appended:
    libjpeg fills the missing part grey and only warns. A 1/8-scale decode (DC only, a
    fraction of a full decode) reads every entropy-coded segment and reports it."""
    with libjpeg_messages() as messages:
        cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    refuse_damaged_jpeg(messages, path)


def refuse_damaged_jpeg(messages: list[str], path: Path) -> None:
    """``ImageError`` if libjpeg's messages during a decode name damaged scan data."""
    # Missing or garbled scan data; not the harmless "extraneous bytes before marker"
    # that many cameras write.
    bad = [m for m in messages if any(k in m.lower() for k in _JPEG_DAMAGE)]
    if bad:
        raise ImageError(f"{path}: corrupt or truncated image ({bad[0].strip().rstrip('.')})")


def check_pixels(width: int, height: int, path: Path) -> None:
    """The one pixel limit, from the header, before any decoding."""
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"{path}: image too large ({width}x{height} = {width * height / 1e6:.0f} MP; "
            f"limit {MAX_PIXELS / 1e6:.0f} MP)"
        )


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
    raw, stamp = _read_photo(path)
    if not raw:
        raise ImageError(f"{path}: file is empty (0 bytes)")
    if _is_heif(raw) or path.suffix.lower() in HEIC_SUFFIXES:
        raise ImageError(f"{path}: {HEIC_UNSUPPORTED}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as opened:
                check_pixels(*opened.size, path)
                taken_at = _taken_at(opened, path)
                fmt = opened.format or ""
                header_size = opened.size
                turned = opened.getexif().get(_EXIF_ORIENTATION) in _TURNED
        if fmt != "JPEG":  # PNG/WebP/...: check structure and checksums without decoding twice
            with Image.open(io.BytesIO(raw)) as opened:
                opened.verify()
    except Image.DecompressionBombWarning as exc:
        raise ImageError(f"{path}: image too large (over {MAX_PIXELS / 1e6:.0f} MP)") from exc
    except UnidentifiedImageError as exc:
        if raw.startswith(_IMAGE_MAGIC):
            raise ImageError(f"{path}: corrupt or truncated image (header only)") from exc
        raise ImageError(f"{path}: not an image (unrecognised format)") from exc
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{path}: image too large (over {MAX_PIXELS / 1e6:.0f} MP)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: corrupt or truncated image ({exc})") from exc
    if fmt == "JPEG" and _JPEG_END not in raw[-64:]:
        raise ImageError(f"{path}: corrupt or truncated image (JPEG end marker missing)")
    if fmt == "JPEG":  # the working decode reads every scan segment: check it meanwhile
        reduction = reduction_for(*header_size, min_long_side)
        with libjpeg_messages() as messages:
            bgr = _decode(raw, path, reduction)
        refuse_damaged_jpeg(messages, path)
    else:
        reduction = 1
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
    return LoadedPhoto(info, bgr, bgr.shape[1] / width, raw, stamp)
