"""The one huey instance and its tasks; tasks take ids, are idempotent, and call use cases."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.exceptions import ResultTimeout, TaskException

from agreements.bootstrap import build_deps
from agreements.domain.enums import FinishStatus
from agreements.domain.errors import Conflict, DomainError, NotFound
from agreements.domain.policy import Actor
from agreements.services.access import accounts
from agreements.services.audit import log as audit
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.documents.render import render_version, unfinished
from agreements.services.jobs import Job, NoQueue
from agreements.services.legal import dossier, dossier_jobs
from agreements.services.legal.dossier_jobs import DossierJob
from agreements.services.mail import queue as mail_queue
from agreements.services.mail import send as mail
from agreements.services.reminders import sweep as reminders
from agreements.services.signatures import archive, finish, mails, sign
from agreements.services.uow import unit_of_work
from agreements.settings import Settings
from templates.errors import DocumentError
from templates.filters import datum

log = logging.getLogger("agreements.tasks")
DELIVERERS = 2  # mail.deliver tasks a sweep enqueues at most (one per worker thread)


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
            deps = with_queue(build_deps())
            _runtime = Runtime(deps, DocumentEngine(deps.settings))
        return _runtime


def use_runtime(value: Runtime | None) -> None:
    """Hand tasks their collaborators (tests, or a process that built its own)."""
    global _runtime
    with _runtime_lock:
        _runtime = value if value is None else replace(value, deps=with_queue(value.deps))


def _now() -> datetime:
    return datetime.now(UTC)


@huey.task(retries=2, retry_delay=10, name="documents.render")  # type: ignore[untyped-decorator]
def render_document(version_id: int) -> str:
    """Render one document version; the database says whether it is still to do."""
    rt = runtime()
    status = render_version(version_id, deps=rt.deps, engine=rt.engine, clock=_now)
    return status.value


@huey.task(retries=5, retry_delay=30, name="signing.invite")  # type: ignore[untyped-decorator]
def send_invitation(request_id: int) -> None:
    """Mail a party a fresh signing link; the token exists only in this mail."""
    rt = runtime()
    request, token = sign.issue_link(request_id, deps=rt.deps, now=_now())
    if not request.email:
        log.warning("signing.no_email", extra={"request": request_id})
        return
    settings = rt.deps.settings
    view = sign.open_link(token, deps=rt.deps, now=_now())
    assert view is not None
    title = view.document.title
    name, case = mails.addressed(request_id, deps=rt.deps)
    message = mail.invitation(
        settings,
        name=name or request.party_name,
        title=title,
        case=case or view.case_reference,
        link=f"{settings.public_base_url.rstrip('/')}/s/{token}",
        expires=datum(settings.day_of(request.expires_at)),
        tenant=request.party_role in {"tenant", "representative"},
    )
    mail.send(settings, replace(message, to=request.email))


@huey.task(retries=5, retry_delay=60, name="signing.finish")  # type: ignore[untyped-decorator]
def finish_document(version_id: int) -> str:
    """Seal a fully signed version once. Its signed copies were queued with the seal, one
    e-mail per party: the mail queue sends them, each retried on its own."""
    rt = runtime()
    status = finish.finish_version(version_id, deps=rt.deps, engine=rt.engine, clock=_now)
    if status is FinishStatus.DONE:
        deliver_mail()
    return status.value


@huey.task(retries=5, retry_delay=30, name="signing.declined")  # type: ignore[untyped-decorator]
def notify_declined(request_id: int) -> None:
    rt = runtime()
    found = mails.declined_mail(request_id, deps=rt.deps)
    if found is not None:
        mail.send(rt.deps.settings, replace(found[1], to=found[0]))


def after_signing(outcome: sign.Outcome) -> None:
    """What follows a signature, once its transaction committed: the next party, or the seal.

    The signature is saved whatever happens here: if the queue cannot be reached, the
    periodic recovery (and the reminder sweep) pick the work up from the database."""
    try:
        if outcome.declined:
            notify_declined(outcome.request_id)
        elif outcome.complete:
            finish_document(outcome.version_id)
        else:
            for request_id in sign.next_in_turn(outcome.version_id, deps=runtime().deps):
                send_invitation(request_id)
    except Exception:
        log.exception("signing.enqueue_failed", extra={"version": outcome.version_id})


@huey.periodic_task(crontab(minute="*/5"), name="documents.recover")  # type: ignore[untyped-decorator]
def recover_documents() -> None:
    """Re-enqueue renders and seals the queue lost; the database says what is unfinished."""
    render, finish = unfinished(deps=runtime().deps, now=_now())
    for version_id in render:
        render_document(version_id)
    for version_id in finish:
        finish_document(version_id)


@huey.task(retries=1, retry_delay=30, name="legal.dossier")  # type: ignore[untyped-decorator]
def build_dossier(case_id: int, user_id: int) -> dict[str, object]:
    """Build and seal one case's dossier as the user who asked for it; ids only.

    A refusal the service makes on purpose (no sealing key, no converter, ...) is the job's
    final answer, kept as `failed` so the web process can answer with the same problem as
    for any request; anything else is a bug, raised (logged, retried once by huey)."""
    rt = runtime()
    try:
        actor = accounts.actor_by_id(user_id, deps=rt.deps)
        pdf = dossier.build_dossier(
            case_id, deps=rt.deps, engine=rt.engine, actor=actor, now=_now()
        )
    except (DomainError, DocumentError) as exc:
        log.warning("dossier.failed", extra={"case": case_id, "error": type(exc).__name__})
        return {"case_id": case_id, "failed": dossier_jobs.failure_of(exc)}
    return {"case_id": case_id, "sha256": hashlib.sha256(pdf).hexdigest()}


def _queue_dossiers(case_ids: list[int], deps: Deps, actor: Actor) -> list[tuple[int, str]]:
    """Queue a dossier per case, each case once; the scope of all is checked before any."""
    user_id = dossier_jobs.may_queue(case_ids, deps=deps, actor=actor)
    return [(case_id, build_dossier(case_id, user_id).id) for case_id in dict.fromkeys(case_ids)]


def queue_dossiers(case_ids: list[int], *, deps: Deps, actor: Actor) -> list[DossierJob]:
    """Queue dossiers for many cases at once (refused whole if one is out of scope)."""
    return [_job(case_id, task_id) for case_id, task_id in _queue_dossiers(case_ids, deps, actor)]


def dossier_job(case_id: int, task_id: str, *, deps: Deps, actor: Actor) -> DossierJob:
    """A queued dossier's progress, for an actor whose scope holds the case."""
    dossier_jobs.check_scope([case_id], deps=deps, actor=actor)
    return _job(case_id, task_id)


def finished_dossier(
    case_id: int,
    task_id: str,
    *,
    deps: Deps,
    actor: Actor,
    engine: DocumentEngine,
    now: datetime,
) -> bytes:
    """The sealed PDF of a queued dossier that is done; Conflict while it is not. The read
    is logged, as for any sealed PDF."""
    job = dossier_job(case_id, task_id, deps=deps, actor=actor)
    if job.status != "done" or job.sha256 is None:
        raise Conflict(f"the dossier is not ready ({job.status})")
    with unit_of_work(deps, actor, now) as uow:
        uow.audit("case.read_dossier", "case", case_id, {"case": case_id, "sha256": job.sha256})
    return engine.store.get(job.sha256)


def wait_for_dossier(
    case_id: int, *, deps: Deps, actor: Actor, engine: DocumentEngine
) -> bytes | DossierJob:
    """Queue one case's dossier and wait for the worker at most `dossier_wait_seconds`: the
    sealed PDF, or the job while it is still being made. The web process never converts;
    a failure the worker ran into is raised here as the same error."""
    ((_, task_id),) = _queue_dossiers([case_id], deps, actor)
    wait = deps.settings.dossier_wait_seconds
    try:
        value = huey.result(task_id, blocking=wait > 0, timeout=wait, preserve=True)
    except ResultTimeout:
        value = None
    except TaskException as exc:  # a bug in the task, not a refusal: the 500 it always was
        raise RuntimeError(f"dossier task failed: {exc.metadata.get('error', '')}") from None
    if value is None:
        return DossierJob(case_id, task_id, "queued")
    if value.get("failed"):
        raise dossier_jobs.error_of(value["failed"], case_id)
    return engine.store.get(value["sha256"])


def _job(case_id: int, task_id: str) -> DossierJob:
    """What huey keeps of the job (its result, unread by this, stays for the next look)."""
    try:
        value = huey.result(task_id, preserve=True)
    except TaskException as exc:
        error = str(exc.metadata.get("error", "")) or "failed"
        return DossierJob(case_id, task_id, "failed", error=error)
    if value is None:
        return DossierJob(case_id, task_id, "queued")
    if value.get("case_id") != case_id:  # a job of another case: not this actor's business
        raise NotFound("dossier job", task_id)
    if failed := value.get("failed"):
        error = f"{failed.get('error', '')}: {failed.get('detail', '')}"
        return DossierJob(case_id, task_id, "failed", error=error)
    return DossierJob(case_id, task_id, "done", sha256=value["sha256"])


def sweep_now() -> reminders.SweepReport:
    """One sweep. Two at once are safe: rows are inserted under a unique key and claimed by
    the sweep that inserted them. (No queue lock: a worker killed mid-sweep would leave it
    held for ever.)"""
    return reminders.sweep(deps=runtime().deps, now=_now())


def deliver_now(limit: int | None = None) -> mail_queue.DeliveryReport:
    """Hand what the mail queue holds to the SMTP server, over one connection."""
    rt = runtime()
    with mail.connection(rt.deps.settings) as send:
        return mail_queue.deliver(deps=rt.deps, now=_now(), send=send, limit=limit)


# Every five minutes; what a stopped worker missed is found by the next sweep, because the
# database (not the queue) says what is due. The e-mails go out on other worker threads.
@huey.periodic_task(crontab(minute="*/5"), name="reminders.sweep")  # type: ignore[untyped-decorator]
def sweep_reminders() -> None:
    report = sweep_now()
    for _ in range(min(DELIVERERS, -(-report.messages // mail_queue.BATCH))):
        deliver_mail()


@huey.task(name="mail.deliver")  # type: ignore[untyped-decorator]
def deliver_mail() -> None:
    """Several may run at once: each claims its own messages."""
    deliver_now()


# Retries after backoff, and whatever a lost `mail.deliver` task left in the queue.
@huey.periodic_task(crontab(minute="*"), name="mail.retry")  # type: ignore[untyped-decorator]
def retry_mail() -> None:
    deliver_now()
    deps = runtime().deps
    mail_queue.forget_sent(deps=deps, before=_now() - timedelta(days=deps.settings.mail_keep_days))


@huey.periodic_task(crontab(minute="*"), name="audit.chain")  # type: ignore[untyped-decorator]
def chain_audit_reads() -> None:
    """Move the staged read entries into the audit chain (each minute: the window for them)."""
    chained = audit.chain_staged(runtime().deps)
    if chained:
        log.info("audit.chained", extra={"entries": chained})


@huey.periodic_task(crontab(minute="0"), name="audit.checkpoint")  # type: ignore[untyped-decorator]
def checkpoint_audit_head() -> None:
    """Seal the audit chain's head hourly, outside the database, so truncation shows."""
    deps = runtime().deps
    audit.chain_staged(deps)
    seq, digest = audit.write_checkpoint(
        deps, deps.settings.data_dir / "audit-checkpoints.jsonl", _now()
    )
    log.info("audit.checkpoint", extra={"seq": seq, "hash": digest})


@huey.periodic_task(crontab(hour="4", minute="15"), name="signing.archive_renew")  # type: ignore[untyped-decorator]
def renew_archive_stamps() -> archive.RenewalReport:
    """Daily: a fresh archive time stamp on each sealed file whose authority's certificate
    expires within `archive_renewal_days` (a missed day is caught up on the next)."""
    rt = runtime()
    report = archive.renew_archive_stamps(deps=rt.deps, engine=rt.engine, now=_now())
    if report.renewed or report.failed:
        log.info(
            "archive.renewed", extra={"renewed": len(report.renewed), "failed": len(report.failed)}
        )
    return report


_worker_threads = 0  # consumer threads of this process that have started and not yet stopped


@huey.on_startup()  # type: ignore[untyped-decorator]
def _worker_started() -> None:
    global _worker_threads
    with _runtime_lock:
        _worker_threads += 1


@huey.on_shutdown()  # type: ignore[untyped-decorator]
def _close_converters() -> None:
    # Each worker thread calls this as it stops; only the last one closes the converters, so
    # a render still running on another thread keeps its converter. (The pool closes at
    # exit too, and its converters die with the process.)
    global _worker_threads
    with _runtime_lock:
        _worker_threads -= 1
        if _worker_threads <= 0 and _runtime is not None:
            _runtime.engine.close()


class HueyQueue:
    """The queue port of the use cases (services.jobs) on this huey instance."""

    def enqueue(self, job: Job, *ids: int) -> None:
        _JOBS[job](*ids)


_JOBS = {
    Job.RENDER: render_document,
    Job.INVITE: send_invitation,
    Job.FINISH: finish_document,
    Job.DECLINED: notify_declined,
    Job.MAIL: deliver_mail,
}
QUEUE = HueyQueue()


def with_queue(deps: Deps) -> Deps:
    """The collaborators with this queue, unless they were given one of their own."""
    return replace(deps, queue=QUEUE) if isinstance(deps.queue, NoQueue) else deps
