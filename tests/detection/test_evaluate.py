"""Evaluation of the shipped detector on held-out synthetic scenes and the shared real set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfscan.cli import app
from shelfscan.detection.detector import Detector
from shelfscan.detection.evaluate import evaluate_model, samples_for
from shelfscan.errors import ConfigError, DatasetError

MODEL = Path(__file__).resolve().parents[2] / "models" / "detector.onnx"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.from_path(MODEL, threads=2, score_threshold=0.05, max_detections=300)


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ("synthetic:5-2", ConfigError, "empty seed range"),  # last < first
        ("synthetic:abc", ConfigError, "synthetic:FIRST-LAST"),  # not a range
        ("realistic:5-2", ConfigError, "empty seed range"),
        ("no/such/folder", DatasetError, "no such dataset"),  # missing path
    ],
)
def test_bad_dataset_specs(spec: str, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        samples_for(spec)


def test_shipped_model_on_held_out_synthetic_scenes(detector: Detector) -> None:
    report = evaluate_model(detector, "synthetic:0-1")
    m = report.metrics
    assert m.images == 2 and m.gt_boxes > 50
    assert m.ap50 >= 0.9, m
    assert m.count_mae <= 5, m


def test_realistic_spec_turns_the_hard_cases_on() -> None:
    (name, image, gt), *_ = list(samples_for("realistic:1-1"))
    (_, plain, _), *_ = list(samples_for("synthetic:1-1"))
    assert name == "synthetic-1" and len(gt) > 20
    assert image.tobytes() != plain.tobytes()


def test_shipped_model_on_real_tobacco_photo(detector: Detector, shared_real: Path) -> None:
    m = evaluate_model(detector, str(shared_real / "tobacco_shelves" / "annotations.csv")).metrics
    assert (m.images, m.gt_boxes) == (1, 28)
    assert m.ap50 >= 0.8, m


def test_cli_eval_json() -> None:
    result = CliRunner().invoke(app, ["model", "eval", "synthetic:3-3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["images"] == 1
    assert {"ap", "ap50", "ap75", "ar300", "count_mae", "count_rmse"} <= set(data)
    assert data["input_size"] == 768


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["synthetic:3-1"], "empty seed range"),
        (["synthetic:0-0", "--classes", "shelf"], "unknown class 'shelf'"),
        (["synthetic:0-0", "--detector", "missing.onnx"], "model file not found"),
    ],
)
def test_cli_eval_bad_input_is_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["model", "eval", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
