"""Lazy imports: package exports imported on first use, and no pandas for sqlite_utils."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``exports[name]`` on first
    use and keeps the value in the package, so later uses are plain attribute reads."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__


class _WithoutPandas:
    """Runs a module's code while ``import pandas`` raises ImportError (a loader; not
    derived from ``importlib.abc.Loader``, whose import costs 20 ms of start-up)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self.inner.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        sys.modules["pandas"] = None  # type: ignore[assignment]  # the import system's "absent"
        try:
            self.inner.exec_module(module)
        finally:
            if "pandas" in sys.modules and sys.modules["pandas"] is None:
                del sys.modules["pandas"]


class SqliteUtilsWithoutPandas:
    """sqlite_utils imports pandas whenever it is installed (the ``ray`` extra brings it:
    0.28 s, most of ``shelfscan visits``) only to store ``pandas.Timestamp`` values as
    TEXT, which shelfscan never stores. This finder loads ``sqlite_utils.db`` with pandas
    hidden, unless pandas is already imported; pandas stays importable afterwards."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != "sqlite_utils.db" or "pandas" in sys.modules:
            return None
        spec = PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _WithoutPandas(spec.loader)  # type: ignore[assignment]
        return spec


def install_import_hooks() -> None:
    """Put ``SqliteUtilsWithoutPandas`` first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, SqliteUtilsWithoutPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, SqliteUtilsWithoutPandas())
