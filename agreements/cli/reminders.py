"""Commands for reminders: what is due on a day, and one sweep by hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.table import Table

from agreements.bootstrap import build_deps
from agreements.cli.main import fail, out
from agreements.settings import Settings

reminders_app = typer.Typer(help="Reminders of reviews and expiring terms.", no_args_is_help=True)


@reminders_app.command("due")
def due(
    on: Annotated[
        str | None, typer.Option("--on", metavar="YYYY-MM-DD", help="The day; default today.")
    ] = None,
) -> None:
    """List what is due on a day, by kind and case, without sending anything."""
    from agreements.services.reminders import sweep as reminders

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
def sweep(
    send: Annotated[
        bool, typer.Option("--send/--no-send", help="Also hand the e-mails to the SMTP server.")
    ] = True,
) -> None:
    """Run one sweep now (the worker does this every five minutes), then send its e-mails."""
    from agreements import tasks

    report = tasks.sweep_now()
    out.print(
        f"Found {report.found}; queued {report.messages} e-mail(s) for {report.queued} "
        f"reminder(s), flagged {report.flagged}, cancelled {report.cancelled}."
    )
    if send:
        with out.status("Sending e-mails..."):
            sent = tasks.deliver_now()
        out.print(
            f"Sent {sent.sent} e-mail(s); {sent.failed} will be tried again later; "
            f"{sent.refused} refused by the mail server."
        )
