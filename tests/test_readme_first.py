"""The README's first command, verbatim after its set-up, on a fresh copy of the samples:
it prints SKUs, compliance, OSA/OOS, share of shelf by brand and the rep's actions, and
its HTML report (checked in real Chromium on a phone and a desktop) names brands."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from browser import SIZES, laid_out_width, needs_chromium, screenshot

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETUP = "python3 -m venv .venv && .venv/bin/pip install -q -e . && "


def first_command() -> str:
    block = re.search(r"```bash\n(.+?)\n```", README, re.S)
    assert block is not None, "README has no bash block"
    return block.group(1).strip()


def test_first_command_sets_up_then_runs_the_samples() -> None:
    command = first_command()
    assert "\n" not in command, "the first command is one line"
    assert command.startswith(SETUP), f"the first command starts with the set-up: {command}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A fresh copy of the project's sample files and scripts, with the test's own
    environment standing in for the freshly installed ``.venv``; runs the rest of the
    README's first command there, verbatim."""
    work = tmp_path_factory.mktemp("fresh")
    shutil.copytree(ROOT / "sample_images", work / "sample_images")
    shutil.copytree(ROOT / "scripts", work / "scripts")
    (work / ".venv").symlink_to(Path(sys.prefix))
    assert (work / ".venv" / "bin" / "shelfscan").exists(), "shelfscan is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFSCAN_")}
    env["COLUMNS"] = "100"
    done = subprocess.run(
        ["bash", "-c", first_command()[len(SETUP) :]],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return work, done.stdout


def _brands() -> set[str]:
    with (ROOT / "sample_images" / "catalog" / "catalog.csv").open(newline="") as fh:
        return {row["brand"] for row in csv.DictReader(fh)}


def test_first_command_prints_the_full_value(demo: tuple[Path, str]) -> None:
    _, out = demo
    # the scan summary has recognition and planogram columns
    assert re.search(r"known\s+SKUs\s+compliance\s+OSA", out), out[:2000]
    assert re.search(r"shelf_01\.jpg\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+\d+/\d+", out)
    # visit KPIs, as labels and percentages
    for label in (
        "Planogram compliance",
        "On-shelf availability (OSA)",
        "Out of stock (OOS)",
        "Must-have presence",
        "Facings recognised",
    ):
        assert re.search(rf"{re.escape(label)}\s+[\d.,]+%?", out), label
    assert "e+0" not in out and "planogram_compliance" not in out
    # share of shelf by brand (vs the planogram's target) and by category
    assert "share of shelf by brand" in out and "share of shelf by category" in out
    assert len({b for b in _brands() if re.search(rf"\b{b}\s+\d+\s+[\d.]+%", out)}) >= 5
    # actions name products, not SKU ids
    actions = re.findall(r"^\s+\d+\. (.+)$", out, re.M)
    assert actions and not any("SKU0" in a for a in actions)
    assert any(a.startswith("Refill ") and "position" in a for a in actions)


def test_first_command_writes_a_report_that_names_brands(demo: tuple[Path, str]) -> None:
    work, _ = demo
    page = (work / "sample_report" / "report.html").read_text(encoding="utf-8")
    assert "Share of shelf" in page and "By brand" in page
    assert len({b for b in _brands() if f"<td>{b}</td>" in page}) >= 5
    assert "http://" not in page and "https://" not in page
    assert len(list((work / "sample_report").glob("*.jpg"))) == 5


@needs_chromium
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_visit_report_in_headless_chromium(
    demo: tuple[Path, str], size: tuple[int, int], tmp_path: Path
) -> None:
    work, _ = demo
    page = work / "sample_report" / "report.html"
    img = screenshot(page, size, tmp_path / f"visit-report-{size[0]}x{size[1]}.png")
    assert img.shape[:2] == (size[1], size[0])
    # dark header band on top, light page below
    assert img[:40].mean() < 120 and img[200:].mean() > 150
    # nothing wider than the window: no sideways scrolling on a phone
    assert laid_out_width(page, size[0]) <= size[0]
