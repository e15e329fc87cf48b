"""Import-time tweaks for third-party packages, installed once by ``shelfscan/__init__``."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType


class _WithoutPandas(importlib.abc.Loader):
    """Runs a module with ``import pandas`` failing (as when pandas is not installed)."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        if "pandas" in sys.modules:  # imported meanwhile: use it
            self.inner.exec_module(module)
            return
        sys.modules["pandas"] = None  # type: ignore[assignment]  # the import system's "absent"
        try:
            self.inner.exec_module(module)
        finally:
            if sys.modules.get("pandas", ModuleType("x")) is None:
                del sys.modules["pandas"]


class SqliteUtilsWithoutPandas(importlib.abc.MetaPathFinder):
    """sqlite-utils imports pandas (0.25 s, 40% of ``shelfscan scan``'s start-up and of
    each spawned worker's) only to map ``pandas.Timestamp`` to TEXT when it creates a table
    from rows; shelfscan's tables come from migrations and it stores no Timestamps. While
    pandas is not imported yet, ``sqlite_utils.db`` is imported as if pandas were absent;
    code that imports pandas itself (Ray Data) gets it as usual."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "sqlite_utils.db" or "pandas" in sys.modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _WithoutPandas(spec.loader)
        return spec


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, SqliteUtilsWithoutPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, SqliteUtilsWithoutPandas())
