from __future__ import annotations

import numpy as np
import pytest

from helpers import dets, shelf_row_boxes
from shelfscan.layout import build_layout, cluster_rows, find_row_gaps
from shelfscan.layout.levels import inside_rows, lip_rows, shelf_space, slight_rows
from shelfscan.types import CLASS_EMPTY, CLASS_PRICE_TAG, CLASS_PRODUCT


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        # two clean rows, given in scrambled order -> top row first, each left to right
        (
            [[50, 200, 90, 300], [0, 0, 40, 100], [0, 200, 40, 300], [50, 0, 90, 100]],
            [[1, 3], [2, 0]],
        ),
        # a tall bottle and a short can on one board share a row
        ([[0, 100, 40, 300], [50, 220, 90, 300]], [[0, 1]]),
        # a slightly tilted row still clusters together
        ([[0, 0, 40, 100], [50, 10, 90, 110], [100, 20, 140, 120]], [[0, 1, 2]]),
        # boxes that only touch vertically are two rows
        ([[0, 0, 40, 100], [0, 100, 40, 200]], [[0], [1]]),
        # nothing
        ([], []),
    ],
)
def test_cluster_rows(boxes: list[list[float]], expected: list[list[int]]) -> None:
    assert cluster_rows(np.asarray(boxes, dtype=np.float32).reshape(-1, 4)) == expected


@pytest.mark.parametrize(
    ("xs", "left", "right", "expected"),
    [
        # tight row, no gaps
        ([(0, 40), (42, 82), (84, 124)], 0, 124, []),
        # one facing missing in the middle: a gap about one facing wide
        ([(0, 40), (84, 124)], 0, 124, [(40, 84, 1.1)]),
        # a small spacing (half a facing) is not a gap
        ([(0, 40), (60, 100)], 0, 100, []),
        # the row ends early compared with the bay: the end of the shelf is empty
        ([(0, 40), (42, 82)], 0, 170, [(82, 170, 2.2)]),
        # the row starts late
        ([(100, 140), (142, 182)], 0, 182, [(0, 100, 2.5)]),
        # overlapping boxes do not create negative gaps
        ([(0, 40), (30, 70), (71, 111)], 0, 111, []),
    ],
)
def test_find_row_gaps(
    xs: list[tuple[float, float]],
    left: float,
    right: float,
    expected: list[tuple[float, float, float]],
) -> None:
    boxes = np.asarray(shelf_row_boxes(0, 100, xs), dtype=np.float32)
    found = find_row_gaps(boxes, left, right)
    assert [(a, b) for a, b, _ in found] == [(a, b) for a, b, _ in expected]
    assert [w for _, _, w in found] == pytest.approx([w for _, _, w in expected])


def test_build_layout_rows_gaps_and_row_column() -> None:
    top = shelf_row_boxes(0, 100, [(0, 40), (42, 82), (84, 124), (126, 166)])
    bottom = shelf_row_boxes(200, 100, [(0, 40), (90, 130), (132, 172)])
    tag = [[10, 105, 30, 115]]
    empty = [[44, 200, 88, 300]]  # a detected empty slot where the hole is: not counted twice
    boxes = top + bottom + tag + empty
    classes = [CLASS_PRODUCT] * 7 + [CLASS_PRICE_TAG, CLASS_EMPTY]
    out, layout = build_layout(dets(boxes, classes), (400, 300))
    assert [r.facings for r in layout.rows] == [4, 3]
    assert len(layout.gaps) == 1
    assert layout.gaps[0].row == 1
    assert layout.gaps[0].xyxy[0] == pytest.approx(40)
    assert layout.gaps[0].xyxy[2] == pytest.approx(90)
    assert out.data["row"].tolist() == [0, 0, 0, 0, 1, 1, 1, -1, 1]


def test_build_layout_empty_slot_alone_on_a_row_is_a_gap() -> None:
    top = shelf_row_boxes(0, 100, [(0, 40), (42, 82)])
    bottom = shelf_row_boxes(400, 100, [(0, 40), (42, 82)])
    boxes = [*top, [0, 200, 82, 300], *bottom]
    classes = [CLASS_PRODUCT, CLASS_PRODUCT, CLASS_EMPTY, CLASS_PRODUCT, CLASS_PRODUCT]
    _, layout = build_layout(dets(boxes, classes), (100, 500))
    assert len(layout.rows) == 3
    assert layout.rows[1].facings == 0
    assert [g.row for g in layout.gaps] == [1]


@pytest.mark.parametrize(
    ("empty_box", "why"),
    [
        ([0, 300, 82, 380], "below the bottom shelf: the floor"),
        ([0, -150, 82, -60], "above the top shelf: the wall"),
    ],
)
def test_build_layout_empty_box_off_the_shelves_is_no_gap(empty_box: list[int], why: str) -> None:
    top = shelf_row_boxes(0, 100, [(0, 40), (42, 82)])
    bottom = shelf_row_boxes(150, 100, [(0, 40), (42, 82)])
    boxes = [[b[0], b[1] + 200, b[2], b[3] + 200] for b in [*top, *bottom, empty_box]]
    classes = [CLASS_PRODUCT] * 4 + [CLASS_EMPTY]
    _, layout = build_layout(dets(boxes, classes), (100, 700))
    assert len(layout.rows) == 2, why
    assert layout.gaps == (), why


def test_build_layout_no_detections() -> None:
    out, layout = build_layout(dets([]), (640, 480))
    assert layout.rows == () and layout.gaps == () and len(out) == 0


def _bay(x0: float, n: int, ys: tuple[float, ...]) -> list[list[float]]:
    return [
        b
        for y in ys
        for b in shelf_row_boxes(y, 100, [(x0 + i * 42, x0 + i * 42 + 40) for i in range(n)])
    ]


def test_build_layout_leaves_a_narrow_side_bay_out_and_measures_gaps_on_the_bay() -> None:
    main = _bay(0, 20, (0, 150, 300))
    side = _bay(900, 5, (70, 220))  # shelves at other heights: a side bay
    out, layout = build_layout(dets(main + side), (2000, 450))
    assert [r.facings for r in layout.rows] == [20, 20, 20]
    assert len(layout.bays) == 1 and layout.bays[0][1] < 900
    assert layout.gaps == ()  # the photo's empty right half is not a gap
    assert (out.data["row"][len(main) :] == -1).all()


@pytest.mark.parametrize(
    ("texture", "confident"),
    [
        (False, True),  # the hole shows a flat back panel: an empty slot
        (True, False),  # the hole is as busy as the facings: a product the detector missed
    ],
)
def test_build_layout_gap_confidence_follows_the_look_of_the_hole(
    texture: bool, confident: bool
) -> None:
    rng = np.random.default_rng(0)
    image = np.full((300, 900, 3), 60, np.uint8)
    xs = [(i * 42, i * 42 + 40) for i in range(20) if i != 10]
    for x1, x2 in xs:
        image[0:100, x1:x2] = rng.integers(0, 255, (100, x2 - x1, 3))
    if texture:
        image[0:100, 420:460] = rng.integers(0, 255, (100, 40, 3))
    _, layout = build_layout(dets(shelf_row_boxes(0, 100, xs)), (900, 300), image=image)
    assert (len(layout.gaps) == 1) == confident
    assert len(layout.gaps) + len(layout.weak_gaps) == 1


@pytest.mark.parametrize(
    ("bands", "n_products", "rows", "expected"),
    [
        # a level of stacked units inside the fuller middle row's band joins it
        ([(0, 100), (150, 300), (160, 240), (350, 450)], [20, 20, 8, 20], [0, 1, 2, 3], [2]),
        # shelves that only touch (stacked bands overlap a little) are all rows
        ([(0, 100), (90, 200), (190, 300)], [20, 20, 20], [0, 1, 2], []),
        # the fuller row is never inside the emptier one, even when its band is smaller
        ([(100, 200), (90, 260)], [20, 5], [0, 1], []),
        # equal products: the row listed first keeps its band
        ([(0, 100), (5, 100)], [10, 10], [0, 1], [1]),
        # only rows listed are compared: an unlisted band takes in nothing
        ([(0, 100), (10, 90)], [30, 10], [1], []),
    ],
)
def test_inside_rows(
    bands: list[tuple[float, float]], n_products: list[int], rows: list[int], expected: list[int]
) -> None:
    assert inside_rows(bands, n_products, rows) == expected


@pytest.mark.parametrize(
    ("bands", "n_products", "rows", "expected"),
    [
        # a line of short boxes, few of them, against a full row
        ([(0, 100), (150, 250), (300, 400), (405, 435)], [20, 20, 20, 6], [0, 1, 2, 3], [3]),
        ([(0, 100), (150, 250), (300, 400), (380, 420)], [20, 20, 20, 6], [0, 1, 2, 3], [3]),
        # the same line clear of the rows (a shelf board between): a short, sparse shelf
        ([(0, 100), (150, 250), (300, 400), (450, 480)], [20, 20, 20, 6], [0, 1, 2, 3], []),
        # short but full: a shelf of low packs stays a row
        ([(0, 100), (150, 250), (300, 400), (405, 435)], [20, 20, 20, 25], [0, 1, 2, 3], []),
        # few but full height: a sparse shelf stays a row
        ([(0, 100), (150, 250), (300, 400)], [20, 20, 4], [0, 1, 2], []),
        # two rows have no median to compare against
        ([(0, 100), (150, 170)], [20, 2], [0, 1], []),
    ],
)
def test_slight_rows(
    bands: list[tuple[float, float]], n_products: list[int], rows: list[int], expected: list[int]
) -> None:
    assert slight_rows(bands, n_products, rows) == expected


@pytest.mark.parametrize(
    ("bands", "rows", "expected"),
    [
        # short boxes touching the bottom shelf's products: its lip, however many
        ([(0, 100), (150, 250), (300, 400), (395, 430)], [0, 1, 2, 3], [3]),
        # overlapping the bottom shelf's band
        ([(0, 100), (150, 250), (300, 400), (380, 420)], [0, 1, 2, 3], [3]),
        # clear of it (a shelf board between): a low bottom shelf of its own
        ([(0, 100), (150, 250), (300, 400), (450, 490)], [0, 1, 2, 3], []),
        # full height under the bottom shelf: a shelf
        ([(0, 100), (150, 250), (300, 400), (400, 500)], [0, 1, 2, 3], []),
        # a short line in the middle is not the lip (``slight_rows`` judges it)
        ([(0, 100), (100, 130), (150, 250), (300, 400)], [0, 1, 2, 3], []),
        # only listed rows: the short line is not among them
        ([(0, 100), (150, 250), (300, 400), (395, 430)], [0, 1, 2], []),
        # two rows have no median to compare against
        ([(0, 100), (95, 120)], [0, 1], []),
    ],
)
def test_lip_rows(bands: list[tuple[float, float]], rows: list[int], expected: list[int]) -> None:
    assert lip_rows(bands, rows) == expected


def test_build_layout_short_boxes_on_the_bottom_shelf_lip_join_it() -> None:
    shelves = _bay(0, 20, (0, 150, 300))
    lip = shelf_row_boxes(402, 48, [(i * 42, i * 42 + 40) for i in range(20)])
    _, layout = build_layout(dets(shelves + lip), (900, 500))
    assert [r.facings for r in layout.rows] == [20, 20, 40]


def test_build_layout_a_level_of_stacked_units_is_part_of_its_shelf() -> None:
    tall = [shelf_row_boxes(y, 200, [(i * 42, i * 42 + 40) for i in range(20)]) for y in (0, 500)]
    middle = shelf_row_boxes(250, 200, [(i * 42, i * 42 + 40) for i in range(12)])
    stacks = [(504 + i * 42, 504 + i * 42 + 40) for i in range(8)]
    lower, upper = shelf_row_boxes(345, 105, stacks), shelf_row_boxes(250, 95, stacks)
    _, layout = build_layout(dets(tall[0] + middle + lower + upper + tall[1]), (900, 750))
    assert [r.facings for r in layout.rows] == [20, 28, 20]


def test_build_layout_a_line_of_short_boxes_on_the_lip_is_no_row() -> None:
    shelves = _bay(0, 20, (0, 150, 300))
    lip = shelf_row_boxes(405, 50, [(i * 105, i * 105 + 40) for i in range(8)])
    _, layout = build_layout(dets(shelves + lip), (900, 500))
    assert [r.facings for r in layout.rows] == [20, 20, 28]


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        # headroom between shelves: each row's space reaches up to the shelf line above
        ([(10, 100), (150, 250), (300, 400)], [10, 100, 250]),
        # stacked bands (products reach above the line above) keep their products' top
        ([(0, 100), (90, 200)], [0, 90]),
        # a band ending less than half a row height up is no shelf above: the space
        # reaches the line above that
        ([(0, 100), (100, 300), (160, 320)], [0, 100, 100]),
        # the lowest line well above counts, not the highest
        ([(0, 100), (150, 250), (300, 400)], [0, 100, 250]),
        ([], []),
    ],
)
def test_shelf_space(bands: list[tuple[float, float]], expected: list[float]) -> None:
    assert shelf_space(bands) == expected


def test_build_layout_a_row_reaches_up_to_the_shelf_line_above() -> None:
    _, layout = build_layout(dets(_bay(0, 20, (0, 150, 300))), (900, 450))
    assert [(round(r.y_top), round(r.y_bottom)) for r in layout.rows] == [
        (0, 100),
        (100, 250),
        (250, 400),
    ]


def test_build_layout_empty_slots_below_the_bottom_shelf_are_no_row() -> None:
    shelves = _bay(0, 20, (0, 150, 300))
    floor = [[0, 450, 280, 550], [280, 450, 560, 550], [560, 450, 840, 550]]
    clutter = [[400, 600, 440, 700]]  # one box further down is no shelf the empties lie on
    classes = [CLASS_PRODUCT] * 60 + [CLASS_EMPTY] * 3 + [CLASS_PRODUCT]
    _, layout = build_layout(dets(shelves + floor + clutter, classes), (900, 750))
    assert len(layout.rows) == 3
