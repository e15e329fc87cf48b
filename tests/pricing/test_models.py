"""The price recogniser: which file is loaded, and that the committed one is the one the
build script makes from rapidocr's bundled model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shelfscan.config import models_dir
from shelfscan.pricing.ocr import PRICE_REC_MODEL, REC_MODEL, bundled_models_dir, rec_model_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "where"),
    [
        (PRICE_REC_MODEL, "ours"),  # the default: cut to price characters, under models/
        (REC_MODEL, "bundled"),  # the full 18,710-class model inside the rapidocr wheel
        ("missing.onnx", "ours"),  # unknown names point at models/ (then a ModelError)
    ],
)
def test_rec_model_path(name: str, where: str) -> None:
    folder = models_dir() if where == "ours" else bundled_models_dir()
    assert rec_model_path(name, bundled_models_dir()) == folder / name


def test_a_path_is_taken_as_is(tmp_path: Path) -> None:
    path = tmp_path / "rec.onnx"
    assert rec_model_path(str(path), bundled_models_dir()) == path


def test_committed_model_is_what_the_build_script_makes(tmp_path: Path) -> None:
    out = tmp_path / "price_rec.onnx"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_price_recogniser.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    sums = dict(
        reversed(line.split()) for line in (ROOT / "models" / "SHA256SUMS").read_text().splitlines()
    )
    assert f"sha256 {sums[PRICE_REC_MODEL]}" in done.stdout
    assert "190 classes" in done.stdout
