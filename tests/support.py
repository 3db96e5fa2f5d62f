"""Helpers shared by the test layers: reaching real services the way CI expects."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REPO = Path(__file__).resolve().parents[1]


def require(service: str, available: bool, why: str = "") -> None:
    """Skip on a laptop, fail under CI=true, when a real service cannot be reached."""
    if available:
        return
    message = f"{service} is not reachable{': ' + why if why else ''}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_libreoffice() -> None:
    require("LibreOffice", shutil.which("soffice") is not None, "no soffice on PATH")


def require_chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require("Chromium", os.path.exists(path), "no /usr/bin/chromium")
    return path


@contextmanager
def uvicorn_thread(config: Any) -> Iterator[str]:
    """A real uvicorn server for `config` in a thread on loopback; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://{config.host}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_cli(
    args: list[str], data_dir: Path, *, timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m agreements ARGS` with its own data folder (and more AGREEMENTS_* settings)."""
    return subprocess.run(
        [sys.executable, "-m", "agreements", *args],
        env={**os.environ, "AGREEMENTS_DATA_DIR": str(data_dir), **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_command(
    args: list[str], env: dict[str, str], input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m agreements ARGS` with `env` over this process's environment (the CLI tests'
    `cli_env`: a database and data folder of their own)."""
    return subprocess.run(
        [sys.executable, "-m", "agreements", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        input=input_text,
    )


def upload_template(
    client: Any,
    headers: dict[str, str],
    name: str,
    content: bytes,
    *,
    kind: str = "letter",
    filename: str = "template.docx",
) -> Any:
    """POST /api/v1/templates as the upload form sends it; the response."""
    return client.post(
        "/api/v1/templates",
        headers=headers,
        data={"name": name, "kind": kind},
        files={"file": (filename, content)},
    )


def record_audit(
    deps: Any,
    n: int,
    *,
    action: str,
    now: datetime,
    start: int = 0,
    step: timedelta = timedelta(seconds=1),
    detail: dict[str, Any] | Callable[[int], dict[str, Any]] | None = None,
) -> None:
    """`n` audit entries by the system, one transaction each, about cases start, start+1...
    at now + step * number; `detail` is a dict, or made from the entry's number."""
    from agreements.domain.policy import SYSTEM
    from agreements.services.audit import log as audit

    for i in range(start, start + n):
        with deps.db.begin() as session:
            audit.record(
                session,
                deps,
                actor=SYSTEM,
                action=action,
                subject_type="case",
                subject_id=i,
                now=now + step * i,
                detail=detail(i) if callable(detail) else detail,
            )


def drop_audit_triggers(deps: Any) -> None:
    """Let a test edit the append-only audit tables (main and staging), as an intruder with
    the database's password could."""
    from sqlalchemy import text

    from agreements.services.audit import staging as audit_staging

    def sql(db: Any, statement: str) -> None:
        with db.begin() as session:
            session.execute(text(statement))

    if deps.db.kw["bind"].dialect.name == "postgresql":
        sql(deps.db, "ALTER TABLE audit_entries DISABLE TRIGGER USER")
        sql(deps.db, "ALTER TABLE audit_staged DISABLE TRIGGER USER")
        return
    for name in ("audit_entries_no_update", "audit_entries_no_delete"):
        sql(deps.db, f"DROP TRIGGER {name}")
    side = audit_staging.side(deps.db.kw["bind"])
    sql(deps.db if side is None else side.db, "DROP TRIGGER IF EXISTS audit_staged_no_update")


@contextmanager
def smtp_server(handler: Any) -> Iterator[int]:
    """A real SMTP server on loopback (aiosmtpd) answering with `handler`; yields its port."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert port_open("127.0.0.1", port)
        yield port
    finally:
        controller.stop()


@contextmanager
def signing_app(world: Any, converter: Any, **settings: Any) -> Iterator[tuple[Any, Any]]:
    """The API with the worker run inline, a sealing key, and these settings (the SMTP port,
    say): the client and the deps it runs on. The signing flow's tests share it."""
    from fastapi.testclient import TestClient

    from agreements import tasks
    from agreements.services.context import Deps
    from agreements.services.documents.engine import DocumentEngine
    from agreements.web.app import create_app
    from signing.certs import ensure_dev_certificate

    changed = world.deps.settings.model_copy(update=settings)
    deps = Deps(db=world.deps.db, settings=changed)
    engine = DocumentEngine(changed, converter=converter)
    ensure_dev_certificate(changed.effective_seal_pkcs12, changed.effective_seal_password)
    tasks.huey.immediate = True
    tasks.use_runtime(tasks.Runtime(deps, engine))
    try:
        with TestClient(
            create_app(deps=deps, engine=engine), raise_server_exceptions=False
        ) as client:
            yield client, deps
    finally:
        tasks.use_runtime(None)
        tasks.huey.immediate = False


# Chromium as the browser tests start it, and the tablet they show the staff pages on.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"width": 1024, "height": 768}


def run_queued(task_ids: Iterable[str]) -> None:
    """Be the worker for these tasks only; anything else queued is put back as it was."""
    from agreements import tasks

    wanted, others = set(task_ids), []
    while (task := tasks.huey.dequeue()) is not None:
        if task.id in wanted:
            tasks.huey.execute(task)
        else:
            others.append(task)
    for task in others:
        tasks.huey.enqueue(task)
