"""What every command shares: the error boundary, the console, common options."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
import typer.core
from rich.console import Console
from rich.markup import escape

from shelfscan.errors import ShelfscanError, StoreError

if TYPE_CHECKING:  # SQLite's wrapper loads with the first command that opens the store
    import sqlite_utils

console = Console()

_display_type_rich = typer.core.TyperOption.display_type_rich


def _flag_type_hidden(self: typer.core.TyperOption, ctx: Any) -> str | None:
    """Flags take no value: ``--help`` shows no ``<bool>`` type for them."""
    return None if self.is_flag else _display_type_rich(self, ctx)


typer.core.TyperOption.display_type_rich = _flag_type_hidden  # type: ignore[method-assign]
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="SQLite file (default: user data dir)", envvar="SHELFSCAN_DB"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
StoreOption = Annotated[str | None, typer.Option("--store", help="Store id.")]
VisitOption = Annotated[
    str | None, typer.Option("--visit", help="Visit id (default: a new visit).")
]
RepOption = Annotated[str | None, typer.Option("--rep", help="Field rep's name or id.")]
DetectorOption = Annotated[
    str | None, typer.Option(help="Detector model file or name under models/.")
]
ThreadsOption = Annotated[int | None, typer.Option(help="CPU threads for inference.")]


def fail(message: str) -> NoReturn:
    """Print one red line and exit 1."""
    err_console.print(f"[red]Error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


P = ParamSpec("P")
R = TypeVar("R")


def guard(command: Callable[P, R]) -> Callable[P, R]:
    """Decorate every command: a ``ShelfscanError`` becomes one red line and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ShelfscanError as exc:
            fail(str(exc))

    return wrapper


def open_existing_db(path: Path | None) -> sqlite_utils.Database:
    """Open the store for a command that only reads it: a path that does not exist is an
    error (a typo must not create a new, empty database)."""
    from shelfscan.store import default_db_path, open_db

    target = path or default_db_path()
    if not target.exists():
        raise StoreError(f"{target}: no such database (scan photos first, or pass --db)")
    return open_db(target)


def quiet_opencv() -> None:
    """Keep OpenCV's and FFmpeg's own warnings ("[ WARN:0@2.1] global cap_v4l.cpp ...",
    "moov atom not found") off the terminal: the command says what went wrong itself."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    os.environ.setdefault("OPENCV_VIDEOIO_DEBUG", "0")
    if "cv2" in sys.modules:  # else the variables above apply when a command loads it
        cv2 = sys.modules["cv2"]
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


def version_callback(value: bool) -> None:
    """``--version``: print the installed version and exit."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("shelfscan")
        except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            number = "unknown"
        console.print(f"shelfscan {number}", highlight=False)
        raise typer.Exit()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def run_app(app: typer.Typer) -> None:
    """Run the typer app; a ``ShelfscanError`` becomes one red line and exit code 1."""
    try:
        app(standalone_mode=True)
    except ShelfscanError as exc:
        err_console.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("[red]Interrupted.[/red] Photos finished before this are stored.")
        sys.exit(130)
