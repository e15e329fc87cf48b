"""``shelfscan dataset generate`` and ``shelfscan dataset check``, in-process."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shelfscan.cli import app


def test_generate_then_check(tmp_path: Path) -> None:
    out = tmp_path / "syn"
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "dataset",
            "generate",
            str(out),
            "-n",
            "2",
            "--seed",
            "5",
            "--size",
            "320x240",
            "--format",
            "coco,yolo",
            "--skus",
            "40",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "wrote 2 images" in res.output
    assert sorted(p.name for p in (out / "images").iterdir()) == [
        "syn_000005.jpg",
        "syn_000006.jpg",
    ]
    res = runner.invoke(app, ["dataset", "check", str(out / "annotations.json"), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert (
        summary["images"] == 2 and summary["format"] == "coco" and summary["boxes"]["product"] > 0
    )
    res = runner.invoke(app, ["dataset", "check", str(out), "--format", "yolo"])
    assert res.exit_code == 0 and "yolo, 2 images" in res.output


def test_errors_are_one_line_and_exit_1(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["dataset", "generate", str(tmp_path), "--size", "big"])
    assert res.exit_code == 1 and "size must look like 1600x1200" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(app, ["dataset", "check", str(tmp_path / "none")])
    assert res.exit_code == 1 and "no such file or folder" in res.output
