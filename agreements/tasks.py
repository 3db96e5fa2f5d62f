"""The one huey instance and its tasks; tasks take ids, are idempotent, and call use cases."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from huey import Huey, RedisHuey, SqliteHuey, crontab

from agreements.bootstrap import build_deps
from agreements.services import audit, documents
from agreements.services.context import Deps
from agreements.services.rendering import DocumentEngine
from agreements.settings import Settings

log = logging.getLogger("agreements.tasks")


def make_huey(settings: Settings) -> Huey:
    """huey on SQLite by default, on Redis when the queue URL says so."""
    url = settings.effective_queue_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("agreements", url=url)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("agreements", filename=path)
    raise ValueError(
        f"AGREEMENTS_QUEUE_URL: unsupported queue {url!r} (use sqlite:/// or redis://)"
    )


# The one object created at import time (DESIGN section 3): `huey_consumer worker.huey`.
huey = make_huey(Settings())


@dataclass
class Runtime:
    """What tasks work with in this process: made on first use, or handed in by tests."""

    deps: Deps
    engine: DocumentEngine


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            deps = build_deps()
            _runtime = Runtime(deps, DocumentEngine(deps.settings))
        return _runtime


def use_runtime(value: Runtime | None) -> None:
    """Hand tasks their collaborators (tests, or a process that built its own)."""
    global _runtime
    with _runtime_lock:
        _runtime = value


def _now() -> datetime:
    return datetime.now(UTC)


@huey.task(retries=2, retry_delay=10, name="documents.render")  # type: ignore[untyped-decorator]
def render_document(version_id: int) -> str:
    """Render one document version; the database says whether it is still to do."""
    rt = runtime()
    status = documents.render_version(version_id, deps=rt.deps, engine=rt.engine, clock=_now)
    return status.value


@huey.periodic_task(crontab(minute="0"), name="audit.checkpoint")  # type: ignore[untyped-decorator]
def checkpoint_audit_head() -> None:
    """Seal the audit chain's head hourly, outside the database, so truncation shows."""
    deps = runtime().deps
    seq, digest = audit.write_checkpoint(
        deps, deps.settings.data_dir / "audit-checkpoints.jsonl", _now()
    )
    log.info("audit.checkpoint", extra={"seq": seq, "hash": digest})


@huey.on_shutdown()  # type: ignore[untyped-decorator]
def _close_converters() -> None:
    # Converters run in their own process groups; without this they would outlive the worker.
    with _runtime_lock:
        if _runtime is not None:
            _runtime.engine.close()
