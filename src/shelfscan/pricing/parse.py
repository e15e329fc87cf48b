"""Read prices out of a tag's OCR lines: pure string rules, no image code.

A tag's lines come from OCR as ``TextLine(text, score, height)``. The main price is the
price printed largest (shelf tags print the price to pay biggest); a second price on
the tag is kept as the regular price (promo tags print the sale price big and the old
price small) or, when it is the larger one printed larger, the main price is the
regular one and the smaller is a promo price. Multi-buy ("2/3.00"), unit prices
("0.25/oz", "1 kg = 3,98"), cents ("99¢"), currency marks ("$", "£", "€" before or
after) and EAN/UPC codes (check digit verified) are recognised.

A tag whose largest text is not a price, or whose price was read with a low OCR score,
is ``unreadable``: this module never guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

# Below this OCR score (RapidOCR's mean character probability) a price is not trusted.
MIN_PRICE_SCORE = 0.9
# A line counts as "the price line" only if it is at least this share of the tallest
# line's height; else the tag's big text is something else (a logo, a brand).
MAIN_LINE_SHARE = 0.7

_CURRENCY = {"$": "USD", "£": "GBP", "€": "EUR", "¢": "USD"}
_UNITS = r"(?:100\s?g|100\s?ml|kg|g|lb|oz|fl\.?\s?oz|l|ml|ct|ea|each|pc|pcs|st|stk|m)"
_NUM = r"\d{1,4}(?:[.,]\d{2})?"
_UNIT_AFTER = re.compile(
    rf"(?P<num>[$£€]?\s?{_NUM})\s?[$£€]?\s?(?:/|per\s)\s?(?P<unit>{_UNITS})\b", re.I
)
_UNIT_BEFORE = re.compile(
    rf"\b1?\s?(?P<unit>{_UNITS})\s?=\s?(?P<num>[$£€]?\s?{_NUM}\s?[$£€]?)", re.I
)
_MULTI = re.compile(
    r"(?<![\d.,])(?P<qty>\d{1,2})\s?(?:/|for\s)\s?(?P<num>[$£€]?\s?\d{1,4}(?:[.,]\d{2})?)(?![\d.,])",
    re.I,
)
_DECIMAL = re.compile(
    r"(?P<pre>[$£€])?\s?(?<![\d.,])(?P<int>\d{1,4})[.,](?P<frac>\d{2})(?![\d.,])\s?(?P<post>[$£€])?"
)
_CENTS = re.compile(r"(?<![\d.,])(?P<c>\d{1,2})\s?(?:¢|c\b)", re.I)
_WHOLE = re.compile(
    r"(?P<pre>[$£€])\s?(?P<int>\d{1,4})(?![\d.,])|(?<![\d.,])(?P<int2>\d{1,4})\s?(?P<post>[€£])"
)
_EAN = re.compile(r"(?<!\d)(\d{8}|\d{12,13})(?!\d)")
_REGULAR_WORDS = re.compile(r"\b(was|reg|regular|orig|statt|uvp|before|prix normal)\b", re.I)


@dataclass(frozen=True)
class TextLine:
    """One OCR'd text line of a tag: its text, OCR score in [0, 1], height in pixels."""

    def span_score(self, span: tuple[int, int]) -> float:
        """The mean character score over ``text[span[0]:span[1]]`` (the line's score when
        the per-character scores are unknown): a price is judged by its own characters."""
        if len(self.char_scores) != len(self.text) or span[1] <= span[0]:
            return self.score
        chars = [
            c
            for c, ch in zip(
                self.char_scores[span[0] : span[1]], self.text[span[0] : span[1]], strict=True
            )
            if not ch.isspace()
        ]
        return sum(chars) / len(chars) if chars else self.score

    text: str
    score: float
    height: float
    char_scores: tuple[float, ...] = ()  # one per character of ``text``, where known
    width: float = 0.0  # the line's width in pixels, where known


@dataclass(frozen=True)
class Price:
    """One price found in a line."""

    value: float
    currency: str | None = None


@dataclass(frozen=True)
class ParsedTag:
    """What a tag says. ``status`` is ``read`` or ``unreadable``; prices are in the
    printed currency's units. ``price`` is the main price as printed: for a multi-buy
    tag ("2/3.00") it is the price of the bundle, with ``multi_qty`` units."""

    status: str
    price: float | None = None
    second_price: float | None = None
    second_role: str | None = None  # "regular" (was-price) or "promo"
    multi_qty: int | None = None
    unit_price: float | None = None
    unit: str | None = None
    currency: str | None = None
    ean: str | None = None
    text: str = ""
    confidence: float = 0.0
    marked: bool = False  # the main price was read with a currency mark before it
    main_text: str = ""  # the OCR text of the main price's line
    main_width: float = 0.0  # ... and that line's width and height in pixels (0: unknown)
    main_height: float = 0.0

    @property
    def each(self) -> float | None:
        """The price of one unit: the bundle price divided by its quantity."""
        if self.price is None:
            return None
        return round(self.price / (self.multi_qty or 1), 4)


def _currency(*marks: str | None) -> str | None:
    for mark in marks:
        if mark:
            return _CURRENCY.get(mark.strip())
    return None


def parse_amount(text: str) -> Price | None:
    """The one price a short text is (``"5.29"``, ``"1,99 €"``, ``"£2"``, ``"99¢"``), or None.

    Whole numbers count only with a currency mark: a bare ``"274"`` may be 2.74 printed
    with superscript cents or a quantity, so it is not read as a price.
    """
    text = text.strip()
    m = _DECIMAL.fullmatch(text)
    if m:
        return Price(float(f"{m['int']}.{m['frac']}"), _currency(m["pre"], m["post"]))
    m = _CENTS.fullmatch(text)
    if m:
        return Price(round(int(m["c"]) / 100, 2), "USD" if "¢" in text else None)
    m = _WHOLE.fullmatch(text)
    if m:
        return Price(float(m["int"] or m["int2"]), _currency(m["pre"], m["post"]))
    return None


def find_prices(text: str) -> list[Price]:
    """Every price in a line, left to right (decimals, cents, marked whole amounts)."""
    return [p for _, p in _price_spans(text)]


def _price_spans(text: str) -> list[tuple[tuple[int, int], Price]]:
    found: list[tuple[tuple[int, int], Price]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_DECIMAL, _CENTS, _WHOLE):
        for m in pattern.finditer(text):
            span = m.span()
            if any(span[0] < b and a < span[1] for a, b in taken):
                continue
            price = parse_amount(m.group(0))
            if price is not None:
                found.append((span, price))
                taken.append(span)
    return sorted(found, key=lambda item: item[0])


def find_ean(text: str) -> str | None:
    """An EAN-13, UPC-A or EAN-8 code with a valid check digit, or None."""
    for m in _EAN.finditer(text.replace(" ", "")):
        code = m.group(1)
        digits = [int(c) for c in code.zfill(13 if len(code) != 8 else 8)]
        body, check = digits[:-1], digits[-1]
        weights = [3 if (len(body) - i) % 2 else 1 for i in range(len(body))]
        if (10 - sum(d * w for d, w in zip(body, weights, strict=True)) % 10) % 10 == check:
            return code
    return None


def _unit_price(text: str) -> tuple[float, str, tuple[int, int]] | None:
    for pattern in (_UNIT_AFTER, _UNIT_BEFORE):
        m = pattern.search(text)
        if m:
            amount = parse_amount(m["num"]) or parse_amount(m["num"].strip() + "$")
            value = amount.value if amount else _bare_number(m["num"])
            if value is not None:
                return value, re.sub(r"\s", "", m["unit"].lower()), m.span()
    return None


def _bare_number(text: str) -> float | None:
    digits = re.sub(r"[$£€\s]", "", text).replace(",", ".")
    try:
        return float(digits)
    except ValueError:
        return None


def _multi(text: str) -> tuple[int, Price, tuple[int, int]] | None:
    m = _MULTI.search(text)
    if not m:
        return None
    num = m["num"].strip()
    price = parse_amount(num) or (
        Price(float(num)) if num.isdigit() and "$" in m.group(0) else None
    )
    if price is None:
        return None
    qty = int(m["qty"])
    return (qty, price, m.span()) if qty >= 2 else None


_Reading = tuple[Price | None, int | None, tuple[float, str] | None, tuple[int, int]]


def _line_reading(line: TextLine) -> _Reading:
    """(price, multi-buy quantity, unit price, span of the price in the text) of one line;
    the unit-price part is blanked out first (offsets kept)."""
    text = line.text
    unit = _unit_price(text)
    if unit is not None:
        a, b = unit[2]
        text = text[:a] + " " * (b - a) + text[b:]
    unit_value = unit[:2] if unit else None
    multi = _multi(text)
    if multi is not None:
        return multi[1], multi[0], unit_value, multi[2]
    prices = _price_spans(text)
    if not prices:
        return None, None, unit_value, (0, 0)
    return prices[0][1], None, unit_value, prices[0][0]


def parse_tag(lines: list[TextLine], min_score: float = MIN_PRICE_SCORE) -> ParsedTag:
    """Read a tag from its OCR lines (any order).

    The main price comes from the tallest line that holds a price, provided that line is
    close to the tallest text on the tag and was read with a score >= ``min_score``.
    """
    text = " | ".join(line.text for line in lines)
    ean = find_ean(text)
    readings = []
    unit: tuple[float, str] | None = None
    for line in sorted(lines, key=lambda ln: -ln.height):
        price, qty, line_unit, span = _line_reading(line)
        unit = unit or line_unit
        if price is not None:
            readings.append((line, price, qty, span))
    tallest = max((ln.height for ln in lines if ln.text.strip()), default=0.0)
    if not readings:
        return ParsedTag(
            "unreadable",
            unit_price=unit[0] if unit else None,
            unit=unit[1] if unit else None,
            ean=ean,
            text=text,
        )
    main_line, main, qty, span = readings[0]
    score = main_line.span_score(span)
    if score < min_score or main_line.height < MAIN_LINE_SHARE * tallest:
        return ParsedTag(
            "unreadable", ean=ean, text=text, confidence=score, main_text=main_line.text
        )
    second = next((p for _, p, _, _ in readings[1:] if p.value != main.value), None)
    role = None
    if second is not None:
        said_regular = bool(_REGULAR_WORDS.search(text))
        role = "regular" if said_regular or second.value > main.value else "promo"
    return ParsedTag(
        "read",
        price=main.value,
        second_price=second.value if second else None,
        second_role=role,
        multi_qty=qty,
        unit_price=unit[0] if unit else None,
        unit=unit[1] if unit else None,
        currency=main.currency or next((p.currency for _, p, _, _ in readings if p.currency), None),
        ean=ean,
        text=text,
        confidence=float(score),
        marked=bool(re.search(r"[$£€]\s?\d", main_line.text)),
        main_text=main_line.text,
        main_width=main_line.width,
        main_height=main_line.height,
    )


# OCR reads a "$" printed before a price as one of these more often than it drops it.
_MARK_LOOKALIKES = "158"


_MARKED = re.compile(r"[$£€]\s?\d{1,4}[.,]\d{2}")
_MARK_AS_DIGIT = re.compile(r"(?P<mark>[158])(?P<price>\d{1,3}[.,]\d{2})")
MIN_PITCH_REFERENCES = 3  # marked tags of a photo needed to measure its glyph pitch
PITCH_MARGIN = 0.2  # glyphs: how much wider than the "mark read as a digit" reading a
# line may be (the other reading, a real digit after a dropped mark, is one glyph wider)


def _units(text: str) -> float:
    """A text's width in glyphs: a decimal point or comma counts 0.4."""
    return sum(0.4 if c in ".," else 1.0 for c in text if not c.isspace())


def _glyph_pitch(tags: list[ParsedTag]) -> float | None:
    """The photo's median glyph width per line height, from tags read as a marked price
    and nothing else ("$3.33"), or None with fewer than ``MIN_PITCH_REFERENCES``."""
    pitches = sorted(
        t.main_width / (t.main_height * _units(t.main_text))
        for t in tags
        if t.status == "read"
        and t.marked
        and t.main_width > 0
        and t.main_height > 0
        and _MARKED.fullmatch(t.main_text.strip())
    )
    return pitches[len(pitches) // 2] if len(pitches) >= MIN_PITCH_REFERENCES else None


def distrust_lost_marks(tags: list[ParsedTag]) -> list[ParsedTag]:
    """Photo-level check: where any tag of the photo was read with a currency mark before
    the price ("$3.33"), the photo's tags print one. A tag read without the mark but
    starting with a digit OCR confuses with it ("13.33", "53.33") may have lost the mark
    to that digit: it becomes ``unreadable`` rather than a confident wrong price (a real
    13.33 read without its "$" is lost too, which is the safe side). A letter in place of
    the mark ("s1.00") leaves the number whole.

    The line's width can settle it: with the photo's glyph pitch measured on its marked
    tags, "13.33" as "$3.33" is 4.4 glyphs wide and as "$13.33" 5.4. Read as the mark
    only if the line is at most ``PITCH_MARGIN`` glyphs wider than the first reading,
    the rest is a price with two decimals, and the digit reading would be wider still."""
    if not any(t.marked for t in tags if t.status == "read"):
        return tags
    pitch = _glyph_pitch(tags)
    currency = next((t.currency for t in tags if t.marked and t.currency), None)
    out = []
    for t in tags:
        head = re.sub(r"[^0-9A-Za-z]", "", t.main_text)[:1]
        lost = t.status == "read" and not t.marked and head and head in _MARK_LOOKALIKES
        if lost and t.price is not None and t.price >= 10:  # the mark became a digit
            m = _MARK_AS_DIGIT.fullmatch(t.main_text.strip())
            fits = (
                m is not None
                and pitch is not None
                and t.main_width > 0
                and t.main_width / (t.main_height * pitch) <= _units(m[0]) + PITCH_MARGIN
            )
            if m is not None and fits:
                price = float(m["price"].replace(",", "."))
                t = replace(t, price=price, marked=True, currency=t.currency or currency)
            else:
                t = ParsedTag("unreadable", ean=t.ean, text=t.text, confidence=t.confidence)
        out.append(t)
    return out
