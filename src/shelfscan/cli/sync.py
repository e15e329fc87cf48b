"""``shelfscan sync``, ``sync status``, ``sync retry``: upload the outbox to the CRM.

Endpoint, adapter and credentials come from the ``[sync]`` table of the config file or
``SHELFSCAN_SYNC_*`` environment variables; secrets are never accepted as options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shelfscan.cli._common import DbOption, JsonOption, console, err_console, guard, print_json
from shelfscan.store import default_db_path, open_db
from shelfscan.sync import (
    SyncReport,
    dry_run,
    load_sync_settings,
    parse_every,
    retry_dead,
    run_sync,
    status_summary,
)
from shelfscan.sync.outbox import dead_letters

app = typer.Typer(help="Upload scan results (the outbox) to the CRM.", no_args_is_help=False)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Config file (its sync table holds the endpoint and auth).",
        envvar="SHELFSCAN_CONFIG",
    ),
]


def _report_line(report: SyncReport) -> str:
    line = (
        f"sent {report.sent}, dead-lettered {report.dead}, to retry {report.retry}"
        f" ({report.batches} batches)"
    )
    return line + (f"; last error: {report.errors[-1]}" if report.errors else "")


@app.callback(invoke_without_command=True)
@guard
def sync(
    ctx: typer.Context,
    dry_run_: Annotated[
        bool, typer.Option("--dry-run", help="Print what would go; send nothing.")
    ] = False,
    every: Annotated[
        str | None,
        typer.Option("--every", help="Run as a loop, e.g. 15m (SIGTERM stops it cleanly)."),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="Records per request.")
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Upload pending outbox rows in batches; safe to kill and run again."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_sync_settings(config, batch_size=batch_size)
    if dry_run_:
        plan = dry_run(settings, open_db(db))
        if json_out:
            print_json(plan)
        else:
            console.print(
                f"would send {plan['records']} records to {plan['target']} "
                f"in {len(plan['requests'])} requests",
                highlight=False,
            )
            if plan["requests"] and plan["requests"][0]["records"]:
                console.print("first record:", highlight=False)
                print_json(plan["requests"][0]["records"][0])
        return
    every_s = parse_every(every) if every else None

    def on_cycle(report: SyncReport) -> None:
        if json_out:
            print_json(report.as_dict())
        else:
            console.print(_report_line(report), highlight=False)

    def on_error(exc: Exception) -> None:
        err_console.print(f"[red]sync cycle failed:[/red] {exc}", highlight=False)

    run_sync(db or default_db_path(), settings, every_s, on_cycle, on_error)


@app.command("status")
@guard
def status(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Pending / sent / dead-letter counts and the last error (no secrets)."""
    store = open_db(db)
    summary = {**status_summary(store), "dead_letters": dead_letters(store, 10)}
    if json_out:
        print_json(summary)
        return
    console.print(
        f"pending {summary['pending']} (failing {summary['failing']}), "
        f"sent {summary['sent']}, dead {summary['dead']}",
        highlight=False,
    )
    if summary["last_sent"]:
        console.print(
            f"last sent: {summary['last_sent']['at']} to {summary['last_sent']['target']}",
            highlight=False,
        )
    if summary["last_error"]:
        e = summary["last_error"]
        console.print(f"last error: {e['at']} {e['external_id']}: {e['error']}", highlight=False)
    for d in summary["dead_letters"]:
        console.print(
            f"dead: {d['external_id']} v{d['version']}: {d['last_error']}", highlight=False
        )


@app.command("retry")
@guard
def retry(
    external_ids: Annotated[
        list[str] | None,
        typer.Argument(help="External ids to re-queue (default: all dead letters)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Re-queue dead letters so the next `shelfscan sync` sends them again."""
    n = retry_dead(open_db(db), external_ids or [])
    console.print(f"re-queued {n} dead letters", highlight=False)
