"""Image I/O and photo-level processing: load, quality gate, rectify, stitch."""

from __future__ import annotations

from shelfscan.imaging.load import IMAGE_SUFFIXES, iter_image_paths, load_image
from shelfscan.types import PhotoInfo

__all__ = ["IMAGE_SUFFIXES", "PhotoInfo", "iter_image_paths", "load_image"]
