"""The package map holds: stages import only earlier stages, SQL only in store/ and sync/.

Reads every module's imports with ``ast`` (function-level imports included; imports
under ``if TYPE_CHECKING:`` are annotations only and skipped).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "shelfscan"

# Stage order (ARCHITECTURE.md's flow). A package may import its own modules, the base
# and earlier stages only. Entry points (pipeline, catalog, batch, capture, cli) compose
# the stages and may import any of them; nothing imports an entry point but another.
BASE = {"types", "errors", "config", "lazy", "__init__"}
STAGES = (
    "imaging",
    "datasets",  # readers and the synthetic generator: shared by detection eval and layout tests
    "detection",
    "layout",
    "recognition",
    "planogram",
    "pricing",
    "kpi",
    "store",
    "sync",
    "report",
    "training",  # never imported at run time
)
ENTRY = ("pipeline", "catalog", "batch", "capture", "cli", "__main__")
SQL_HOMES = {"store", "sync"}
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN)\b")
DB_CALLS = {"execute", "executemany", "executescript", "query"}


def rank(top: str) -> int:
    if top in BASE:
        return -1
    if top in STAGES:
        return STAGES.index(top)
    if top in ENTRY:
        return len(STAGES) + ENTRY.index(top)
    raise AssertionError(f"shelfscan.{top} is on no map: add it to tests/test_architecture.py")


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skip


def imported_tops(tree: ast.AST, package: str) -> set[str]:
    """Top-level shelfscan packages a module imports (relative imports resolved)."""
    skip = _type_checking_nodes(tree)
    tops: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names = [f"shelfscan.{package}"]
            elif node.module:
                names = [node.module]
                if node.module == "shelfscan":
                    names = [f"shelfscan.{a.name}" for a in node.names]
        tops.update(n.split(".")[1] for n in names if n.startswith("shelfscan."))
    return tops


def modules() -> list[tuple[str, Path]]:
    return [(p.relative_to(SRC).parts[0].removesuffix(".py"), p) for p in SRC.rglob("*.py")]


def test_stages_import_only_earlier_stages() -> None:
    bad = []
    for package, path in modules():
        for top in imported_tops(ast.parse(path.read_text()), package):
            if top != package and rank(top) >= rank(package) and top not in BASE:
                bad.append(f"{path.relative_to(SRC)} imports shelfscan.{top}")
    assert not bad, "later-stage imports:\n" + "\n".join(sorted(bad))


def sql_sites(tree: ast.AST) -> list[int]:
    """Line numbers of SQL text and database calls (``x.execute(...)`` and friends)."""
    lines = []
    for node in ast.walk(tree):
        text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if (text and SQL.match(node.value)) or (  # type: ignore[attr-defined]
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DB_CALLS
        ):
            lines.append(node.lineno)  # type: ignore[attr-defined]
    return sorted(set(lines))


def test_sql_only_in_store_and_sync() -> None:
    bad = [
        f"{path.relative_to(SRC)}:{line}"
        for package, path in modules()
        if package not in SQL_HOMES
        for line in sql_sites(ast.parse(path.read_text()))
    ]
    assert not bad, "SQL outside store/ and sync/:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("source", "package", "expected"),
    [
        ("from shelfscan.kpi import shelf_kpis", "layout", {"kpi"}),  # absolute
        ("from . import x", "kpi", {"kpi"}),  # relative: its own package
        ("def f():\n    import shelfscan.store.db", "layout", {"store"}),  # lazy import
        ("from shelfscan import store", "kpi", {"store"}),  # package by name
        ("if TYPE_CHECKING:\n    from shelfscan.store import x", "types", set()),  # types only
    ],
)
def test_import_reader(source: str, package: str, expected: set[str]) -> None:
    assert imported_tops(ast.parse(source), package) == expected


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("db.execute('SELECT 1')", 1),  # call and text on one line
        ("q = 'INSERT INTO t VALUES (1)'", 1),  # SQL text alone
        ("text = 'Select the best match'", 0),  # prose, not SQL
        ("session.run(None, {})", 0),  # not a database call
    ],
)
def test_sql_finder(source: str, found: int) -> None:
    assert len(sql_sites(ast.parse(source))) == found
