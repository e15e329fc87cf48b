"""Visit report: actions, annotated photos, HTML page, and the page in a real browser."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from bay_builders import stored_visit
from browser import SIZES, laid_out_width, needs_chromium, screenshot
from shelfscan.planogram import PlanogramMatch, PositionMatch
from shelfscan.recognition.records import SkuInfo
from shelfscan.report import COLOURS, actions_for, annotate, load_visit_report, write_report
from shelfscan.report.html import render_html
from shelfscan.report.visit import PhotoReport
from shelfscan.types import Detections, Gap, ShelfLayout, ShelfRow


def photo_with(positions: list[PositionMatch], facing_status: tuple[str, ...] = ()) -> PhotoReport:
    dets = Detections.from_boxes(
        [[10, 10, 50, 90], [60, 10, 100, 90]],
        row=np.array([0, 0]),
        sku=np.array(["4711", "9999"], dtype=object),
    )
    layout = ShelfLayout(
        (ShelfRow(0, 10, 90, 10, 100, (0, 1), 40),), (Gap(0, (100, 10, 190, 90), 2.2),), (200, 100)
    )
    match = (
        PlanogramMatch(
            "P", "align", tuple(positions), facing_status or ("expected", "unexpected"), (2,)
        )
        if positions
        else None
    )
    return PhotoReport(1, Path("a.jpg"), 200, 100, dets, layout, {}, {}, match)


@pytest.mark.parametrize(
    ("case", "position", "text", "priority"),
    [
        (
            "out of stock",
            PositionMatch(2, 0, "4711", 3, 0, "missing"),
            "Refill SKU 4711 on shelf 3, position 1 (3 facings)",
            1,
        ),
        (
            "too few",
            PositionMatch(0, 1, "4712", 4, 1, "wrong_facings"),
            "Add 3 facings of SKU 4712 on shelf 1, position 2 (1 of 4 there)",
            2,
        ),
        (
            "too many",
            PositionMatch(1, 0, "4713", 1, 3, "wrong_facings"),
            "Reduce SKU 4713 on shelf 2, position 1 to 1 facing (3 there)",
            3,
        ),
        (
            "misplaced",
            PositionMatch(0, 4, "4714", 2, 0, "misplaced"),
            "Move SKU 4714 back to shelf 1, position 5",
            2,
        ),
    ],
)
def test_actions_from_positions(
    case: str, position: PositionMatch, text: str, priority: int
) -> None:
    actions = actions_for([photo_with([position, PositionMatch(0, 9, "ok", 1, 1, "ok")])])
    assert actions[0].text == text and actions[0].priority == priority
    # the competitor facing on row 0 (shelf 3) asks for its removal, by name; ok positions
    # ask nothing
    assert [a.text for a in actions[1:]] == [
        "Remove 1 facing of SKU 9999 from shelf 3: not in the planogram"
    ]
    assert actions[1].box == (60.0, 10.0, 100.0, 90.0)  # drawn on the annotated photo


def test_actions_without_planogram_check_gaps() -> None:
    (action,) = actions_for([photo_with([])])
    assert action.text == "Check the empty gap on row 1 (2.2 facings wide)"


def test_actions_use_product_names_and_skip_narrow_gaps() -> None:
    names = {"4711": SkuInfo("4711", name="Refill Secret Outlast Pink 73 g")}
    photo = photo_with([PositionMatch(2, 3, "4711", 2, 0, "missing")], ("expected", "expected"))
    (action,) = actions_for([photo], names)
    assert (
        action.text == "Refill Refill Secret Outlast Pink 73 g on shelf 3, position 4 (2 facings)"
    )
    narrow = photo_with([])
    narrow = replace(narrow, layout=replace(narrow.layout, gaps=(Gap(0, (100, 10, 130, 90), 0.8),)))
    assert actions_for([narrow]) == []  # a gap under one facing wide asks for nothing
    assert actions_for([replace(photo_with([]), duplicate_of=7)]) == []  # duplicate: nothing


def test_annotate_colours_boxes_by_status() -> None:
    photo = photo_with([PositionMatch(0, 0, "4711", 1, 1, "ok", 0, (0,))])
    image = np.full((600, 1200, 3), 255, np.uint8)
    out = annotate(image, photo.detections, photo.layout, photo.match, max_side=None)
    assert out.shape[1] == 1200 and out.shape[0] > 600  # legend band below the photo
    assert not np.array_equal(out[:600], image)
    assert tuple(int(v) for v in out[50, 10]) == COLOURS["ok"][0]  # left edge of box 0
    assert tuple(int(v) for v in out[50, 60]) == COLOURS["unexpected"][0]  # box 1
    assert np.array_equal(image, np.full((600, 1200, 3), 255, np.uint8))  # input untouched


def test_annotate_downscales_big_photos() -> None:
    photo = photo_with([])
    out = annotate(np.zeros((1000, 4000, 3), np.uint8), photo.detections, photo.layout, None, 1600)
    assert max(out.shape[:2]) == 1600 and out.shape[0] > 400  # photo 1600x400 plus legend


def test_html_is_self_contained_and_escaped(tmp_path: Path, db_path: Path) -> None:
    db, visit, plan = stored_visit(tmp_path, db_path)
    db.execute("UPDATE visits SET rep = '<script>x</script>' WHERE id = ?", [visit])
    report, written = write_report(db, visit, tmp_path / "r.html", tmp_path / "imgs")
    page = (tmp_path / "r.html").read_text()
    assert "data:image/jpeg;base64," in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page  # opens offline
    gone = plan.shelves[0].positions[1].sku
    assert f"Refill SKU {gone} on shelf 1" in page
    assert any(a.text.startswith(f"Refill SKU {gone}") for a in report.actions)
    jpgs = sorted((tmp_path / "imgs").glob("*.jpg"))
    assert len(jpgs) == 1 and cv2.imread(str(jpgs[0])) is not None
    assert set(written) == {tmp_path / "r.html", *jpgs}
    assert 0 < report.kpis["planogram_compliance"] < 1


def test_visit_without_planogram_still_has_shelf_kpis(tmp_path: Path, db_path: Path) -> None:
    db, visit, _ = stored_visit(tmp_path, db_path, with_planogram=False)
    report = load_visit_report(db, visit)
    assert report.kpis["facings"] > 0 and "gaps" in report.kpis
    assert "planogram_compliance" not in report.kpis
    page = render_html(report, {})
    assert "Planogram compliance" not in page and "Photo file not found" in page


def test_missing_photo_file_is_reported_not_fatal(tmp_path: Path, db_path: Path) -> None:
    db, visit, _ = stored_visit(tmp_path, db_path)
    (tmp_path / "shelf.jpg").unlink()
    _, written = write_report(db, visit, tmp_path / "r.html")
    assert "Photo file not found" in (tmp_path / "r.html").read_text()
    assert written == [tmp_path / "r.html"]


@needs_chromium
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_report_renders_in_headless_chromium(
    tmp_path: Path, db_path: Path, size: tuple[int, int]
) -> None:
    db, visit, _ = stored_visit(tmp_path, db_path)
    write_report(db, visit, tmp_path / "report.html")
    img = screenshot(tmp_path / "report.html", size, tmp_path / f"report-{size[0]}.png")
    assert img.shape[:2] == (size[1], size[0])
    # the page drew something: the dark header band on top and a light page below
    assert img[:40].mean() < 120 and img[200:].mean() > 150
    # nothing overflows sideways (headless lays a bare window out at 500 px at least,
    # so the width is measured in a frame of the exact size)
    assert laid_out_width(tmp_path / "report.html", size[0]) <= size[0]
