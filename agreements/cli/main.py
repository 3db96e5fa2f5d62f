"""The core commands: set-up, running the service, accounts and the audit log."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import OperationalError

from agreements.bootstrap import build_deps, configure_logging
from agreements.db import migrate
from agreements.domain.enums import Role
from agreements.domain.errors import DomainError, ValidationFailed
from agreements.domain.policy import SYSTEM
from agreements.services import demo
from agreements.services.access import accounts
from agreements.services.context import Deps
from agreements.services.inputs import one_line
from agreements.settings import ConfigurationError, Settings
from signing.certs import ensure_dev_certificate
from templates.errors import DocumentError
from templates.processes import launch

app = typer.Typer(
    help="Housing support agreements (Laatste Kansbeleid): set up and run the service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")
out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    # The message may quote what was typed: `[/]` in a name is text, not rich markup.
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def refused(exc: ValidationFailed, options: dict[str, str]) -> NoReturn:
    """A use case's field errors as one line naming the command's options (`--name: ...`)."""
    fail("; ".join(f"{options.get(e.field, e.field)}: {e.reason}" for e in exc.errors))


def lookup_text(option: str, value: str) -> str:
    """A value the command only looks up (an organisation's name): the text policy too, so a
    NUL is a readable refusal and not a database error."""
    try:
        return one_line(option, value, max_length=254)
    except ValidationFailed as exc:
        refused(exc, {})


def _now() -> datetime:
    return datetime.now(UTC)


def _deps() -> Deps:
    return build_deps(Settings())


@app.command()
def init(
    demo_data: Annotated[
        bool,
        typer.Option("--demo", help="Also seed the demo case and logins (development mode only)."),
    ] = False,
    admin_email: Annotated[
        str, typer.Option(help="E-mail of the first admin.")
    ] = "admin@demo.example",
    admin_password: Annotated[
        str,
        typer.Option(
            envvar="AGREEMENTS_ADMIN_PASSWORD",
            help="Password of the first admin; generated and printed once when not given.",
            show_default=False,
        ),
    ] = "",
) -> None:
    """Apply migrations and create the first admin. Safe to run again."""
    deps = _deps()
    if demo_data and deps.settings.mode != "development":
        fail("--demo is for development mode only: its logins have a known password")
    migrate.upgrade(deps.db.kw["bind"])
    out.print(f"Database ready: {deps.db.kw['bind'].url.render_as_string(hide_password=True)}")
    if not accounts.has_admin(deps=deps):
        development = deps.settings.mode == "development"
        password = admin_password or (
            demo.DEMO_PASSWORD if development and demo_data else secrets.token_urlsafe(12)
        )
        try:
            accounts.create_user(
                admin_email, "Beheerder", Role.ADMIN, password, deps=deps, actor=SYSTEM, now=_now()
            )
        except ValidationFailed as exc:
            refused(exc, {"email": "--admin-email", "password": "--admin-password"})
        shown = password if not admin_password else "(as given)"
        out.print(f"Admin created: {admin_email} / {shown}")
    else:
        out.print("Admin exists already; nothing to do.")
    ensure_seal_key(deps.settings)
    if demo_data:
        if deps.settings.mode != "development":
            fail("--demo is for development mode only: its logins have a known password")
        case_id = demo.seed_demo(deps=deps, now=_now())
        base = deps.settings.public_base_url
        out.print(f"Demo case: {base}/api/v1/cases/{case_id}")
        out.print(f"Demo logins (password [bold]{demo.DEMO_PASSWORD}[/bold]):")
        for login in demo.LOGINS:
            out.print(f"  {login.email:28} {login.role.label} ({login.organisation})")


def ensure_seal_key(settings: Settings) -> None:
    path = settings.effective_seal_pkcs12
    if path.exists():
        out.print(f"Seal key: {path}")
    elif settings.mode == "production":
        fail(f"no seal key at {path}: set AGREEMENTS_SEAL_PKCS12 and AGREEMENTS_SEAL_PASSWORD")
    else:
        if not settings.effective_seal_password:
            fail("set AGREEMENTS_SEAL_PASSWORD: the development seal key needs a password")
        ensure_dev_certificate(path, settings.effective_seal_password)
        out.print(f"Development seal key made: {path} (not for production)")


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="The PDF to check.")],
) -> None:
    """Check a PDF: exit 0 and a summary when the service sealed it unchanged, 1 otherwise."""
    from agreements.services.signatures import verification

    # pyHanko logs its own diff analysis with a trace; the verdict below says it in one line.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", 2)
    result = verification.verify(data, deps=_deps())
    report = result.report
    if not report.ok:
        fail(f"{file}: NOT authentic: {report.reason}")
    summary = result.summary
    out.print(f"{file}: authentic, sealed by {report.signer_subject}", highlight=False)
    if report.timestamped and report.signed_at is not None:
        data_note = ", validation data embedded" if report.validation_data else ""
        out.print(
            f"  time stamp: {report.signed_at.isoformat()} by {report.timestamp_authority}"
            f"{data_note}",
            highlight=False,
        )
    if report.archived_at is not None:
        out.print(f"  archive time stamp: {report.archived_at.isoformat()}", highlight=False)
    out.print(f"  {verification.signed_copy_line(report)}", highlight=False)
    if summary:
        out.print(
            f"  {summary['document']}, case {summary['case']}, version "
            f"{summary['version']}, sealed at {summary['sealed_at']}",
            highlight=False,
        )
        for party in summary["parties"]:
            out.print(
                f"  signed by {party['role']}: {party['described']} at {party['signed_at']}",
                highlight=False,
            )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run the web app only (production runs the worker separately)."""
    import uvicorn

    from agreements.web.app import create_app
    from agreements.web.server import uvicorn_config

    settings = Settings()
    configure_logging(settings)
    config = uvicorn_config(create_app(settings), settings, host=host, port=port)
    uvicorn.Server(config).run()


@app.command()
def worker(
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Worker threads.")] = 2,
    delay: Annotated[
        float,
        typer.Option(
            "--delay", "-d", min=0.01, help="First wait (s) between polls of an idle queue."
        ),
    ] = 0.1,
    max_delay: Annotated[
        float,
        typer.Option(
            "--max-delay",
            "-m",
            min=0.01,
            help="Longest wait (s) between polls of an empty queue, so the longest a new task "
            "waits on a SQLite queue (Redis wakes the worker at once).",
        ),
    ] = 0.5,
    backoff: Annotated[
        float,
        typer.Option("--backoff", "-b", min=1.0, help="Factor the wait grows by while idle."),
    ] = 1.15,
) -> None:
    """Run the task worker (huey consumer)."""
    from huey.consumer import Consumer

    from agreements.tasks import huey

    configure_logging(Settings())
    # huey's own default lets the wait grow to 10 s: a render asked after a quiet minute
    # would sit in the queue for seconds.
    Consumer(
        huey,
        workers=workers,
        worker_type="thread",
        initial_delay=delay,
        max_delay=max(max_delay, delay),
        backoff=backoff,
    ).run()


@app.command()
def up() -> None:
    """Run everything on one machine: web app and worker, in the foreground; Ctrl-C stops all."""
    settings = Settings()
    # Each in its own process group (stopped as a whole below), and sent SIGTERM by the kernel
    # should this process die without stopping them.
    parts = {
        name: launch([sys.executable, "-m", "agreements", name]) for name in ("serve", "worker")
    }
    out.print(
        f"Service at [bold]http://{settings.host}:{settings.port}[/bold] (API docs: /docs; "
        f"public URL {settings.public_base_url}). Ctrl-C stops everything."
    )
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(p.poll() is None for p in parts.values()):
            time.sleep(0.2)
    finally:
        for name, proc in parts.items():
            if proc.poll() is not None and not stopping:
                err.print(f"{name} stopped unexpectedly (exit {proc.returncode}); stopping all")
            _terminate(proc)
    if not stopping:
        sys.exit(1)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# The use case's field names as the options of `users add`.
USERS_ADD_OPTIONS = {
    "email": "EMAIL",
    "name": "--name",
    "role": "--role",
    "password": "--password",
    "organisation_id": "--organisation",
    "team_lead_id": "--team-lead",
    "function": "--function",
}


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="Login e-mail address.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[Role, typer.Option(help="admin, coordinator, partner or legal.")],
    organisation: Annotated[
        str | None, typer.Option(help="Organisation name (required for partners).")
    ] = None,
    team_lead: Annotated[
        str | None, typer.Option(help="E-mail of the team lead overdue reviews escalate to.")
    ] = None,
    function: Annotated[
        str | None,
        typer.Option(help="Function (functie) the person signs under; prefills signing."),
    ] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="AGREEMENTS_PASSWORD",
            help="Asked for when not given.",
        ),
    ] = "",
) -> None:
    """Add a staff account."""
    deps = _deps()
    org_id = _look_up(
        "--organisation", organisation, "no organisation named", deps, accounts.organisation_named
    )
    lead_id = _look_up(
        "--team-lead", team_lead, "no user with e-mail", deps, accounts.user_with_email
    )
    try:
        user = accounts.create_user(
            email,
            name,
            role,
            password,
            deps=deps,
            actor=SYSTEM,
            now=_now(),
            organisation_id=org_id,
            team_lead_id=lead_id,
            function=function,
        )
    except ValidationFailed as exc:
        refused(exc, USERS_ADD_OPTIONS)
    out.print(f"User {user.email} ({user.role.value}) created with id {user.id}.")


def _look_up(
    option: str, value: str | None, missing: str, deps: Deps, find: Callable[..., int | None]
) -> int | None:
    """The id an option's name or e-mail stands for (None when not given); unknown: fail."""
    if not value:
        return None
    value = lookup_text(option, value)
    found = find(value, deps=deps)
    if found is None:
        fail(f"{missing} {value!r}")
    return found


def _exit_on_sigterm(signum: int, _frame: object) -> NoReturn:
    # SIGTERM's default ends the process on the spot, skipping atexit, which stops the
    # converters (uvicorn raises SIGTERM again once its own graceful shutdown is done).
    sys.exit(128 + signum)


def main() -> None:
    """Entry point: one readable line and a non-zero exit for every expected failure."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        app()
    except ConfigurationError as exc:
        fail(str(exc), 2)
    except (DomainError, DocumentError) as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}", 2)
    except Exception as exc:
        # Anything unforeseen: one line for the user, the trace only when asked for.
        if os.environ.get("AGREEMENTS_LOG_LEVEL", "").upper() == "DEBUG":
            err.print_exception()
        fail(
            f"unexpected error ({type(exc).__name__}): {exc}; run with "
            "AGREEMENTS_LOG_LEVEL=DEBUG for details"
        )
