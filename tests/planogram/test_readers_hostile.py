"""Hostile planogram files: every one ends in one clear line naming the file, never a
traceback, never memory or time without bound."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from shelfscan.errors import PlanogramError
from shelfscan.planogram import read_planograms

HEAD = "bay,shelf,position,sku,facings\n"

BAD: list[tuple[str, bytes, str]] = [
    ("shelf_huge.csv", (HEAD + "B,100000000,1,x,1\n").encode(), "shelf must be 1 to"),
    ("shelf_digits.csv", (HEAD + "B," + "9" * 5001 + ",1,x,1\n").encode(), "chars)"),
    ("facings_huge.csv", (HEAD + "B,1,1,x,1e30\n").encode(), "facings must be a whole number"),
    ("facings_big.csv", (HEAD + "B,1,1,x,99999\n").encode(), "facings must be 1 to 1000"),
    ("field.csv", (HEAD + 'B,1,1,"' + "x" * 200_000 + '",1\n').encode(), "malformed CSV"),
    ("latin1.csv", (HEAD + "B,1,1,caf\xe9,1\n").encode("latin-1"), "not UTF-8 text (byte 0xe9)"),
    (
        "facings.json",
        b'{"shelves": [[{"sku": "a", "facings": 1000000000000000000000000000000}]]}',
        "facings must be 1 to 1000",
    ),
    (
        "facings_float.json",
        b'{"shelves": [[{"sku": "a", "facings": 1e30}]]}',
        "facings must be a whole number",
    ),
    (
        "digits.json",
        b'{"shelves": [[{"sku": "a", "facings": ' + b"7" * 5001 + b"}]]}",
        "invalid JSON",
    ),
    (
        "position.json",
        b'{"shelves": [[{"sku": "a", "position": "abc"}]]}',
        "position must be a number, got 'abc'",
    ),
    (
        "position_obj.json",
        b'{"shelves": [[{"sku": "a", "position": [1]}]]}',
        "position must be a number",
    ),
    ("width.json", b'{"shelves": [[{"sku": "a", "width_mm": 1e300}]]}', "width_mm must be"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("latin1.json", '{"shelves": [[{"sku": "café"}]]}'.encode("latin-1"), "save the file as UTF-8"),
    (
        "shelves.json",
        b'{"shelves": [' + b",".join([b'[{"sku": "a"}]'] * 101) + b"]}",
        "101 shelves (at most 100)",
    ),
    (
        "psa_facings.psa",
        b"Planogram,B\nFixture,0,top,0,100\nPosition,4711,0,1000000000\n",
        "hfacings must be 1 to 1000",
    ),
    (
        "psa_x.psa",
        b"Planogram,B\nFixture,0,top,0,100\nPosition,4711,1e400,1\n",
        "position x must be a finite number",
    ),
    (
        "azure_x.json",
        b'{"fixtures": [{"id": "f", "y": 1}], "positions": [{"id": "1", '
        b'"fixtureId": "f", "productId": "p", "x": "abc"}]}',
        "x must be a number",
    ),
]


@pytest.mark.parametrize(("name", "content", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_hostile_planogram_is_one_clear_line(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    start = time.monotonic()
    with pytest.raises(PlanogramError) as err:
        read_planograms(path)
    message = str(err.value)
    assert fragment in message and str(path) in message
    assert "\n" not in message and len(message) < 500
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("bom", ["utf-16", "utf-8-sig"])
def test_utf16_and_bom_json_are_read(tmp_path: Path, bom: str) -> None:
    path = tmp_path / "bay.json"
    path.write_bytes('{"id": "B", "shelves": [[{"sku": "café", "facings": 2}]]}'.encode(bom))
    (bay,) = read_planograms(path)
    assert bay.shelves[0].positions[0].sku == "café"


def test_psa_with_100k_positions_on_one_fixture_imports_in_near_linear_time(
    tmp_path: Path,
) -> None:
    def write(n: int) -> Path:
        path = tmp_path / f"big{n}.psa"
        lines = ["Planogram,Big", "Fixture,0,top,0,100"]
        lines += [f"Position,P{i % 50},{i * 10},1" for i in range(n)]
        path.write_bytes("\n".join(lines).encode("cp1252"))
        return path

    small, big = write(10_000), write(100_000)
    t0 = time.process_time()
    read_planograms(small)
    t1 = time.process_time()
    (bay,) = read_planograms(big)
    t2 = time.process_time()
    assert len(bay.shelves[0].positions) == 100_000
    assert t2 - t1 < 40 * max(t1 - t0, 0.05)  # 10x the size: a quadratic reader takes 100x
    assert t2 - t1 < 30
