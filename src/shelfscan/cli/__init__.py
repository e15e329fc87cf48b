"""The ``shelfscan`` command line: a thin typer shell over the library.

Each command group lives in its own module and is registered below.
"""

from __future__ import annotations

from typing import Annotated

import typer

from shelfscan.cli import (
    capture,
    catalog,
    dataset,
    export,
    model,
    planogram,
    prices,
    report,
    review,
    scan,
    sync,
    visits,
)
from shelfscan.cli._common import quiet_opencv, run_app, version_callback

app = typer.Typer(
    name="shelfscan",
    help="Offline shelf recognition: facings, gaps, SKUs, planograms and KPIs from shelf photos.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
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


app.command("scan")(scan.scan)
app.command("visits")(visits.visits)
app.command("show")(visits.show)
app.command("delete")(visits.delete)
app.command("report")(report.report)
app.command("export")(export.export_)
app.command("capture")(capture.capture)
# Command groups (one line each):
app.add_typer(catalog.app, name="catalog")
app.command("review")(review.review)
app.command("rescore")(catalog.rescore)
app.add_typer(planogram.app, name="planogram")
app.add_typer(dataset.app, name="dataset")
app.add_typer(model.app, name="model")
app.add_typer(sync.app, name="sync")
app.add_typer(prices.app, name="prices")


def main() -> None:
    """Console-script entry point."""
    run_app(app)
