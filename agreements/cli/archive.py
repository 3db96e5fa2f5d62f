"""Commands for sealed files kept for decades: renewing their archive time stamps."""

from __future__ import annotations

from typing import Annotated

import typer

from agreements.cli.main import _deps, _now, fail, out
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures import archive

archive_app = typer.Typer(help="Sealed files kept for decades.", no_args_is_help=True)


@archive_app.command("renew")
def archive_renew(
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=0,
            help="Renew when the authority's certificate expires within this many days "
            "(default: AGREEMENTS_ARCHIVE_RENEWAL_DAYS).",
        ),
    ] = None,
) -> None:
    """Add a fresh archive time stamp to each sealed file whose latest one is about to age
    (the worker does this daily); exit 1 when a renewal failed."""
    deps = _deps()
    engine = DocumentEngine(deps.settings, converts=False)
    try:
        report = archive.renew_archive_stamps(
            deps=deps, engine=engine, now=_now(), margin_days=days
        )
    finally:
        engine.close()
    if not report.configured:
        fail("no time stamp authority configured (AGREEMENTS_TIMESTAMP_URL): nothing renewed")
    for version_id, digest in report.renewed:
        out.print(f"version {version_id}: renewed, now sealed as {digest}", highlight=False)
    for version_id, reason in report.failed:
        out.print(f"version {version_id}: not renewed: {reason}", highlight=False)
    out.print(f"{len(report.renewed)} renewed, {len(report.failed)} failed.")
    if report.failed:
        raise typer.Exit(1)
