"""The price recogniser: which file is loaded, and that the committed one is the one the
build script makes from rapidocr's bundled model."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import onnx
import pytest

from shelfscan.config import models_dir
from shelfscan.pricing.ocr import (
    DET_MODEL,
    PRICE_DET_MODEL,
    PRICE_REC_MODEL,
    REC_MODEL,
    bundled_models_dir,
    model_path,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "where"),
    [
        (PRICE_REC_MODEL, "ours"),  # the default: cut to price characters, under models/
        (PRICE_DET_MODEL, "ours"),  # the default: the text detector in int8
        (REC_MODEL, "bundled"),  # the full 18,710-class model inside the rapidocr wheel
        (DET_MODEL, "bundled"),  # the float text detector inside the wheel
        ("missing.onnx", "ours"),  # unknown names point at models/ (then a ModelError)
    ],
)
def test_model_path(name: str, where: str) -> None:
    folder = models_dir() if where == "ours" else bundled_models_dir()
    assert model_path(name, bundled_models_dir()) == folder / name


def test_a_path_is_taken_as_is(tmp_path: Path) -> None:
    path = tmp_path / "rec.onnx"
    assert model_path(str(path), bundled_models_dir()) == path


def test_committed_model_is_what_the_build_script_makes(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_price_models.py"),
            "--no-detector",
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    sums = dict(
        reversed(line.split()) for line in (ROOT / "models" / "SHA256SUMS").read_text().splitlines()
    )
    assert f"sha256 {sums[PRICE_REC_MODEL]}" in done.stdout
    assert "190 classes" in done.stdout


@pytest.mark.parametrize("name", [PRICE_REC_MODEL, PRICE_DET_MODEL])
def test_price_models_name_their_source(name: str) -> None:
    """Each derived model records the SHA-256 of the wheel's file it was made from: a
    rapidocr upgrade that changes that file fails here until the models are rebuilt."""
    meta = {p.key: p.value for p in onnx.load(str(models_dir() / name)).metadata_props}
    source = bundled_models_dir() / meta["shelfscan.source"].split()[-1]
    assert meta["shelfscan.source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
