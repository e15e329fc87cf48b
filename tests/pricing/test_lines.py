"""The component line finder on rendered tag crops: it must find the price line."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from shelfscan.pricing.lines import find_lines


def tag(
    text: str,
    ink: int,
    paper: int,
    around: int | None = None,
    small: str = "",
    bars: int = 0,
) -> np.ndarray:
    """A grey tag crop with ``text`` big at y 30..70 and optional ``small`` print below;
    ``bars`` > 0 prints that many barcode bars left of it, taller than the digits (x < 25)."""
    img = np.full((100, 200), paper, np.uint8)
    if around is not None:  # the tag sits on a shelf of another brightness
        img[:] = around
        img[10:90, 10:190] = paper
    for i in range(bars):
        cv2.line(img, (4 + 3 * i, 36), (4 + 3 * i, 84), ink, 1)
    cv2.putText(img, text, (25, 68), cv2.FONT_HERSHEY_SIMPLEX, 1.4, ink, 3, cv2.LINE_AA)
    if small:
        cv2.putText(img, small, (25, 84), cv2.FONT_HERSHEY_SIMPLEX, 0.4, ink, 1, cv2.LINE_AA)
    return img


@pytest.mark.parametrize(
    ("crop", "name"),
    [
        (tag("3,99", 0, 255), "dark on white"),
        (tag("3,99", 255, 60), "white on dark"),
        (tag("3,99", 0, 255, around=40), "white tag on a dark shelf"),
        (tag("12.49", 0, 230, small="0.25/oz"), "small print below"),
        (tag("4,99", 0, 230, bars=6), "a barcode beside it, taller than the digits"),
    ],
)
def test_finds_the_price_line(crop: np.ndarray, name: str) -> None:
    (line, *rest) = find_lines(crop, max_lines=2)
    x1, y1, x2, y2 = line
    assert y1 <= 38 and y2 >= 68 and y2 - y1 < 55, name  # the big line, not the whole tag
    assert x1 <= 27 and x2 >= 100, name
    assert all(r[3] - r[1] < y2 - y1 for r in rest), name  # tallest first


def test_one_line_wanted_gives_one() -> None:
    assert len(find_lines(tag("12.49", 0, 230, small="0.25/oz"), max_lines=1)) == 1


@pytest.mark.parametrize(
    "crop",
    [np.full((60, 120), 200, np.uint8), np.tile(np.arange(120, dtype=np.uint8), (60, 1))],
)
def test_no_text_no_line(crop: np.ndarray) -> None:
    assert find_lines(crop) == []
