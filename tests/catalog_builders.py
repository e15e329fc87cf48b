"""Builders for catalog/recognition tests: synthetic SKUs, reference folders, scenes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from shelfscan.config import models_dir
from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot
from shelfscan.datasets.synthetic.render import SyntheticScene, generate_scene
from shelfscan.recognition.embedder import Embedder

CATALOG_SEED = 31


def embedder_path() -> Path:
    path = models_dir() / "embedder.onnx"
    if not path.is_file():
        pytest.skip(f"embedder model not found at {path}")
    return path


@lru_cache(maxsize=1)
def _embedder() -> Embedder:
    return Embedder.from_path(embedder_path(), threads=2)


def embedder() -> Embedder:
    return _embedder()


@lru_cache(maxsize=1)
def catalog() -> SyntheticCatalog:
    return SyntheticCatalog(40, seed=CATALOG_SEED)


def write_sku_folder(root: Path, sku: str, count: int = 3, seed: int = 0) -> list[Path]:
    """``count`` varied packshots of a synthetic SKU as PNG files under ``root/sku``."""
    folder = root / sku
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for k in range(count):
        path = folder / f"ref{k}.png"
        cv2.imwrite(str(path), render_packshot(catalog().get(sku), rng, 160)[0])
        paths.append(path)
    return paths


def write_catalog_folder(root: Path, skus: list[str], csv: bool = True) -> Path:
    """An import folder: one sub-folder per SKU plus catalog.csv."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["sku,name,brand,category,width_mm"]
    for i, sku in enumerate(skus):
        write_sku_folder(root, sku, seed=i)
        s = catalog().get(sku)
        lines.append(f"{s.sku},{s.name},{s.brand},{s.category},{s.width_mm}")
    if csv:
        (root / "catalog.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@lru_cache(maxsize=4)
def scene(seed: int = 5) -> SyntheticScene:
    """A small synthetic shelf photo (800x600) of the test catalog."""
    return generate_scene(seed, catalog=catalog(), size=(800, 600))


def scene_file(tmp: Path, seed: int = 5) -> Path:
    path = tmp / f"scene{seed}.png"
    cv2.imwrite(str(path), scene(seed).image)
    return path
