"""The ``shelfscan`` command line: a thin typer shell over the library.

Each command group lives in its own module and is registered below.
"""

from __future__ import annotations

import typer

from shelfscan.cli import scan, visits
from shelfscan.cli._common import run_app

app = typer.Typer(
    name="shelfscan",
    help="Offline shelf recognition: facings, gaps, SKUs, planograms and KPIs from shelf photos.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("scan")(scan.scan)
app.command("visits")(visits.visits)
app.command("show")(visits.show)
# Command groups (one line each):


def main() -> None:
    """Console-script entry point."""
    run_app(app)
