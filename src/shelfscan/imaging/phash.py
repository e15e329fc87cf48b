"""Perceptual hash: near-identical photos get hashes a few bits apart.

DCT hash (pHash): grey 32x32 copy -> 2-D DCT -> the 8x8 lowest frequencies (minus DC)
compared with their median -> 64 bits. Survives re-encoding, resizing and small
brightness changes; different shelves differ in about half the bits.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

DUPLICATE_BITS = 6  # hashes at most this many bits apart are the same photo


def phash(image: npt.NDArray[np.uint8]) -> int:
    """64-bit perceptual hash of a BGR (H, W, 3) or grey (H, W) uint8 image."""
    if image.ndim == 3:
        image = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)
    if image.ndim != 2 or image.size == 0:
        raise ValueError(f"expected a non-empty (H, W[, 3]) image, got shape {image.shape}")
    small = cv2.resize(image, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()[1:]  # drop DC: overall brightness
    bits = low > np.median(low)
    return int(sum(1 << i for i, b in enumerate(bits) if b))


def hamming(a: int, b: int) -> int:
    """Number of differing bits of two hashes."""
    return (a ^ b).bit_count()


def to_hex(value: int) -> str:
    return f"{value:016x}"


def from_hex(text: str) -> int:
    return int(text, 16)


def find_duplicate(
    value: int, known: list[tuple[int, int]], max_bits: int = DUPLICATE_BITS
) -> tuple[int, int] | None:
    """The closest (id, distance) among ``known`` (id, hash) within ``max_bits``, or None."""
    best: tuple[int, int] | None = None
    for ident, other in known:
        d = hamming(value, other)
        if d <= max_bits and (best is None or d < best[1]):
            best = (ident, d)
    return best
