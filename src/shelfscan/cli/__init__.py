"""The ``shelfscan`` command line: a thin typer shell over the library.

Each command group lives in its own module, listed in ``COMMANDS`` / ``GROUPS`` below
with its one-line help. A module is imported only when its command runs: ``shelfscan
visits`` loads SQLite, not OpenCV, ONNX Runtime or requests (start-up 0.8 s -> ~0.2 s).
``shelfscan --help`` lists the commands from the one-line help here (a test checks that
it matches each command's own). ``app`` (tests, docs) is the full application, built on
first use.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated, Any

import typer

from shelfscan.cli._common import quiet_opencv, run_app, version_callback

HELP = "Offline shelf recognition: facings, gaps, SKUs, planograms and KPIs from shelf photos."

# command -> (module under shelfscan.cli, function, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "scan": (
        "scan",
        "scan",
        "Detect facings, shelf rows and gaps on photos; store results and KPIs in SQLite.",
    ),
    "batch": (
        "batch",
        "batch",
        "Scan a folder or manifest on Ray Data: Parquet tables of photos, facings, gaps and"
        " KPIs, optionally merged into a shelfscan database (exactly once per photo).",
    ),
    "visits": (
        "visits",
        "visits",
        "List stored visits, newest first (filter by store, rep and dates).",
    ),
    "show": ("visits", "show", "Show one visit: its photos and their KPIs."),
    "delete": (
        "visits",
        "delete",
        "Delete a visit: its photos' results, KPIs and unsynced outbox rows (the photo files"
        " and records already in the CRM stay).",
    ),
    "report": (
        "report",
        "report",
        "Print a visit's KPIs (planogram compliance, OSA/OOS, facings, gaps) and actions.",
    ),
    "export": (
        "export",
        "export_",
        "Write facings, gaps, planogram positions and KPIs (CSV or Parquet, one file per"
        " table) or the boxes as a COCO file for annotation tools.",
    ),
    "capture": (
        "capture",
        "capture",
        "Capture shelf photos from a camera, stream or video: keep frames that pass the"
        " quality gate and hold still, and scan each into the store like `shelfscan scan`.",
    ),
    "review": (
        "review",
        "review",
        "Label unknown facings: assign a SKU, create a new SKU, or mark not-a-product.",
    ),
    "rescore": (
        "catalog",
        "rescore",
        "Re-run SKU recognition on a stored visit after the catalog changed.",
    ),
}
# command group -> (module under shelfscan.cli holding ``app``, one-line help)
GROUPS: dict[str, tuple[str, str]] = {
    "catalog": ("catalog", "Manage the SKU catalog: reference photos in, recognition at once."),
    "planogram": ("planogram", "Import planograms, list and show them, assign them to stores."),
    "dataset": ("dataset", "Synthetic shelf photos and annotated datasets."),
    "model": ("model", "Evaluate detector models."),
    "sync": ("sync", "Upload scan results (the outbox) to the CRM."),
    "prices": ("prices", "Import price lists; show the price tags read on a visit."),
}


def _new_app() -> typer.Typer:
    app = typer.Typer(
        name="shelfscan",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    # the root callback also keeps the app a group when only one command is registered
    app.callback()(_root)
    return app


def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=version_callback,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Offline shelf recognition: facings, gaps, SKUs, planograms and KPIs from shelf photos."""
    quiet_opencv()


def build_app(only: str | None = None) -> typer.Typer:
    """The application with every command, or with only the command or group ``only``."""
    app = _new_app()
    for name, (module, function, _) in COMMANDS.items():
        if only in (None, name):
            app.command(name)(getattr(import_module(f"shelfscan.cli.{module}"), function))
    for name, (module, _) in GROUPS.items():
        if only in (None, name):
            app.add_typer(import_module(f"shelfscan.cli.{module}").app, name=name)
    return app


def _listing_app() -> typer.Typer:
    """For ``shelfscan`` / ``shelfscan --help``: every command's name and help, no imports."""
    app = _new_app()
    for name, (_, _, text) in COMMANDS.items():
        app.command(name, help=text)(lambda: None)
    for name, (_, text) in GROUPS.items():
        app.add_typer(typer.Typer(help=text), name=name)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        full = build_app()
        globals()["app"] = full
        return full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point: imports only the command it runs."""
    first = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    if first in COMMANDS or first in GROUPS:
        run_app(build_app(first))
    elif first is None:
        run_app(_listing_app())
    else:  # an unknown command: the full app names the valid ones
        run_app(build_app())
