"""``shelfscan sync``, ``sync status``, ``sync retry``: upload the outbox to the CRM.

Endpoint, adapter and credentials come from the ``[sync]`` table of the config file or
``SHELFSCAN_SYNC_*`` environment variables; secrets are never accepted as options.
"""

from __future__ import annotations

from datetime import UTC, datetime
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


EXIT_DEAD = 2  # records were refused for good in this run (dead letters)
EXIT_UNDELIVERED = 75  # EX_TEMPFAIL: records still pending because delivery failed


def exit_code(report: SyncReport, cron: bool) -> int:
    """0 when everything due went; 2 when this run dead-lettered records; 75 when records
    keep failing (nothing, or not everything, could be delivered). ``cron``: a CRM that
    cannot be reached is normal offline, so 75 becomes 0 (records wait for the next run)."""
    if report.dead:
        return EXIT_DEAD
    if report.retry:
        return 0 if cron else EXIT_UNDELIVERED
    return 0


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
    cron: Annotated[
        bool,
        typer.Option(
            "--cron",
            help="Exit 0 when the CRM cannot be reached (records wait for the next run); "
            "dead letters (exit 2) and configuration errors (exit 1) still fail.",
        ),
    ] = False,
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

    def stamp() -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")

    def on_cycle(report: SyncReport) -> None:
        if json_out:
            print_json({"at": stamp(), **report.as_dict()})
        elif every_s is not None:  # a long-lived loop: every line says when
            console.print(f"{stamp()} {_report_line(report)}", highlight=False)
        else:
            console.print(_report_line(report), highlight=False)

    def on_error(exc: Exception) -> None:
        err_console.print(f"{stamp()} [red]sync cycle failed:[/red] {exc}", highlight=False)

    report = run_sync(db or default_db_path(), settings, every_s, on_cycle, on_error)
    code = exit_code(report, cron) if every_s is None else 0
    if code == EXIT_UNDELIVERED:
        err_console.print(
            f"[red]Error:[/red] {report.retry} records could not be delivered and stay pending"
            " (use --cron to exit 0 when the CRM is unreachable)",
            highlight=False,
            soft_wrap=True,
        )
    elif code == EXIT_DEAD:
        err_console.print(
            f"[red]Error:[/red] {report.dead} records were refused (dead letters: see "
            "`shelfscan sync status`)",
            highlight=False,
            soft_wrap=True,
        )
    if code:
        raise typer.Exit(code)


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
