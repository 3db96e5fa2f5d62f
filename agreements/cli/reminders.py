"""Commands for reminders: what is due on a day, and one sweep by hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.table import Table

from agreements.bootstrap import build_deps
from agreements.cli.app import fail, out
from agreements.settings import Settings

reminders_app = typer.Typer(help="Reminders of reviews and expiring terms.", no_args_is_help=True)


@reminders_app.command("due")
def due(
    on: Annotated[
        str | None, typer.Option("--on", metavar="YYYY-MM-DD", help="The day; default today.")
    ] = None,
) -> None:
    """List what is due on a day, by kind and case, without sending anything."""
    from agreements.services import reminders

    deps = build_deps(Settings())
    try:
        day = date.fromisoformat(on) if on else datetime.now(deps.settings.zone).date()
    except ValueError:
        fail(f"--on {on!r} is not a date like 2026-11-21", 2)
    rows = reminders.due_on(day, deps=deps)
    if not rows:
        out.print(f"Nothing due on {day.isoformat()}.")
        return
    table = Table(title=f"Due on {day.isoformat()}")
    for column in ("kind", "case", "for"):
        table.add_column(column)
    for kind, reference, _day, recipients in rows:
        table.add_row(kind.label, reference, recipients)
    out.print(table)
    out.print(f"{len(rows)} reminder(s).")


@reminders_app.command("sweep")
def sweep() -> None:
    """Run one sweep now (the worker does this every five minutes)."""
    from agreements import tasks

    report = tasks.sweep_now()
    if report is None:
        out.print("Another sweep is running; nothing done.")
        return
    out.print(
        f"Found {report.found}, sent {report.sent}, flagged {report.flagged}, "
        f"cancelled {report.cancelled}, failed {report.failed} (retried later)."
    )
