"""The one huey instance and its tasks; tasks take ids, are idempotent, and call use cases."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from huey import Huey, RedisHuey, SqliteHuey, crontab

from agreements.bootstrap import build_deps
from agreements.services import audit
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


@huey.periodic_task(crontab(minute="0"), name="audit.checkpoint")  # type: ignore[untyped-decorator]
def checkpoint_audit_head() -> None:
    """Seal the audit chain's head hourly, outside the database, so truncation shows."""
    deps = build_deps()
    seq, digest = audit.write_checkpoint(
        deps, deps.settings.data_dir / "audit-checkpoints.jsonl", datetime.now(UTC)
    )
    log.info("audit.checkpoint", extra={"seq": seq, "hash": digest})
