"""Signed copies through the mail queue (issue 10, item 4), against a real SMTP server on
loopback that refuses chosen mailboxes, on SQLite and PostgreSQL: one queued e-mail per
party, written with the seal; a busy mailbox is retried alone, a refused one never stops
the others, and nobody gets a copy twice."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message

import pytest
from sqlalchemy import select

from agreements import tasks
from agreements.db.models import DocumentVersion, QueuedMail
from agreements.domain.enums import MailStatus
from agreements.services.context import Deps
from agreements.services.mail import queue as mail_queue
from agreements.services.mail import send as mail
from agreements.services.signatures import finish
from tests.flows import fully_signed
from tests.support import signing_app, smtp_server


class Mailboxes:
    """Answers RCPT per address from a script (a 4xx answer is used once, a 5xx for ever)
    and keeps every message it accepts, with the mailbox it was for."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: dict[str, list[str]] = {}
        self.received: list[tuple[str, Message]] = []

    async def handle_RCPT(self, server, session, envelope, address, options):
        with self.lock:
            script = self.answers.get(address)
            if script:
                return script[0] if script[0].startswith("5") else script.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content)
        with self.lock:
            self.received.extend((rcpt, message) for rcpt in envelope.rcpt_tos)
        return "250 OK"

    def copies_of(self, digest: str) -> Counter[str]:
        """How many copies of the sealed PDF with this hash each mailbox received."""
        with self.lock:
            return Counter(rcpt for rcpt, message in self.received if digest in _pdfs(message))


def _pdfs(message: Message) -> set[str]:
    return {
        hashlib.sha256(part.get_payload(decode=True)).hexdigest()
        for part in message.walk()
        if part.get_content_type() == "application/pdf"
    }


@pytest.fixture
def copies(world, pool) -> Iterator[tuple[object, Deps, Mailboxes]]:
    boxes = Mailboxes()
    with (
        smtp_server(boxes) as port,
        signing_app(world, pool, smtp_port=port, mail_outbox=None) as (client, deps),
    ):
        yield client, deps, boxes


def _sealed_digest(deps, version_id: int) -> str:
    with deps.db() as session:
        digest = session.get(DocumentVersion, version_id).sealed_sha256
    assert digest is not None
    return digest


def _queued(deps, digest: str) -> dict[str, QueuedMail]:
    with deps.db() as session:
        rows = session.scalars(select(QueuedMail).where(QueuedMail.attachment_sha256 == digest))
        return {row.to: row for row in rows}


def _deliver(deps, at: datetime) -> mail_queue.DeliveryReport:
    with mail.connection(deps.settings) as send:
        return mail_queue.deliver(deps=deps, now=at, send=send)


def test_a_busy_mailbox_is_retried_alone_and_everyone_gets_one_copy(copies, world):
    """Before: a 451 for one address failed the task, and each retry sent every copy again
    (the tenant received three)."""
    client, deps, boxes = copies
    version_id, requests = fully_signed(client, world, deps)
    # The corporation: after the tenants, before the others.
    busy = next(r["email"] for r in requests if r["party_role"] == "corporation")
    everyone = Counter(r["email"] for r in requests)
    boxes.answers[busy] = ["451 4.2.1 mailbox busy, try again later"] * 2
    started = datetime.now(UTC)
    assert tasks.finish_document.call_local(version_id) == "done"  # seals, then sends
    digest = _sealed_digest(deps, version_id)
    assert boxes.copies_of(digest) == everyone - Counter([busy])
    tasks.finish_document.call_local(version_id)  # the task retried (by huey, or by hand)
    tasks.deliver_now()  # another worker's run: the busy mailbox's copy is not due yet
    assert boxes.copies_of(digest) == everyone - Counter([busy])
    waiting = _queued(deps, digest)[busy]
    assert waiting.status is MailStatus.QUEUED and waiting.attempts == 1
    assert "451" in waiting.last_error and waiting.next_attempt_at > started

    _deliver(deps, waiting.next_attempt_at + timedelta(seconds=1))  # busy once more
    assert boxes.copies_of(digest) == everyone - Counter([busy])
    assert _queued(deps, digest)[busy].attempts == 2
    _deliver(deps, started + timedelta(hours=1))
    _deliver(deps, started + timedelta(days=1))
    assert boxes.copies_of(digest) == everyone
    rows = _queued(deps, digest)
    assert len(rows) == len(everyone) and {r.status for r in rows.values()} == {MailStatus.SENT}
    assert all(r.body == "" for r in rows.values())  # the text is not kept once sent


def test_a_refused_first_address_does_not_stop_the_others(copies, world):
    """Before: a 550 for the first address ended the loop and nobody got a copy."""
    client, deps, boxes = copies
    version_id, requests = fully_signed(client, world, deps)
    first = requests[0]["email"]
    boxes.answers[first] = ["550 5.1.1 no such mailbox"]
    assert tasks.finish_document.call_local(version_id) == "done"
    digest = _sealed_digest(deps, version_id)
    everyone = Counter(r["email"] for r in requests)
    assert boxes.copies_of(digest) == everyone - Counter([first])
    refused = _queued(deps, digest)[first]
    assert refused.status is MailStatus.FAILED and "550" in refused.last_error
    boxes.answers.clear()  # even if the mailbox came back, a final refusal is not retried
    _deliver(deps, datetime.now(UTC) + timedelta(days=1))
    assert boxes.copies_of(digest) == everyone - Counter([first])


def test_the_copies_are_queued_with_the_seal_and_hold_no_pdf(copies, world):
    """One row per party, written in the transaction that marks the version sealed (a
    sealed version without its copies, or copies twice, cannot happen), naming the sealed
    PDF by its hash; the PDF's bytes are read from the store when the e-mail is sent."""
    client, deps, boxes = copies
    version_id, requests = fully_signed(client, world, deps)
    engine = tasks.runtime().engine
    status = finish.finish_version(
        version_id, deps=deps, engine=engine, clock=lambda: datetime.now(UTC)
    )
    assert status.value == "done"
    digest = _sealed_digest(deps, version_id)
    rows = _queued(deps, digest)
    assert sorted(rows) == sorted(r["email"] for r in requests)
    name = f"{_reference(deps, version_id)}-ondertekend.pdf"
    assert {r.attachment_name for r in rows.values()} == {name}
    assert all(len(r.body) < 2000 and r.status is MailStatus.QUEUED for r in rows.values())
    again = finish.finish_version(
        version_id, deps=deps, engine=engine, clock=lambda: datetime.now(UTC)
    )
    assert again.value == "done" and len(_queued(deps, digest)) == len(rows)
    tasks.deliver_now()
    received = [m for _, m in boxes.received if digest in _pdfs(m)]
    assert len(received) == len(rows)
    assert received[0]["Subject"].startswith("Ondertekend: Woonbegeleidingsovereenkomst")


def _reference(deps, version_id: int) -> str:
    from agreements.db.models import Case, Document

    with deps.db() as session:
        version = session.get(DocumentVersion, version_id)
        document = session.get(Document, version.document_id)
        case = session.get(Case, document.case_id)
        return case.reference or str(case.id)
