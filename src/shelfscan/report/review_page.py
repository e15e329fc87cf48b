"""The self-contained HTML review page: each unknown facing's crop, the suggested SKU,
thumbnails of the closest catalog SKUs and the command that labels it. One file, images
embedded, no scripts, no network; one column on a phone, a grid on a desktop."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path


@dataclass(frozen=True)
class ReviewCandidate:
    sku: str
    name: str
    brand: str
    score: float
    thumbnail: bytes | None  # JPEG of one reference image


@dataclass(frozen=True)
class ReviewItem:
    """One unknown facing to label."""

    id: int
    visit_id: str
    photo: str
    crop: bytes  # JPEG
    suggested: str | None  # SKU id the matcher found nearest
    score: float | None
    candidates: Sequence[ReviewCandidate] = ()


CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
 color:#1d2430;background:#f3f5f8}
header{background:#1f3a5f;color:#fff;padding:14px 16px}
header h1{margin:0;font-size:1.25rem} header p{margin:4px 0 0;opacity:.85;font-size:.9rem}
main{padding:12px;max-width:1200px;margin:auto;display:grid;gap:12px;grid-template-columns:1fr}
article{background:#fff;border-radius:10px;padding:12px 14px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:1.05rem;margin:0 0 6px}
.crop{display:flex;gap:12px;align-items:flex-start}
.crop img{width:120px;height:160px;object-fit:contain;background:#eef1f5;border-radius:6px}
.sugg b{display:block;font-size:1.05rem}
.muted{color:#5a6473;font-size:.85rem}
.cands{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;margin-top:10px}
.cand{background:#f3f5f8;border-radius:8px;padding:6px;text-align:center;font-size:.8rem;
 overflow-wrap:anywhere}
.cand img{width:100%;height:90px;object-fit:contain;display:block;margin-bottom:4px}
.cand.best{outline:2px solid #1e7b34}
code{display:block;background:#1d2430;color:#e8edf5;border-radius:6px;padding:6px 8px;
 font-size:.75rem;margin-top:8px;overflow-wrap:anywhere;white-space:pre-wrap}
@media (min-width:800px){main{grid-template-columns:repeat(2,1fr)}}
@media (min-width:1300px){main{grid-template-columns:repeat(3,1fr)}}
"""


def _img(jpeg: bytes | None, alt: str) -> str:
    if jpeg is None:
        return '<div class="muted">no image</div>'
    data = base64.b64encode(jpeg).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/jpeg;base64,{data}">'


def _item(item: ReviewItem, names: Mapping[str, str]) -> str:
    suggested = item.suggested
    sugg = (
        f"<b>{escape(names.get(suggested, '') or suggested)}</b>"
        f'<span class="muted">suggested: {escape(suggested)}'
        + (f", similarity {item.score:.2f}" if item.score is not None else "")
        + "</span>"
        if suggested
        else '<b>No suggestion</b><span class="muted">nothing in the catalog is close</span>'
    )
    cands = "".join(
        f'<div class="cand{" best" if c.sku == suggested else ""}">'
        f"{_img(c.thumbnail, c.sku)}<b>{escape(c.name or c.sku)}</b><br>"
        f'<span class="muted">{escape(c.brand)} {escape(c.sku)} · {c.score:.2f}</span></div>'
        for c in item.candidates
    )
    command = (
        f"shelfscan review --id {item.id} --assign {suggested}"
        if suggested
        else f"shelfscan review --id {item.id} --new-sku ID --name NAME --brand BRAND"
    )
    return (
        f'<article id="u{item.id}"><h2>#{item.id} · {escape(item.photo)}</h2>'
        f'<div class="crop">{_img(item.crop, f"unknown facing {item.id}")}'
        f'<div class="sugg">{sugg}</div></div>'
        + (f'<div class="cands">{cands}</div>' if cands else "")
        + f"<code>{escape(command)}\nshelfscan review --id {item.id} --not-product</code>"
        "</article>"
    )


def render_review_page(items: Sequence[ReviewItem], names: Mapping[str, str]) -> str:
    """The review page; ``names`` maps SKU ids to product names."""
    visits = sorted({i.visit_id for i in items})
    meta = (
        f"{len(items)} unknown facing(s)"
        + (f" · visit {', '.join(visits)}" if visits else "")
        + " · label each with the command under it, or run `shelfscan review`"
    )
    body = "".join(_item(i, names) for i in items) or (
        "<article><h2>Nothing to review</h2>"
        '<p class="muted">Every facing was recognised or has been labelled.</p></article>'
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>shelfscan review</title><style>{CSS}</style></head><body>"
        f"<header><h1>Review unknown facings</h1><p>{escape(meta)}</p></header>"
        f"<main>{body}</main></body></html>"
    )


def write_review_page(path: Path, items: Sequence[ReviewItem], names: Mapping[str, str]) -> Path:
    """Write the page (its folder must exist); returns ``path``."""
    path.write_text(render_review_page(items, names), encoding="utf-8")
    return path
