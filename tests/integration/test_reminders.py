"""Reminders on SQLite and PostgreSQL: time is a parameter, so every sweep is a chosen moment."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from agreements.db.models import (
    Agreement,
    Case,
    Document,
    DocumentVersion,
    QueuedMail,
    Reminder,
    Review,
    SignatureRequest,
)
from agreements.domain.enums import (
    AgreementStatus,
    DocumentStatus,
    MailStatus,
    ReminderKind,
    ReminderStatus,
    RequestStatus,
)
from agreements.domain.policy import SYSTEM
from agreements.services import demo
from agreements.services.cases import agreements
from agreements.services.inputs import AgreementPatch
from agreements.services.mail import queue as mail_queue
from agreements.services.mail import send as mail
from agreements.services.mail.send import Mail as Delivery
from agreements.services.reminders import sweep as reminders
from agreements.services.review_inputs import ReviewPatch
from tests.support import port_open, require

AMS = ZoneInfo("Europe/Amsterdam")
K = ReminderKind


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=AMS).astimezone(UTC)


class Outbox:
    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[Delivery] = []
        self.fail_times = fail_times
        self.lock = threading.Lock()

    def __call__(self, delivery: Delivery) -> None:
        with self.lock:
            if self.fail_times:
                self.fail_times -= 1
                raise OSError("SMTP server refused the connection")
            self.sent.append(delivery)

    def subjects(self) -> list[str]:
        return sorted(d.subject for d in self.sent)


@pytest.fixture
def trajectory(fresh_deps):
    """The demo case with its agreement active from 31 January 2026 (reviews 30 April...)."""
    deps = fresh_deps
    demo.seed_demo(deps=deps, now=at(date(2026, 1, 20)))
    with deps.db() as session:
        ids = list(session.scalars(select(Agreement.id).order_by(Agreement.id)))
    for agreement_id in ids:
        for status in ("out_for_signature", "active"):
            agreements.update_agreement(
                agreement_id,
                AgreementPatch(status=status),
                deps=deps,
                actor=SYSTEM,
                now=at(date(2026, 1, 25)),
            )
    return deps, ids[0]


def _only_first_case(deps) -> None:
    # The second demo case would double every count; end it.
    with deps.db.begin() as session:
        second = session.scalars(select(Agreement).order_by(Agreement.id)).all()[1]
        second.status = AgreementStatus.TERMINATED


@dataclass(frozen=True)
class Ran:
    found: int
    queued: int
    flagged: int
    cancelled: int
    sent: int
    failed: int


def run(deps, now: datetime, send) -> Ran:
    """What the worker does: a sweep, then the mail queue hands its e-mails to `send`."""
    swept = reminders.sweep(deps=deps, now=now)
    delivered = mail_queue.deliver(deps=deps, now=now, send=send)
    return Ran(
        swept.found, swept.queued, swept.flagged, swept.cancelled, delivered.sent, delivered.failed
    )


def test_review_dates_follow_the_anchor_rule(trajectory):
    deps, agreement_id = trajectory
    with deps.db() as session:
        due = list(
            session.scalars(
                select(Review.due_date)
                .where(Review.agreement_id == agreement_id)
                .order_by(Review.number)
            )
        )
    # 31 Jan 2026: 30 Apr, 31 Jul, 31 Oct (a Saturday -> Monday 2 Nov), 31 Jan 2027 (Sunday).
    assert due[:4] == [date(2026, 4, 30), date(2026, 7, 31), date(2026, 11, 2), date(2027, 2, 1)]


def test_a_week_of_downtime_is_caught_up_once(trajectory, smtp):
    deps, _ = trajectory
    _only_first_case(deps)
    inbox, port = smtp
    inbox.clear()
    settings = deps.settings.model_copy(update={"smtp_port": port})

    def send(d: Delivery) -> None:
        mail.send(settings, mail.Mail(to=d.to, subject=d.subject, body=d.body))

    first = run(deps, now=at(date(2026, 4, 16)), send=send)
    assert first.sent == 1  # 14 days before review 1: the coordinator
    assert [m["To"] for m in inbox.messages] == ["coordinator@demo.example"]
    assert "30 april 2026" in inbox.messages[0].get_payload()
    # The worker is down from 17 April to 8 May; then one sweep catches up.
    report = run(deps, now=at(date(2026, 5, 8)), send=send)
    with deps.db() as session:
        rows = {r.kind: r.status for r in session.scalars(select(Reminder))}
    assert rows[K.REVIEW_UPCOMING] is ReminderStatus.SENT
    assert rows[K.REVIEW_TENANT] is ReminderStatus.FLAGGED  # 23 April: too late to send
    assert rows[K.REVIEW_DUE] is ReminderStatus.FLAGGED
    assert rows[K.REVIEW_OVERDUE] is ReminderStatus.SENT  # 7 May: one day late is fine
    assert report.sent == 1 and report.flagged == 2
    again = run(deps, now=at(date(2026, 5, 8), 10), send=send)
    assert again.found == 0 and again.sent == 0
    assert len(inbox.messages) == 2


def test_tenant_gets_plain_language_and_only_its_own(trajectory):
    deps, _ = trajectory
    _only_first_case(deps)
    out = Outbox()
    run(deps, now=at(date(2026, 4, 23)), send=out)
    tenant = [d for d in out.sent if d.to == "huurder@demo.example"]
    assert len(tenant) == 1
    assert tenant[0].body.startswith("Beste Zoë van 't Hek,")
    assert "evaluatiegesprek" in tenant[0].body and "vonnis" not in tenant[0].body


def test_two_sweeps_at_once_send_each_reminder_once(trajectory):
    deps, _ = trajectory
    out = Outbox()
    barrier = threading.Barrier(2)

    def both() -> None:
        barrier.wait()
        run(deps, now=at(date(2026, 5, 1)), send=out)

    threads = [threading.Thread(target=both) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [(d.to, d.subject) for d in out.sent]
    assert keys and len(keys) == len(set(keys))


def test_smtp_refusing_then_accepting_sends_once(trajectory):
    deps, _ = trajectory
    _only_first_case(deps)
    out = Outbox(fail_times=1)
    now = at(date(2026, 4, 16))
    failed = run(deps, now=now, send=out)
    assert failed.failed == 1 and out.sent == []
    with deps.db() as session:
        reminder = session.scalars(select(Reminder)).one()
        message = session.scalars(select(QueuedMail)).one()
    # The reminder is done (its e-mail is written); the e-mail waits for the server.
    assert reminder.status is ReminderStatus.SENT
    assert message.status is MailStatus.QUEUED and message.attempts == 1
    assert "refused" in message.last_error and message.reminder_id == reminder.id
    assert run(deps, now=now + timedelta(minutes=1), send=out).sent == 0
    assert run(deps, now=now + timedelta(minutes=5), send=out).sent == 1
    assert run(deps, now=now + timedelta(hours=1), send=out).sent == 0
    assert len(out.sent) == 1
    with deps.db() as session:
        message = session.scalars(select(QueuedMail)).one()
    assert message.status is MailStatus.SENT and message.body == ""  # no text kept once sent


def test_a_recorded_review_stops_its_overdue_reminders(trajectory):
    deps, agreement_id = trajectory
    _only_first_case(deps)
    out = Outbox()
    run(deps, now=at(date(2026, 4, 30)), send=out)
    with deps.db() as session:
        review_id = session.scalar(
            select(Review.id).where(Review.agreement_id == agreement_id, Review.number == 1)
        )
    agreements.record_review(
        review_id,
        ReviewPatch(held_date=date(2026, 5, 4), outcome="on_track"),
        deps=deps,
        actor=SYSTEM,
        now=at(date(2026, 5, 4)),
    )
    out.sent.clear()
    run(deps, now=at(date(2026, 5, 7)), send=out)
    run(deps, now=at(date(2026, 5, 14)), send=out)
    assert not [d for d in out.sent if "Evaluatie" in d.subject]


def test_breach_goes_to_corporation_and_legal(trajectory):
    deps, agreement_id = trajectory
    _only_first_case(deps)
    _breach(deps, agreement_id)
    out = Outbox()
    run(deps, now=at(date(2026, 4, 30), 15), send=out)
    breach = sorted(d.to for d in out.sent if d.subject.startswith("Afspraken niet"))
    assert breach == ["jurist@demo.example", "utrecht@portaal.example"]


@pytest.mark.parametrize(
    ("day", "kind"), [(date(2026, 9, 4), K.JUDGMENT_AGE_9), (date(2026, 11, 4), K.JUDGMENT_AGE_11)]
)
def test_judgment_age_warnings(trajectory, day, kind):
    deps, _ = trajectory
    _only_first_case(deps)
    out = Outbox()
    run(deps, now=at(day), send=out)
    sent = [d for d in out.sent if d.subject.startswith(kind.label)]
    assert sorted(d.to for d in sent) == ["jurist@demo.example", "utrecht@portaal.example"]
    assert "misbruik van recht" in sent[0].body


def _pending_request(deps, created: datetime, subject_id: int = 1) -> int:
    with deps.db.begin() as session:
        case = session.scalars(select(Case).order_by(Case.id)).first()
        document = Document(
            case_id=case.id,
            kind="agreement",
            subject_type="agreement",
            subject_id=subject_id,
            title="Woonbegeleidingsovereenkomst",
            created_at=created,
        )
        session.add(document)
        session.flush()
        version = DocumentVersion(
            document_id=document.id,
            number=1,
            status=DocumentStatus.READY,
            template_name="agreement",
            template_version=1,
            template_sha256="0" * 64,
            data={},
            pdf_sha256="a" * 64,
            error="",
            attempts=1,
            created_by="test",
            created_at=created,
        )
        session.add(version)
        session.flush()
        request = SignatureRequest(
            version_id=version.id,
            document_sha256="a" * 64,
            party_role="tenant",
            party_name="Zoë van 't Hek",
            email="huurder@demo.example",
            position=0,
            status=RequestStatus.PENDING,
            expires_at=created + timedelta(days=30),
            created_at=created,
            sends=1,
            decline_reason="",
            contact_history=[],
        )
        session.add(request)
        session.flush()
        return request.id


def test_signature_reminders_every_three_days_at_most_five_and_stop_when_voided(trajectory):
    deps, _ = trajectory
    _only_first_case(deps)
    created = at(date(2026, 3, 2))
    request_id = _pending_request(deps, created)
    out = Outbox()
    for day in range(1, 20):
        run(deps, now=created + timedelta(days=day), send=out)
    pending = [d for d in out.sent if d.subject.startswith("Nog niet ondertekend")]
    assert len(pending) == 5
    assert all("/s/" in d.body and d.to == "huurder@demo.example" for d in pending)
    # A voided request is reminded of no more.
    request_id = _pending_request(deps, at(date(2026, 6, 1)), subject_id=2)
    with deps.db.begin() as session:
        session.get(SignatureRequest, request_id).status = RequestStatus.VOIDED
    out.sent.clear()
    run(deps, now=at(date(2026, 6, 4)), send=out)
    assert not [d for d in out.sent if d.subject.startswith("Nog niet ondertekend")]


def test_agreement_end_reminders(trajectory):
    deps, agreement_id = trajectory
    _only_first_case(deps)
    with deps.db() as session:
        end = session.get(Agreement, agreement_id).end_date
    out = Outbox()
    run(deps, now=at(end - timedelta(days=90)), send=out)
    run(deps, now=at(end - timedelta(days=30)), send=out)
    subjects = [d.subject for d in out.sent if "eindigt" in d.subject]
    assert len(subjects) == 2


def test_cli_reminders_due_lists_without_sending(trajectory, tmp_path):
    deps, _ = trajectory
    url = deps.db.kw["bind"].url.render_as_string(hide_password=False)
    env = {**os.environ, "AGREEMENTS_DATABASE_URL": url, "AGREEMENTS_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "agreements", "reminders", "due", "--on", "2026-04-30"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Evaluatie vandaag" in result.stdout and "LK-2026-00001" in result.stdout
    with deps.db() as session:
        assert session.scalars(select(Reminder)).first() is None  # nothing written
    bad = subprocess.run(
        [sys.executable, "-m", "agreements", "reminders", "due", "--on", "30-04-2026"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "is not a date" in bad.stderr


def test_two_consumers_on_redis_sweep_once(trajectory):
    """Two workers sharing a Redis queue: the lock lets one sweep; claims keep sends single."""
    require("Redis", port_open("127.0.0.1", 6379), "127.0.0.1:6379")
    from huey import RedisHuey
    from huey.exceptions import TaskLockedException

    deps, _ = trajectory
    name = f"agreements-test-{os.getpid()}-{threading.get_ident()}"
    workers = [RedisHuey(name, url="redis://127.0.0.1:6379/15") for _ in range(2)]
    out = Outbox()
    skipped = []
    barrier = threading.Barrier(2)

    def consumer(huey: RedisHuey) -> None:
        barrier.wait()
        try:
            with huey.lock_task("reminders.sweep"):
                run(deps, now=at(date(2026, 5, 1)), send=out)
                run(deps, now=at(date(2026, 5, 1)), send=out)
        except TaskLockedException:
            skipped.append(huey)
        # The other worker then sweeps too, later: it finds nothing left to send.
        run(deps, now=at(date(2026, 5, 1)), send=out)

    threads = [threading.Thread(target=consumer, args=(h,)) for h in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [(d.to, d.subject) for d in out.sent]
    assert keys and len(keys) == len(set(keys))
    workers[0].storage.flush_all()


def test_overdue_review_escalates_to_the_team_lead(trajectory):
    deps, _ = trajectory
    _only_first_case(deps)
    from agreements.db.models import User
    from agreements.domain.enums import Role
    from agreements.services.access import accounts as auth

    lead = auth.create_user(
        "teamlead@demo.example",
        "T. Lead",
        Role.COORDINATOR,
        demo.DEMO_PASSWORD,
        deps=deps,
        actor=SYSTEM,
        now=at(date(2026, 1, 1)),
    )
    with deps.db.begin() as session:
        coordinator = session.scalars(
            select(User).where(User.email == "coordinator@demo.example")
        ).one()
        coordinator.team_lead_id = lead.id
    out = Outbox()
    run(deps, now=at(date(2026, 5, 14)), send=out)
    escalated = [d for d in out.sent if d.subject.startswith(K.REVIEW_ESCALATION.label)]
    assert [d.to for d in escalated] == ["teamlead@demo.example"]


class Picky(Outbox):
    """Refuses one address a number of times (the server is busy for that domain)."""

    def __init__(self, address: str, times: int) -> None:
        super().__init__()
        self.address, self.times = address, times

    def __call__(self, delivery) -> None:
        with self.lock:
            if delivery.to == self.address and self.times:
                self.times -= 1
                raise OSError(f"451 try again later: {self.address}")
            self.sent.append(delivery)


def _breach(deps, agreement_id: int) -> None:
    with deps.db() as session:
        review_id = session.scalar(
            select(Review.id).where(Review.agreement_id == agreement_id, Review.number == 1)
        )
    agreements.record_review(
        review_id,
        ReviewPatch(held_date=date(2026, 4, 30), outcome="breach"),
        deps=deps,
        actor=SYSTEM,
        now=at(date(2026, 4, 30)),
    )


def test_a_failing_recipient_is_retried_alone(trajectory):
    """A breach goes to legal staff and the corporation: when the second address fails, the
    retry sends to that address only; the first does not get it twice."""
    deps, agreement_id = trajectory
    _only_first_case(deps)
    _breach(deps, agreement_id)
    out = Picky("utrecht@portaal.example", times=1)
    now = at(date(2026, 4, 30), 15)
    first = run(deps, now=now, send=out)
    assert first.failed == 1
    later = run(deps, now=now + timedelta(minutes=5), send=out)
    assert later.sent >= 1
    breach = sorted(d.to for d in out.sent if d.subject.startswith("Afspraken niet"))
    assert breach == ["jurist@demo.example", "utrecht@portaal.example"]


def test_an_address_refused_for_good_is_not_retried(trajectory):
    """A real SMTP server on loopback answers 550 for an unknown mailbox: that message is
    marked failed and never tried again; the other messages go out over the same server."""
    from aiosmtpd.controller import Controller

    deps, _ = trajectory
    _only_first_case(deps)
    received: list[str] = []

    class Server:
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address == "coordinator@demo.example":
                return "550 5.1.1 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            received.extend(envelope.rcpt_tos)
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Server(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = deps.settings.model_copy(update={"smtp_port": port, "mail_outbox": None})
        now = at(date(2026, 4, 23))  # the tenant (7 days before) and nothing else
        reminders.sweep(deps=deps, now=at(date(2026, 4, 16)))
        swept = reminders.sweep(deps=deps, now=now)
        assert swept.messages == 1
        with mail.connection(settings) as send:
            report = mail_queue.deliver(deps=deps, now=now, send=send)
        assert report.refused == 1 and report.sent == 1 and report.failed == 0
        assert received == ["huurder@demo.example"]
        with deps.db() as session:
            refused = session.scalars(
                select(QueuedMail).where(QueuedMail.status == MailStatus.FAILED)
            ).one()
        assert refused.to == "coordinator@demo.example" and "550" in refused.last_error
        # The reminder says how its e-mails fared (the API's attempts and last_error).
        assert refused.reminder_id is not None
        fared = reminders.delivery([refused.reminder_id], deps=deps)[refused.reminder_id]
        assert fared.attempts == 1 and "550" in fared.last_error, fared
        with mail.connection(settings) as send:
            again = mail_queue.deliver(deps=deps, now=now + timedelta(days=1), send=send)
        assert again == mail_queue.DeliveryReport(0, 0, 0)
    finally:
        controller.stop()


def test_two_deliverers_at_once_send_each_message_once(trajectory):
    deps, _ = trajectory
    reminders.sweep(deps=deps, now=at(date(2026, 5, 1)))
    out = Outbox()
    barrier = threading.Barrier(2)

    def deliver() -> None:
        barrier.wait()
        mail_queue.deliver(deps=deps, now=at(date(2026, 5, 1)), send=out)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [(d.to, d.subject) for d in out.sent]
    assert keys and len(keys) == len(set(keys))
    assert mail_queue.counts(deps=deps) == {"sent": len(keys)}


def test_a_sweep_that_died_is_taken_over_once(trajectory):
    """Rows claimed by a sweep that died are free again after CLAIM_STALE; if the slow sweep
    comes back after the take-over, it writes nothing (no e-mail twice)."""
    deps, _ = trajectory
    _only_first_case(deps)
    died = at(date(2026, 4, 16))
    ids = sorted(reminders.find_due(deps=deps, today=date(2026, 4, 16), now=died, claim="dead"))
    assert ids
    assert reminders.sweep(deps=deps, now=died + timedelta(minutes=5)).queued == 0  # still held
    taken = reminders.sweep(deps=deps, now=died + reminders.CLAIM_STALE + timedelta(minutes=1))
    assert taken.queued == len(ids)
    late = reminders._queue_batch(deps, ids, "dead", date(2026, 4, 16), died)
    assert sum(late.values()) == 0
    out = Outbox()
    mail_queue.deliver(deps=deps, now=died + timedelta(hours=1), send=out)
    assert len(out.sent) == len(ids)


def test_sent_mail_is_forgotten_after_the_keeping_period(trajectory):
    deps, _ = trajectory
    _only_first_case(deps)
    now = at(date(2026, 4, 16))
    run(deps, now=now, send=Outbox())
    assert mail_queue.forget_sent(deps=deps, before=now) == 0
    assert mail_queue.forget_sent(deps=deps, before=now + timedelta(days=31)) == 1
    assert mail_queue.counts(deps=deps) == {}


def test_bulk_insert_skips_conflicts_and_keeps_constant_columns(fresh_deps):
    """The one-statement INSERT of both databases: ids of new rows only, constants kept."""
    from agreements.db.bulk import insert_rows

    deps = fresh_deps
    demo.seed_demo(deps=deps, now=at(date(2026, 1, 20)))
    now = at(date(2026, 1, 21))
    with deps.db() as session:
        case_id = session.scalar(select(Case.id).order_by(Case.id))

    def row(subject_id: int) -> dict:
        return {
            "kind": K.REVIEW_DUE,
            "subject_type": "review",
            "subject_id": subject_id,
            "case_id": case_id,
            "due_date": date(2026, 1, 21),
            "recipients": "coordinator",
            "status": ReminderStatus.PENDING,
            "created_at": now,
        }

    key = ("subject_type", "subject_id", "kind", "due_date")
    with deps.db.begin() as session:
        one = insert_rows(session, Reminder.__table__, [row(1)], skip_conflicts_on=key)
        many = insert_rows(
            session, Reminder.__table__, [row(1), row(2), row(3)], skip_conflicts_on=key
        )
    assert len(one) == 1 and len(many) == 2 and one[0] not in many
    with deps.db() as session:
        rows = session.scalars(select(Reminder).order_by(Reminder.subject_id)).all()
    assert [r.subject_id for r in rows] == [1, 2, 3]
    assert {r.created_at for r in rows} == {now} and {r.kind for r in rows} == {K.REVIEW_DUE}


def test_cli_sweep_queues_and_sends_to_the_development_outbox(trajectory, tmp_path):
    deps, _ = trajectory
    url = deps.db.kw["bind"].url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "AGREEMENTS_DATABASE_URL": url,
        "AGREEMENTS_DATA_DIR": str(tmp_path),
        "AGREEMENTS_MAIL_OUTBOX": str(tmp_path / "outbox"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "agreements", "reminders", "sweep"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Found" in result.stdout and "Sent" in result.stdout
    # Today (the real date) is long after the demo's reviews: whatever was found is either
    # too late (flagged) or sent; every queued e-mail reached the outbox.
    counts = mail_queue.counts(deps=deps)
    assert set(counts) <= {"sent"}
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == counts.get("sent", 0)


def _queue(deps, addresses: list[str], now: datetime) -> None:
    with deps.db.begin() as session:
        mail_queue.enqueue(
            session, [mail_queue.Outgoing(a, f"Bericht aan {a}", "Tekst") for a in addresses], now
        )


class Scoped(Outbox):
    """Fails the given addresses with a MailError of the given scope."""

    def __init__(self, failing: dict[str, str]) -> None:
        super().__init__()
        self.failing = failing

    def __call__(self, delivery) -> None:
        with self.lock:
            if delivery.to in self.failing:
                raise mail.MailError(f"no: {delivery.to}", scope=self.failing[delivery.to])
            self.sent.append(delivery)


def test_a_full_mailbox_waits_alone_and_the_run_goes_on(fresh_deps):
    now = at(date(2026, 5, 1))
    _queue(fresh_deps, ["a@example.nl", "vol@example.nl", "b@example.nl"], now)
    out = Scoped({"vol@example.nl": "message"})
    report = mail_queue.deliver(deps=fresh_deps, now=now, send=out)
    assert report == mail_queue.DeliveryReport(sent=2, failed=1, refused=0)
    assert mail_queue.counts(deps=fresh_deps) == {"sent": 2, "queued": 1}


def test_a_server_refusing_everything_is_not_taken_as_final(fresh_deps):
    """Three 5xx refusals in a row are a server policy, not three wrong addresses: those
    messages wait and are tried again, none is marked failed."""
    now = at(date(2026, 5, 1))
    addresses = [f"p{n}@example.nl" for n in range(5)]
    _queue(fresh_deps, addresses, now)
    out = Scoped(dict.fromkeys(addresses, "refused"))
    report = mail_queue.deliver(deps=fresh_deps, now=now, send=out)
    assert report.refused == 0 and report.sent == 0
    assert mail_queue.counts(deps=fresh_deps) == {"queued": 5}
    out.failing.clear()
    later = mail_queue.deliver(deps=fresh_deps, now=now + timedelta(hours=1), send=out)
    assert later.sent == 5 and len(out.sent) == 5
