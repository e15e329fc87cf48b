"""Planogram readers: every format gives the same bay; bad input names file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfscan.errors import PlanogramError
from shelfscan.planogram import Planogram, read_planograms
from shelfscan.planogram.model import validate

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "planograms"
EXPECTED = [
    [("4711", 3, 66.0), ("4712", 2, 80.0), ("4713", 1, 120.0)],
    [("5001", 4, 70.0), ("5002", 2, 70.0)],
    [("6001", 2, 150.0), ("6002", 3, 100.0)],
]


def blocks(bay: Planogram) -> list[list[tuple[str, int, float | None]]]:
    return [[(p.sku, p.facings, p.width_mm) for p in s.positions] for s in bay.shelves]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("bay.json", None),  # shelfscan JSON
        ("bay.csv", None),  # CSV, rows out of order
        ("bay_azure.json", None),  # Azure schema, detected by content
        ("bay_azure.json", "azure"),  # ... or named
        ("bay.psa", None),  # JDA/Blue Yonder PSA subset, cp1252, fixtures out of order
    ],
)
def test_every_format_reads_the_same_bay(name: str, fmt: str | None) -> None:
    (bay,) = read_planograms(ASSETS / name, fmt)
    assert bay.id == "BAY1"
    assert blocks(bay) == EXPECTED


def test_json_round_trip(tmp_path: Path) -> None:
    (bay,) = read_planograms(ASSETS / "bay.json")
    out = tmp_path / "again.json"
    out.write_text(json.dumps(bay.to_json()))
    (again,) = read_planograms(out)
    assert blocks(again) == EXPECTED and again.name == "Cola bay"


def test_csv_with_two_bays(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("bay,shelf,position,sku,facings\nA,1,1,x,2\nB,1,1,y,1\nB,2,1,z,1\n")
    bays = read_planograms(path)
    assert [b.id for b in bays] == ["A", "B"]
    assert [len(b.shelves) for b in bays] == [1, 2]


BAD = [
    # (file name, content, expected fragments of the message)
    (
        "wrong_header.csv",
        "bay,shelf,sku,facings\nB,1,x,1\n",
        ["wrong_header.csv:1", "wrong header"],
    ),
    (
        "dup.csv",
        "bay,shelf,position,sku,facings\nB,1,1,x,1\nB,1,2,y,1\nB,1,1,z,1\n",
        ["dup.csv:4", "duplicate position", "first given at", "dup.csv:2"],
    ),
    ("facings.csv", "bay,shelf,position,sku,facings\nB,1,1,x,zero\n", ["facings.csv:2", "facings"]),
    (
        "hole.csv",
        "bay,shelf,position,sku,facings\nB,1,1,x,1\nB,3,1,y,1\n",
        ["no positions on shelf 2"],
    ),
    ("columns.csv", "bay,shelf,position,sku,facings\nB,1,1,x\n", ["columns.csv:2", "columns"]),
    ("empty.csv", "bay,shelf,position,sku,facings\n", ["no planogram positions", "no shelves"]),
    ("noshelves.json", '{"id": "B", "shelves": []}', ["noshelves.json", "has no shelves"]),
    ("broken.json", '{"id": "B",\n "shelves": [}', ["broken.json:2", "invalid JSON"]),
    ("badpos.json", '{"shelves": [[{"facings": 2}]]}', ["shelves[0][0]", "sku"]),
    (
        "dupjson.json",
        '{"shelves": [[{"sku": "a", "position": 1}, {"sku": "b", "position": 1}]]}',
        ["duplicate position 1"],
    ),
    ("azure_nofix.json", '{"planogram": {"fixtures": [], "positions": []}}', ["no fixtures"]),
    (
        "azure_badref.json",
        '{"fixtures": [{"id": "f", "y": 1}], "positions": [{"id": "1", "fixtureId": "g", "productId": "p", "x": 0}]}',
        ["positions[0]", "unknown fixtureId 'g'"],
    ),
    (
        "azure_dup.json",
        '{"fixtures": [{"id": "f", "y": 1}], "positions": [{"id": "1", "fixtureId": "f", "productId": "p", "x": 0},'
        ' {"id": "2", "fixtureId": "f", "productId": "q", "x": 0}]}',
        ["positions[1]", "duplicate position"],
    ),
    ("order.psa", "Planogram,B\nPosition,4711,0,3\n", ["order.psa:2", "before any Fixture"]),
    (
        "num.psa",
        "Planogram,B\nFixture,0,top,0,100\nPosition,4711,0,three\n",
        ["num.psa:3", "hfacings"],
    ),
    ("short.psa", "Planogram,B\nFixture,0,top\n", ["short.psa:2", "malformed Fixture", "y"]),
    ("weird.psa", "Planogram,B\n%%garbage%%\n", ["weird.psa:2", "malformed PSA line"]),
    ("nofix.psa", "Planogram,B\n", ["has no fixtures"]),
    (
        "unknownprod.psa",
        "Planogram,B\nProduct,1,a,50\nFixture,0,top,0,100\nPosition,2,0,1\n",
        ["unknownprod.psa:4", "unknown product '2'"],
    ),
    ("bay.txt", "whatever", ["cannot tell the planogram format"]),
]


@pytest.mark.parametrize(("name", "content", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_file_and_line(
    tmp_path: Path, name: str, content: str, fragments: list[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("cp1252"))
    with pytest.raises(PlanogramError) as err:
        read_planograms(path)
    message = str(err.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("name", "where"),
    [("bay.csv", "bay.csv:2"), ("bay.psa", "bay.psa:14"), ("bay.json", "shelves[0][0]")],
)
def test_unknown_skus_against_a_catalog(name: str, where: str) -> None:
    with pytest.raises(PlanogramError) as err:
        read_planograms(ASSETS / name, known_skus={"5001", "5002", "6001", "6002"})
    assert "unknown SKU '4711'" in str(err.value) and where in str(err.value)
    assert "and 2 more" in str(err.value)  # 4712 and 4713 too


def test_known_skus_pass() -> None:
    skus = {s for shelf in EXPECTED for s, _, _ in shelf}
    assert len(read_planograms(ASSETS / "bay.csv", known_skus=skus)) == 1


@pytest.mark.parametrize(
    ("bay", "fragment"),
    [
        (Planogram("B", ()), "has no shelves"),  # no shelves at all
        (Planogram.from_blocks("B", [[("x", 0)]]), "facings must be at least 1"),
        (Planogram.from_blocks("B", [[("x", 1, -5.0)]]), "width_mm must be positive"),
        (Planogram.from_blocks("B", [[("x", 1)], []]), "shelf 2 has no positions"),
    ],
)
def test_validate(bay: Planogram, fragment: str) -> None:
    with pytest.raises(PlanogramError, match=fragment):
        validate(bay)


def test_unknown_format_lists_valid_ones() -> None:
    with pytest.raises(PlanogramError, match="valid: json, csv, azure, psa"):
        read_planograms(ASSETS / "bay.csv", "xml")
