"""The mail queue: e-mails written in the same transaction as what they report, then handed
to the SMTP server one by one, each claimed atomically, marked sent once and retried with
backoff while the server is away.

Why a queue between the reminder and the SMTP server: a reminder is marked sent in the same
transaction that writes its e-mails, so the sweep never waits for SMTP; and a reminder with
three recipients whose second address fails is retried for that address only, instead of
sending the first one again."""

from __future__ import annotations

import logging
import mimetypes
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from agreements.db.blobs import BlobStore
from agreements.db.bulk import insert_rows
from agreements.db.claims import claim_rows
from agreements.db.models import QueuedMail
from agreements.domain.enums import MailStatus
from agreements.services.context import Deps
from agreements.services.mail.send import Mail, MailError

log = logging.getLogger("agreements.mail")
CLAIM_STALE = timedelta(minutes=15)  # a claim this old belonged to a worker that died
BATCH = 200
MARK_EVERY = 20  # a crash between sending and marking repeats at most this many messages
MAX_BACKOFF_MINUTES = 240
RUN_SECONDS = 300  # one run claims no new batch after this (CLAIM_STALE is three times it)
REFUSALS_IN_A_ROW = 3  # this many 5xx refusals in a row: the server refuses everything


@dataclass(frozen=True)
class Outgoing:
    """One e-mail to one address. An attachment is named by its SHA-256 in the blob store
    and read when the e-mail is sent: the queue never holds a document's bytes."""

    to: str
    subject: str
    body: str
    reminder_id: int | None = None
    attachment_name: str | None = None
    attachment_sha256: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int  # tried again later (server away)
    refused: int  # refused for good (5xx: no such address); shown, never retried


def enqueue(session: Session, messages: Iterable[Outgoing], now: datetime) -> int:
    """Inside the caller's transaction: the messages exist exactly when what they report does."""
    rows = [
        {
            "reminder_id": m.reminder_id,
            "attachment_name": m.attachment_name,
            "attachment_sha256": m.attachment_sha256,
            "to": m.to,
            "subject": m.subject,
            "body": m.body,
            "status": MailStatus.QUEUED,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for m in messages
    ]
    return len(insert_rows(session, QueuedMail.__table__, rows))


def claim(*, deps: Deps, now: datetime, limit: int = BATCH) -> tuple[str, list[int]]:
    """Take up to `limit` ready messages for this worker; no two workers get the same one.
    Messages held by a worker that died long ago are free again."""
    with deps.db.begin() as session:
        return claim_rows(
            session,
            QueuedMail,
            free=MailStatus.QUEUED,
            held=MailStatus.SENDING,
            ready=QueuedMail.next_attempt_at <= now,
            now=now,
            stale=CLAIM_STALE,
            limit=limit,
            order_by=(QueuedMail.next_attempt_at, QueuedMail.id),
        )


def deliver(
    *, deps: Deps, now: datetime, send: Callable[[Mail], None], limit: int | None = None
) -> DeliveryReport:
    """Send what is ready, batch after batch, for at most RUN_SECONDS (a claim must never
    look stale while its run still holds it).

    A failure about one message (a full mailbox) makes that message wait, and the run goes
    on. A failure about the server (unreachable, connection lost) makes the rest of the
    batch wait as long, and the run stops there instead of trying thousands of messages
    against a server that is down. A refusal of an address (5xx) is final, unless
    REFUSALS_IN_A_ROW come in a row: then the server refuses everything (a policy, a
    setting), and those messages wait too."""
    started = time.monotonic()
    store = BlobStore(deps.settings.effective_storage_dir)
    sent = failed = refused = 0
    while limit is None or sent + failed + refused < limit:
        elapsed = time.monotonic() - started
        if elapsed > RUN_SECONDS:
            break
        clock = now + timedelta(seconds=elapsed)
        token, ids = claim(deps=deps, now=clock, limit=BATCH)
        if not ids:
            break
        with deps.db() as session:
            batch = session.execute(
                select(
                    QueuedMail.id,
                    QueuedMail.to,
                    QueuedMail.subject,
                    QueuedMail.body,
                    QueuedMail.attachment_name,
                    QueuedMail.attachment_sha256,
                )
                .where(QueuedMail.id.in_(ids), QueuedMail.claim == token)
                .order_by(QueuedMail.id)
            ).all()
        done: list[int] = []
        refusals: list[tuple[int, Exception]] = []
        stopped = False
        for position, (mail_id, to, subject, body, name, digest) in enumerate(batch):
            try:
                attachments = _attach(store, name, digest)
                send(Mail(to=to, subject=subject, body=body, attachments=attachments))
            except Exception as exc:  # any transport failure: this message waits, never lost
                scope = exc.scope if isinstance(exc, MailError) else "server"
                if scope == "refused" and len(refusals) + 1 < REFUSALS_IN_A_ROW:
                    refusals.append((mail_id, exc))
                    continue
                if scope == "message":
                    _retry_later(deps, [mail_id], token, exc, now, attempt=True)
                    failed += 1
                    continue
                # The server is away (or refuses everything): all that is left waits.
                sent += _mark_sent(deps, done, token, now)
                held = [i for i, _ in refusals]
                rest = [row[0] for row in batch[position + 1 :]]
                _retry_later(deps, [mail_id, *held], token, exc, now, attempt=True)
                _retry_later(deps, rest, token, exc, now, attempt=False)
                failed += 1 + len(held)
                done, refusals, stopped = [], [], True
                break
            refused += _refuse(deps, refusals, token)
            refusals = []
            done.append(mail_id)
            if len(done) >= MARK_EVERY:
                sent += _mark_sent(deps, done, token, now)
                done = []
        refused += _refuse(deps, refusals, token)
        sent += _mark_sent(deps, done, token, now)
        if stopped:
            break
    report = DeliveryReport(sent, failed, refused)
    if sent or failed or refused:
        log.info("mail.delivered", extra=report.__dict__)
    return report


def _attach(store: BlobStore, name: str | None, digest: str | None) -> list[tuple[str, bytes, str]]:
    if name is None or digest is None:
        return []
    try:
        data = store.get(digest)
    except (OSError, ValueError) as exc:  # shown on the message, tried again later
        raise MailError(f"attachment {name} cannot be read: {exc}", scope="message") from exc
    return [(name, data, mimetypes.guess_type(name)[0] or "application/octet-stream")]


def _mark_sent(deps: Deps, ids: list[int], token: str, now: datetime) -> int:
    if not ids:
        return 0
    with deps.db.begin() as session:
        # The body (which may hold a signing link) is not kept once the server has it.
        result = session.execute(
            update(QueuedMail)
            .where(QueuedMail.id.in_(ids), QueuedMail.claim == token)
            .values(status=MailStatus.SENT, claim=None, sent_at=now, body="")
            .execution_options(synchronize_session=False)
        )
    return int(getattr(result, "rowcount", len(ids)))


def _retry_later(
    deps: Deps, ids: list[int], token: str, exc: Exception, now: datetime, *, attempt: bool
) -> None:
    """Back in the queue after a wait that doubles with each attempt (up to four hours).
    Without `attempt` (messages not tried) they wait as long but keep their count."""
    if not ids:
        return
    with deps.db.begin() as session:
        for message in session.scalars(
            select(QueuedMail).where(QueuedMail.id.in_(ids), QueuedMail.claim == token)
        ):
            message.attempts += 1 if attempt else 0
            wait = timedelta(minutes=min(2 ** max(message.attempts, 1), MAX_BACKOFF_MINUTES))
            message.status, message.claim = MailStatus.QUEUED, None
            message.next_attempt_at = now + wait
            if attempt:
                message.last_error = str(exc)[:500]
    log.warning("mail.retry", extra={"mails": len(ids), "error": str(exc)[:200]})


def _refuse(deps: Deps, refusals: list[tuple[int, Exception]], token: str) -> int:
    """Refused for good: kept as failed (shown, never retried), without its text."""
    for mail_id, exc in refusals:
        with deps.db.begin() as session:
            session.execute(
                update(QueuedMail)
                .where(QueuedMail.id == mail_id, QueuedMail.claim == token)
                .values(
                    status=MailStatus.FAILED,
                    claim=None,
                    body="",
                    attempts=QueuedMail.attempts + 1,
                    last_error=str(exc)[:500],
                )
                .execution_options(synchronize_session=False)
            )
        log.error("mail.refused", extra={"mail": mail_id, "error": str(exc)[:200]})
    return len(refusals)


def counts(*, deps: Deps) -> dict[str, int]:
    with deps.db() as session:
        return {
            status.value: n
            for status, n in session.execute(
                select(QueuedMail.status, func.count()).group_by(QueuedMail.status)
            )
        }


def forget_sent(*, deps: Deps, before: datetime) -> int:
    """Sent and refused messages are a delivery log (address, subject, time; their text is
    gone already): kept for a while, then deleted."""
    with deps.db.begin() as session:
        result = session.execute(
            delete(QueuedMail)
            .where(
                or_(
                    (QueuedMail.status == MailStatus.SENT) & (QueuedMail.sent_at < before),
                    (QueuedMail.status == MailStatus.FAILED) & (QueuedMail.created_at < before),
                )
            )
            .execution_options(synchronize_session=False)
        )
    return int(getattr(result, "rowcount", 0) or 0)
