"""Price parsing: one table of printed forms, one of whole tags."""

from __future__ import annotations

import pytest

from shelfscan.pricing.parse import (
    ParsedTag,
    TextLine,
    distrust_lost_marks,
    find_ean,
    find_prices,
    parse_amount,
    parse_tag,
)


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("5.29", 5.29, None),  # plain decimal point
        ("1,99", 1.99, None),  # decimal comma
        ("1,99 €", 1.99, "EUR"),  # euro after
        ("€1.99", 1.99, "EUR"),  # euro before
        ("$3.33", 3.33, "USD"),  # dollar sign
        ("£2", 2.0, "GBP"),  # whole pounds with a mark
        ("99¢", 0.99, "USD"),  # cents sign
        ("5 €", 5.0, "EUR"),  # whole euros, mark after
    ],
)
def test_parse_amount_reads_printed_forms(text: str, value: float, currency: str | None) -> None:
    price = parse_amount(text)
    assert price is not None
    assert price.value == pytest.approx(value)
    assert price.currency == currency


@pytest.mark.parametrize(
    "text",
    [
        "274",  # bare digits: may be superscript cents, never guessed
        "Special Value",  # words
        "1.2345",  # too many decimals
        "",  # nothing
        "12.3",  # one decimal is not a price
    ],
)
def test_parse_amount_refuses_non_prices(text: str) -> None:
    assert parse_amount(text) is None


def test_find_prices_in_order() -> None:
    assert [p.value for p in find_prices("was 4.68 now $3.33")] == [4.68, 3.33]


@pytest.mark.parametrize(
    ("text", "ean"),
    [
        ("4006381333931", "4006381333931"),  # valid EAN-13
        ("EAN 4006381333932", None),  # bad check digit
        ("036000291452", "036000291452"),  # valid UPC-A
        ("96385074", "96385074"),  # valid EAN-8
        ("1,99", None),  # no code
    ],
)
def test_find_ean_checks_digit(text: str, ean: str | None) -> None:
    assert find_ean(text) == ean


def L(text: str, height: float = 30.0, score: float = 0.99) -> TextLine:
    return TextLine(text, score, height)


@pytest.mark.parametrize(
    ("lines", "expect"),
    [
        # one big price
        ([L("1,49")], {"status": "read", "price": 1.49}),
        # promo tag: sale price big, regular price small
        (
            [L("Special Value", 20), L("$3.33", 34), L("4.68", 12)],
            {"price": 3.33, "second_price": 4.68, "second_role": "regular", "currency": "USD"},
        ),
        # the regular price is printed big and a smaller promo price beside it
        ([L("4.99", 34), L("club 3.99", 14)], {"price": 4.99, "second_role": "promo"}),
        # multi-buy: bundle price and quantity
        ([L("2/3.00", 34)], {"price": 3.0, "multi_qty": 2}),
        ([L("10 for $10", 34)], {"price": 10.0, "multi_qty": 10}),
        # unit price line is not the main price
        ([L("2,99", 34), L("1 kg = 5,98", 10)], {"price": 2.99, "unit_price": 5.98, "unit": "kg"}),
        ([L("$2.49", 34), L("$0.16/oz", 10)], {"price": 2.49, "unit_price": 0.16, "unit": "oz"}),
        # cents
        ([L("99¢", 34)], {"price": 0.99, "currency": "USD"}),
        # EAN under the price
        ([L("1,99", 34), L("4006381333931", 8)], {"price": 1.99, "ean": "4006381333931"}),
        # low OCR score: unreadable, never a shaky price
        ([L("13.33", 34, 0.6)], {"status": "unreadable", "price": None}),
        # the big text is a word and the only price is tiny: unreadable
        ([L("WERBUNG", 40), L("3,75", 10)], {"status": "unreadable"}),
        # nothing read at all
        ([], {"status": "unreadable"}),
        # bare digits only (superscript cents lost): unreadable
        ([L("274", 34)], {"status": "unreadable"}),
    ],
)
def test_parse_tag(lines: list[TextLine], expect: dict[str, object]) -> None:
    tag = parse_tag(lines)
    for key, value in expect.items():
        got = getattr(tag, key)
        if isinstance(value, float):
            assert got == pytest.approx(value), key
        else:
            assert got == value, key


def test_each_divides_a_multi_buy() -> None:
    assert parse_tag([L("2/3.00")]).each == pytest.approx(1.5)
    assert parse_tag([L("3.00")]).each == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("mains", "expect"),
    [
        # a tag prints "$": "13.33" may be "$3.33" with the mark read as "1"
        (["$3.33", "2.74", "13.33"], ["read", "read", "unreadable"]),
        # a letter for the mark leaves the number whole
        (["$3.33", "$2.74", "s1.00"], ["read", "read", "read"]),
        # no marks on the photo: a real 13.33 stays
        (["1,49", "2,99", "13,33"], ["read", "read", "read"]),
        # a marked 13.33 is fine
        (["$3.33", "$2.74", "$13.33"], ["read", "read", "read"]),
    ],
)
def test_distrust_lost_marks(mains: list[str], expect: list[str]) -> None:
    tags = distrust_lost_marks([parse_tag([L(m)]) for m in mains])
    assert [t.status for t in tags] == expect


def test_price_confidence_counts_only_the_price_characters() -> None:
    # "s1.00": the mark misread as a shaky "s" does not make the price itself shaky
    line = TextLine("s1.00", 0.87, 30.0, (0.4, 0.98, 0.99, 0.97, 0.99))
    assert parse_tag([line]).price == 1.0
    shaky = TextLine("2.74", 0.87, 30.0, (0.99, 0.5, 0.99, 0.99))
    assert parse_tag([shaky]).status == "unreadable"
    assert parse_tag([TextLine("s1.00", 0.87, 30.0)]).status == "unreadable"  # no per-char scores


def _w(text: str, glyphs: float, height: float = 30.0, pitch: float = 0.34) -> ParsedTag:
    """A tag whose main line ``text`` is ``glyphs`` glyphs of ``pitch`` line heights wide."""
    return parse_tag([TextLine(text, 0.99, height, (), glyphs * pitch * height)])


@pytest.mark.parametrize(
    ("tags", "expect"),
    [
        # three marked references: "13.33" as wide as "$3.33" is the mark read as "1"
        ([_w("$3.33", 4.4), _w("$2.74", 4.4), _w("$1.00", 4.4), _w("13.33", 4.4)], 3.33),
        ([_w("$3.33", 4.4), _w("$2.74", 4.4), _w("$1.00", 4.4), _w("53.98", 4.5)], 3.98),
        # a glyph wider: a real 13.33 whose mark was dropped, or junk: not trusted
        ([_w("$3.33", 4.4), _w("$2.74", 4.4), _w("$1.00", 4.4), _w("13.33", 5.4)], None),
        # two references do not measure the photo's pitch
        ([_w("$3.33", 4.4), _w("$2.74", 4.4), _w("13.33", 4.4)], None),
        # width unknown (no geometry): unreadable as before
        ([_w("$3.33", 4.4), _w("$2.74", 4.4), _w("$1.00", 4.4), _w("13.33", 0.0)], None),
        # the rest must be a price with two decimals
        ([_w("$3.33", 4.4), _w("$2.74", 4.4), _w("$1.00", 4.4), _w("13,3", 3.4)], None),
    ],
)
def test_mark_read_as_digit_by_line_width(tags: list[ParsedTag], expect: float | None) -> None:
    last = distrust_lost_marks(tags)[-1]
    if expect is None:
        assert last.status == "unreadable"
    else:
        assert last.status == "read" and last.price == pytest.approx(expect) and last.marked
        assert last.currency == "USD"
