"""``shelfscan review``: label unknown facings, one by one or scripted, with a
self-contained HTML review page (crop, suggested SKU, closest catalog SKUs)."""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import sqlite_utils
import typer
from rich.markup import escape
from rich.table import Table

from shelfscan import catalog as lib
from shelfscan.cli._common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    guard,
    open_existing_db,
    print_json,
)
from shelfscan.errors import CatalogError
from shelfscan.recognition.embedder import Embedder
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.settings import load_recognition_settings
from shelfscan.report.review_page import ReviewItem, write_review_page
from shelfscan.store import catalog as store

EmbedderOption = Annotated[
    str | None, typer.Option("--embedder", help="Embedder model file or name under models/.")
]
HELP = (
    "answer: Enter = accept the suggestion | SKU = that SKU | n SKU = new SKU |"
    " x = not a product | u = undo | s = skip | q = quit"
)


def _embedder(name: str | None) -> Embedder:
    settings = load_recognition_settings(embedder=name)
    return Embedder.from_path(settings.embedder_path, settings.threads)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        err_console.print(f"[yellow]Warning:[/yellow] {escape(warning)}", highlight=False)


def _label(
    database: sqlite_utils.Database,
    embedder: str | None,
    uid: int,
    assign: str | None,
    info: SkuInfo | None,
) -> None:
    if assign is None and info is None:
        lib.not_product(database, uid)
        return
    emb = _embedder(embedder)
    if assign is not None:
        _warn(lib.assign(database, emb, uid, assign))
    elif info is not None:
        _warn(lib.create_sku(database, emb, uid, info))


def _page(
    database: sqlite_utils.Database,
    rows: list[dict[str, Any]],
    path: Path,
    embedder: str | None,
) -> list[ReviewItem]:
    if not path.parent.is_dir():
        raise CatalogError(f"{path.parent}: no such folder (create it first)")
    settings = load_recognition_settings(embedder=embedder)
    recognizer = lib.recognizer_for(database, settings) if rows else None
    items = lib.review_items(database, rows, recognizer)
    names = {s: i.name for s, i in store.sku_infos(database).items()}
    write_review_page(path, items, names)
    console.print(f"review page: {escape(str(path))}", highlight=False)
    return items


def _write_crops(items: list[ReviewItem], folder: Path) -> dict[int, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for item in items:
        path = folder / f"unknown-{item.id}.jpg"
        path.write_bytes(item.crop)
        out[item.id] = path
    return out


def _unknowns_table(rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"{len(rows)} unknown facing(s)")
    for col in ("id", "visit", "photo", "box", "nearest", "score"):
        table.add_column(col)
    for r in rows:
        box = f"{r['x1']:.0f},{r['y1']:.0f},{r['x2']:.0f},{r['y2']:.0f}"
        score = "" if r["score"] is None else f"{r['score']:.3f}"
        table.add_row(
            str(r["id"]),
            escape(str(r["visit_id"])),
            escape(Path(str(r["path"])).name),
            box,
            escape(str(r["nearest_sku"] or "")),
            score,
        )
    console.print(table)


def has_display() -> bool:
    """Whether a crop can be shown in an image viewer here."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@guard
def review(
    visit: Annotated[str | None, typer.Option(help="Only this visit's unknowns.")] = None,
    id_: Annotated[int | None, typer.Option("--id", help="Unknown facing to label.")] = None,
    assign: Annotated[str | None, typer.Option(help="Label --id as this existing SKU.")] = None,
    new_sku: Annotated[
        str | None, typer.Option(help="Label --id as a new SKU with this id.")
    ] = None,
    not_product: Annotated[
        bool, typer.Option("--not-product", help="Label --id as not a product.")
    ] = False,
    undo: Annotated[
        bool, typer.Option("--undo", help="Take back the label of --id (it is open again).")
    ] = False,
    name: Annotated[str, typer.Option(help="Name of the --new-sku.")] = "",
    brand: Annotated[str, typer.Option(help="Brand of the --new-sku.")] = "",
    category: Annotated[str, typer.Option(help="Category of the --new-sku.")] = "",
    list_only: Annotated[bool, typer.Option("--list", help="List open unknowns and exit.")] = False,
    crops: Annotated[
        Path | None, typer.Option(help="Folder to write crops to for viewing.")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write the HTML review page here (crops, suggestions)."),
    ] = None,
    show: Annotated[
        bool, typer.Option("--show/--no-show", help="Open each crop where a display exists.")
    ] = True,
    embedder: EmbedderOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Label unknown facings: assign a SKU, create a new SKU, or mark not-a-product.

    With --id and one action it runs once (scriptable); with --list it lists; otherwise
    it walks the open unknowns with a prompt and writes an HTML review page. Labelled
    crops join the catalog at once; run `shelfscan rescore VISIT` to update stored visits
    ("not a product" facings then leave the KPIs).
    """
    database = open_existing_db(db)
    actions = sum([assign is not None, new_sku is not None, not_product, undo])
    if id_ is not None or actions:
        if id_ is None or actions != 1:
            raise CatalogError(
                "give --id and exactly one of --assign, --new-sku, --not-product, --undo"
            )
        if undo:
            console.print(f"unknown facing {id_}: {lib.undo(database, id_)} undone")
            return
        info = SkuInfo(new_sku, name=name, brand=brand, category=category) if new_sku else None
        _label(database, embedder, id_, assign, info)
        console.print(f"unknown facing {id_} labelled")
        return
    rows = store.list_unknowns(database, visit_id=visit)
    if list_only:
        if crops or html:
            items = (
                _page(database, rows, html, embedder)
                if html
                else lib.review_items(database, rows, None)
            )
            if crops:
                _write_crops(items, crops)
        if json_out:
            print_json(rows)
        else:
            _unknowns_table(rows)
        return
    if not rows:
        console.print("no unknown facings to review")
        return
    folder = crops or Path(tempfile.mkdtemp(prefix="shelfscan-review-"))
    folder.mkdir(parents=True, exist_ok=True)
    items = _page(database, rows, html or folder / "review.html", embedder)
    Prompt(database, embedder, items, _write_crops(items, folder), show and has_display()).run()


@dataclass
class Prompt:
    """The interactive loop: one unknown at a time, with undo."""

    database: sqlite_utils.Database
    embedder: str | None
    items: list[ReviewItem]
    paths: dict[int, Path]
    show: bool

    def run(self) -> None:
        console.print(HELP, highlight=False)
        done: list[int] = []  # indices labelled, for undo
        i = 0
        while i < len(self.items):
            item = self.items[i]
            self._present(item)
            answer = typer.prompt("label", default="", show_default=False).strip()
            if answer == "q":
                break
            if answer == "u":
                if not done:
                    err_console.print("nothing to undo")
                    continue
                i = done.pop()
                undone = lib.undo(self.database, self.items[i].id)
                console.print(f"#{self.items[i].id}: {undone} undone", highlight=False)
                continue
            if answer == "s":
                i += 1
                continue
            try:
                if not self._answer(item, answer):
                    err_console.print(HELP, highlight=False)
                    continue
            except CatalogError as exc:
                err_console.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False)
                continue
            done.append(i)
            i += 1
        console.print(f"labelled {len(done)} facing(s)")

    def _present(self, item: ReviewItem) -> None:
        suggestion = (
            f"suggested {escape(item.suggested)}"
            + (f" (similarity {item.score:.2f})" if item.score is not None else "")
            if item.suggested
            else "no suggestion"
        )
        others = ", ".join(f"{escape(c.sku)} {c.score:.2f}" for c in item.candidates)
        console.print(
            f"[bold]#{item.id}[/bold] {escape(str(self.paths[item.id]))}: {suggestion}"
            + (f"; closest: {others}" if others else ""),
            highlight=False,
        )
        if self.show:
            typer.launch(str(self.paths[item.id]))

    def _answer(self, item: ReviewItem, answer: str) -> bool:
        """Apply one answer; False when it is not one the prompt understands."""
        cmd, _, rest = answer.partition(" ")
        if answer == "":
            if not item.suggested:
                raise CatalogError("no suggestion to accept: answer a SKU, n SKU or x")
            _label(self.database, self.embedder, item.id, item.suggested, None)
        elif answer == "x":
            _label(self.database, self.embedder, item.id, None, None)
        elif cmd == "n" and rest.strip():
            sku, _, name = rest.strip().partition(" ")
            name = name.strip() or typer.prompt("name of the new SKU").strip()
            brand = typer.prompt("brand", default="", show_default=False).strip()
            info = SkuInfo(sku, name=name, brand=brand)
            _label(self.database, self.embedder, item.id, None, info)
        elif cmd == "a" and rest.strip():
            _label(self.database, self.embedder, item.id, rest.strip(), None)
        elif " " not in answer:
            _label(self.database, self.embedder, item.id, answer, None)
        else:
            return False
        return True
