"""A self-contained HTML visit report: one file, images embedded, no scripts, no network.

Laid out for a phone first (one column, large touch-friendly text), wider screens get a
two-column KPI grid.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape

from shelfscan.recognition.records import SkuInfo
from shelfscan.report.annotate import COLOURS
from shelfscan.report.terminal import (
    kpi_value,
    label,
    number,
    ordered,
    percent,
    share_name,
    share_rows,
)
from shelfscan.report.visit import PLANOGRAM_KPIS, PhotoReport, VisitReport, product_name

CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
 color:#1d2430;background:#f3f5f8}
header{background:#1f3a5f;color:#fff;padding:14px 16px}
header h1{margin:0;font-size:1.25rem} header p{margin:4px 0 0;opacity:.85;font-size:.9rem}
main{padding:12px;max-width:1100px;margin:auto}
section{background:#fff;border-radius:10px;padding:12px 14px;margin:0 0 12px;
 box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:1.05rem;margin:0 0 8px}
.cards{display:grid;grid-template-columns:repeat(2,1fr);gap:8px}
.card{background:#f3f5f8;border-radius:8px;padding:8px 10px}
.card b{display:block;font-size:1.35rem} .card span{font-size:.8rem;color:#5a6473}
.good b{color:#1e7b34} .warn b{color:#b36b00} .bad b{color:#c0262d}
ol{margin:0;padding-left:1.3rem} li{margin:0 0 6px}
.p1{color:#c0262d;font-weight:600} .p2{color:#8a5300} .p3{color:#444}
.photo img{width:100%;height:auto;border-radius:6px;display:block}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin-top:8px}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e3e7ee}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.st{display:inline-block;padding:0 6px;border-radius:4px;color:#fff;font-size:.75rem}
.legend span{display:inline-block;margin:2px 8px 2px 0;font-size:.8rem}
.legend i{display:inline-block;width:.8em;height:.8em;margin-right:4px;vertical-align:middle}
details summary{cursor:pointer;color:#1f3a5f;margin-top:6px}
.muted{color:#5a6473;font-size:.85rem}
h3{font-size:.95rem;margin:10px 0 2px}
.scroll{overflow-x:auto}
.bar{display:inline-block;height:.6em;background:#1f3a5f;opacity:.25;margin-right:6px;
 vertical-align:middle}
ul.plain{list-style:none;margin:0;padding:0} ul.plain li{margin:0 0 4px}
li.ok{color:#1e7b34}
@media (min-width:700px){.cards{grid-template-columns:repeat(4,1fr)}}
"""

CARDS: tuple[tuple[str, str, str], ...] = (
    ("planogram_compliance", "Planogram compliance", "pct"),
    ("osa", "On-shelf availability", "pct"),
    ("oos_rate", "Out of stock (positions)", "pct_bad"),
    ("facings_compliance", "Facings compliance", "pct"),
    ("facings", "Facings", "int"),
    ("gaps", "Gaps", "int_bad"),
    ("empty_shelf_share", "Empty shelf", "pct_bad"),
    ("assortment_presence", "Must-have SKUs present", "pct"),
    ("recognized_facings", "Facings recognised", "int"),
    ("distinct_skus", "Distinct SKUs", "int"),
    ("photos", "Photos", "int"),
)


def _hex(bgr: tuple[int, int, int]) -> str:
    return f"#{bgr[2]:02x}{bgr[1]:02x}{bgr[0]:02x}"


def _when(iso: str) -> str:
    """'2026-11-23T10:02:50+00:00' -> '2026-11-23 10:02 UTC' (other strings unchanged)."""
    if len(iso) >= 16 and iso[10] == "T":
        return iso[:10] + " " + iso[11:16] + (" UTC" if iso.endswith("+00:00") else "")
    return iso


def _card(value: float, label: str, kind: str) -> str:
    if kind.startswith("pct"):
        text = percent(value)
        good = value < 0.05 if kind.endswith("bad") else value >= 0.9
        bad = value > 0.15 if kind.endswith("bad") else value < 0.7
    else:
        text = number(value)
        good, bad = (value == 0, value > 3) if kind.endswith("bad") else (False, False)
    cls = "good" if good else "bad" if bad else "warn" if kind != "int" else ""
    return f'<div class="card {cls}"><b>{text}</b><span>{escape(label)}</span></div>'


def _status(status: str) -> str:
    colour, label = COLOURS.get(status, ((120, 120, 120), status))
    return f'<span class="st" style="background:{_hex(colour)}">{escape(label)}</span>'


def _kpi_table(values: dict[str, float]) -> str:
    rows = "".join(
        f"<tr><td>{escape(label(k))}</td><td class=n>{escape(kpi_value(k, values[k]))}</td></tr>"
        for k in ordered(list(values))
    )
    return f"<table><tr><th>KPI</th><th class=n>value</th></tr>{rows}</table>"


def _shares(report: VisitReport) -> str:
    """Share of shelf by brand and by category, with the planogram's target."""
    parts = []
    for dim in ("brand", "category"):
        rows = share_rows(report.breakdowns, dim)
        if not rows:
            continue
        has_target = any(r[4] is not None for r in rows)
        head = (
            f"<tr><th>{dim.title()}</th><th class=n>facings</th><th class=n>share</th>"
            "<th class=n>by width</th>"
            + ("<th class=n>target</th>" if has_target else "")
            + "</tr>"
        )
        body = "".join(
            f"<tr><td>{escape(share_name(name))}</td><td class=n>{'-' if n is None else number(n)}</td>"
            f'<td class=n><span class="bar" style="width:{max(1.0, share * 40):.0f}px"></span>'
            f"{percent(share)}</td>"
            f"<td class=n>{'-' if lin is None else percent(lin)}</td>"
            + (f"<td class=n>{'-' if tgt is None else percent(tgt)}</td>" if has_target else "")
            + "</tr>"
            for name, n, share, lin, tgt in rows
        )
        parts.append(f"<h3>By {dim}</h3><div class=scroll><table>{head}{body}</table></div>")
    if not parts:
        return ""
    return "<section><h2>Share of shelf</h2>" + "".join(parts) + "</section>"


def _must_have(report: VisitReport) -> str:
    present = report.breakdowns.get("must_have", {})
    if not present:
        return ""
    items = "".join(
        f'<li class="{"ok" if v else "p1"}">{"✓" if v else "✗"} '
        f"{escape(product_name(sku, report.products))} "
        f'<span class="muted">{escape(sku)}</span></li>'
        for sku, v in present.items()
    )
    return f"<section><h2>Must-have SKUs</h2><ul class=plain>{items}</ul></section>"


def _positions(photo: PhotoReport, products: Mapping[str, SkuInfo]) -> str:
    if photo.match is None:
        return '<p class="muted">No planogram for this photo: shelf KPIs only.</p>'
    rows = "".join(
        f"<tr><td>{p.shelf + 1}</td><td>{p.position + 1}</td>"
        f"<td>{escape(product_name(p.sku, products))}</td>"
        f"<td class=n>{p.observed}/{p.expected}</td><td>{_status(p.status)}</td></tr>"
        for p in photo.match.positions
    )
    per_shelf = photo.breakdowns.get("planogram_compliance_shelf", {})
    shelves = "".join(
        f"<tr><td>shelf {escape(s)}</td><td class=n>{v:.0%}</td></tr>"
        for s, v in sorted(per_shelf.items(), key=lambda kv: int(kv[0]))
    )
    return (
        f'<p class="muted">Planogram <b>{escape(photo.match.planogram_id)}</b> '
        f"({escape(photo.match.matcher)} matcher)</p>"
        f"<table><tr><th>shelf</th><th class=n>compliance</th></tr>{shelves}</table>"
        "<details><summary>Every position</summary><table><tr><th>shelf</th><th>pos</th>"
        f"<th>product</th><th>facings</th><th>status</th></tr>{rows}</table></details>"
    )


def _photo(photo: PhotoReport, jpeg: bytes | None, products: Mapping[str, SkuInfo]) -> str:
    if jpeg is None:
        img = f'<p class="muted">Photo file not found: {escape(str(photo.path))}</p>'
    else:
        data = base64.b64encode(jpeg).decode("ascii")
        img = (
            f'<img alt="annotated photo {escape(photo.path.name)}" '
            f'src="data:image/jpeg;base64,{data}">'
        )
    note = (
        f'<p class="p1">Duplicate of photo {photo.duplicate_of}: nothing from it is counted.</p>'
        if photo.duplicate_of is not None
        else ""
    )
    return (
        f'<section class="photo"><h2>{escape(photo.path.name)}</h2>{note}{img}'
        f"{_positions(photo, products)}<details><summary>All KPIs of this photo</summary>"
        f"{_kpi_table(photo.kpis)}</details></section>"
    )


def render_html(report: VisitReport, images: dict[int, bytes]) -> str:
    """The report page; ``images`` maps photo id to annotated JPEG bytes."""
    k = report.kpis
    has_planogram = any(p.match for p in report.photos)
    cards = "".join(
        _card(k[key], label, kind)
        for key, label, kind in CARDS
        if key in k and (has_planogram or key not in PLANOGRAM_KPIS)
    )
    actions = (
        "".join(
            f'<li class="p{a.priority}">{escape(a.text)}'
            + (f' <span class="muted">({escape(a.photo)})</span>' if a.photo else "")
            + "</li>"
            for a in report.actions
        )
        or "<li>Nothing to do: the shelf matches.</li>"
    )
    legend = "".join(
        f'<span><i style="background:{_hex(c)}"></i>{escape(label)}</span>'
        for key, (c, label) in COLOURS.items()
        if has_planogram != (key == "facing")
    )
    photos = "".join(_photo(p, images.get(p.photo_id), report.products) for p in report.photos)
    meta = " · ".join(
        escape(str(v))
        for v in (
            report.store_id and f"store {report.store_id}",
            report.rep and f"rep {report.rep}",
            _when(report.started_at),
        )
        if v
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Visit {escape(report.visit_id)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Visit {escape(report.visit_id)}</h1><p>{meta}</p></header><main>"
        f'<section><h2>Shelf KPIs</h2><div class="cards">{cards}</div></section>'
        f"<section><h2>Actions ({len(report.actions)})</h2>"
        '<p class="muted">Numbers match the badges on the photos below.</p>'
        f"<ol>{actions}</ol></section>"
        f"{_shares(report)}{_must_have(report)}"
        f'<section class="legend"><h2>Legend</h2>{legend}</section>'
        f"{photos}</main></body></html>"
    )
