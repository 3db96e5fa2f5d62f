"""Commands for the audit log: check the chain, and write its head outside the database."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from agreements.cli.main import _deps, _now, err, fail, out
from agreements.services.audit import chain_check
from agreements.services.audit import log as audit
from agreements.services.context import Deps

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def _checkpoints(deps: Deps) -> Path:
    return deps.settings.data_dir / "audit-checkpoints.jsonl"


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain: exit 0 when intact, 1 naming the first broken entry."""
    deps = _deps()
    with Progress(
        TextColumn("Checking the audit log"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("verify", total=None)
        report = chain_check.verify_chain(
            deps,
            _checkpoints(deps),
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if not report.ok:
        where = f"entry {report.broken_seq}" if report.broken_seq else "a staged entry"
        fail(f"audit chain broken at {where}: {report.reason}")
    out.print(
        f"Audit chain intact: {report.entries} entries chained, {report.staged} reads "
        "staged (each with its own HMAC) and waiting to be chained.",
        soft_wrap=True,
    )


@audit_app.command("seal")
def audit_seal() -> None:
    """Chain the staged reads, then record the head outside the database (hourly by the worker)."""
    deps = _deps()
    chained = audit.chain_staged(deps)
    seq, digest = audit.write_checkpoint(deps, _checkpoints(deps), _now())
    out.print(f"Checkpoint written: entry {seq}, {digest[:16]}… ({chained} reads chained first).")
