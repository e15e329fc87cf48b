"""Reading a planogram file: a bounded regular file, decoded as UTF-8 or BOM'd UTF-16/32."""

from __future__ import annotations

import codecs
from pathlib import Path

from shelfscan.errors import PlanogramError
from shelfscan.planogram.readers._build import MAX_FILE_BYTES


def read_bytes(path: Path) -> bytes:
    """A planogram file's bytes: a regular file of at most ``MAX_FILE_BYTES``."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise PlanogramError(f"{path}: not a regular file")
        if size > MAX_FILE_BYTES:
            raise PlanogramError(
                f"{path}: file too large ({size / 2**20:.0f} MiB; limit {MAX_FILE_BYTES // 2**20} MiB)"
            )
        with path.open("rb") as f:
            return f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PlanogramError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def decode_text(raw: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), or UTF-16/32 with a BOM; anything else is one line
    naming the file and the first bad byte (Latin-1 files: save as UTF-8)."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise PlanogramError(f"{path}: invalid {codec} text ({exc.reason})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlanogramError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None
