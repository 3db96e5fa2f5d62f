"""The reminder sweep: insert what is due (unique per subject, kind and date) claimed by the
sweep that inserted it, then write its e-mails into the mail queue and mark it sent in one
transaction, or flag it when it is too late, or cancel it when nothing is left to remind of.
The mail queue sends the e-mails and retries failed ones (`mail_queue`)."""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from agreements.db.bulk import insert_rows
from agreements.db.claims import claim_rows
from agreements.db.models import (
    Case,
    MissedInstalment,
    PaymentArrangement,
    QueuedMail,
    Reminder,
)
from agreements.db.sessions import read_only
from agreements.domain.enums import MailStatus, ReminderKind, ReminderStatus, Role
from agreements.domain.errors import Conflict, Forbidden, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, allowed, authorize
from agreements.services.context import Deps
from agreements.services.mail import queue as mail_queue
from agreements.services.reminders.delivery import Facts, Gone, deliveries, select_due, text_of
from agreements.services.reminders.sources import RULES, Candidate, Rule, candidates, window_start
from agreements.services.scope import restrict_to_visible
from agreements.services.uow import unit_of_work

log = logging.getLogger("agreements.reminders")
CLAIM_STALE = timedelta(minutes=15)  # a claim this old belonged to a worker that died
BATCH = 500  # rows per INSERT
CHUNK = 2000  # reminders composed and queued per transaction
RULE_THREADS = 2  # PostgreSQL: rules run at once (one connection each)


@dataclass(frozen=True)
class SweepReport:
    found: int  # rows inserted: newly due
    queued: int  # reminders whose e-mails went into the mail queue (marked sent)
    messages: int  # e-mails queued
    flagged: int  # too late to send: on the dashboard instead
    cancelled: int  # nothing left to remind of


def _insert(
    session: Session, rows: list[Candidate], now: datetime, claim: str | None = None
) -> list[int]:
    """Insert what has no row yet; returns the ids of the rows this call made."""
    if not rows:
        return []
    status = ReminderStatus.CLAIMED if claim else ReminderStatus.PENDING
    values = [
        {
            "kind": c.kind.value,
            "subject_type": c.subject_type,
            "subject_id": c.subject_id,
            "case_id": c.case_id,
            "due_date": c.due_date,
            "recipients": c.recipients,
            "status": status.value,
            "claim": claim,
            "claimed_at": now if claim else None,
            "created_at": now,
        }
        for c in rows
    ]
    # The unique key (subject, kind, due date) makes a second sweep, or a racing one, harmless.
    return insert_rows(
        session,
        Reminder.__table__,
        values,
        skip_conflicts_on=("subject_type", "subject_id", "kind", "due_date"),
    )


def find_due(*, deps: Deps, today: date, now: datetime, claim: str | None = None) -> list[int]:
    """Insert a reminder row for everything due up to today that has none yet; returns the
    new rows' ids. With `claim`, the rows are born claimed by that sweep: the unique key
    already decided whose they are."""
    made: list[int] = []
    with deps.db.begin() as session:
        # In the order of the unique key: two sweeps inserting the same rows at once then
        # wait for each other in the same order, and never deadlock.
        found = sorted(
            _found(deps, session, today),
            key=lambda c: (c.subject_type, c.subject_id, c.kind.value, c.due_date),
        )
        for start in range(0, len(found), BATCH):
            made += _insert(session, found[start : start + BATCH], now, claim)
        if session.get_bind().dialect.name == "sqlite":
            # Keeps the query planner's statistics fresh as the tables grow; cheap when not.
            session.execute(text("PRAGMA optimize"))
    return made


def _found(deps: Deps, session: Session, today: date) -> Iterable[Candidate]:
    """What the rules find. PostgreSQL runs them on two connections at once (each rule is
    one query, most of its time spent in the server); SQLite, one writer, runs them in turn."""
    if session.get_bind().dialect.name != "postgresql":
        return candidates(session, deps.settings, today)
    since = window_start(deps.settings, today)

    def run(rule: Rule) -> list[Candidate]:
        with deps.db() as own:
            return list(rule(own, deps.settings, since, today))

    with ThreadPoolExecutor(max_workers=RULE_THREADS, thread_name_prefix="rules") as pool:
        return [c for found in pool.map(run, RULES) for c in found]


def claim(*, deps: Deps, now: datetime, limit: int = CHUNK) -> tuple[str, list[int]]:
    """Take up to `limit` reminders nobody holds: left pending, or claimed by a sweep that
    died long ago. No two workers get the same one."""
    with deps.db.begin() as session:
        return claim_rows(
            session,
            Reminder,
            free=ReminderStatus.PENDING,
            held=ReminderStatus.CLAIMED,
            now=now,
            stale=CLAIM_STALE,
            limit=limit,
            order_by=(Reminder.due_date, Reminder.id),
        )


def sweep(*, deps: Deps, now: datetime) -> SweepReport:
    """One pass: find what is due, write its e-mails into the mail queue (or flag it, or
    cancel it) and mark it. Safe to run twice at once and after any downtime. The mail queue
    (`mail_queue.deliver`) hands the e-mails to the SMTP server."""
    today = deps.today(now)
    token = secrets.token_hex(8)
    mine = sorted(find_due(deps=deps, today=today, now=now, claim=token))
    counts: Counter[str] = Counter()
    for start in range(0, len(mine), CHUNK):
        counts.update(_queue_batch(deps, mine[start : start + CHUNK], token, today, now))
    while True:  # left pending (an older version) or held by a sweep that died
        other, ids = claim(deps=deps, now=now)
        if not ids:
            break
        counts.update(_queue_batch(deps, ids, other, today, now))
    report = SweepReport(
        len(mine), counts["queued"], counts["messages"], counts["flagged"], counts["cancelled"]
    )
    log.info("reminders.swept", extra=report.__dict__)
    return report


class _TakenOver(Exception):
    pass


def _queue_batch(
    deps: Deps, ids: list[int], token: str, today: date, now: datetime
) -> Counter[str]:
    try:
        return _compose_and_queue(deps, ids, token, today, now)
    except _TakenOver:
        log.warning("reminders.taken_over", extra={"claim": token, "reminders": len(ids)})
        return Counter()


def _compose_and_queue(
    deps: Deps, ids: list[int], token: str, today: date, now: datetime
) -> Counter[str]:
    """`ids`: sorted, and every row claimed by `token` between the first and the last.

    One transaction: compose the e-mails of a claimed batch, queue them and mark each
    reminder sent, flagged or cancelled. A crash leaves the whole batch claimed (and free
    again after CLAIM_STALE), never half of it queued."""
    queued: list[int] = []
    flagged: list[int] = []
    cancelled: list[int] = []
    outgoing: list[mail_queue.Outgoing] = []
    late = deps.settings.reminder_max_late_days
    with unit_of_work(deps, "system:reminders", now) as uow:
        session = uow.session
        batch = session.execute(select_due(token, ids[0], ids[-1])).all()
        facts = Facts.load(session, batch)
        for due in batch:
            try:
                body = text_of(session, deps, due)
            except Gone:  # the review was recorded, the request voided...: nothing to remind of
                cancelled.append(due.id)
                continue
            if (today - due.due_date).days > late:
                flagged.append(due.id)
                continue
            queued.append(due.id)
            outgoing += (
                mail_queue.Outgoing(d.to, d.subject, d.body, due.id)
                for d in deliveries(uow, facts, due, body)
            )
        messages = mail_queue.enqueue(session, outgoing, now)
        for status, chosen in (
            (ReminderStatus.FLAGGED, flagged),
            (ReminderStatus.CANCELLED, cancelled),
            (ReminderStatus.SENT, queued),
        ):
            if not chosen:
                continue
            # The rest of the batch is the queued ones: no list of thousands of ids needed.
            which = (
                Reminder.id.between(ids[0], ids[-1])
                if status is ReminderStatus.SENT
                else Reminder.id.in_(chosen)
            )
            result = session.execute(
                update(Reminder)
                .where(which, Reminder.claim == token, Reminder.status == ReminderStatus.CLAIMED)
                .values(
                    status=status,
                    claim=None,
                    sent_at=now if status is ReminderStatus.SENT else None,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", len(chosen)) != len(chosen):
                # Another sweep took these over as stale while this one was slow: undo all,
                # e-mails included; the other sweep sends them.
                raise _TakenOver
    return Counter(
        queued=len(queued), messages=messages, flagged=len(flagged), cancelled=len(cancelled)
    )


def due_on(day: date, *, deps: Deps) -> list[tuple[ReminderKind, str, date, str]]:
    """What is due on `day` (kind, case reference, date, recipients), without writing."""
    with deps.db() as session:
        found = [c for c in candidates(session, deps.settings, day) if c.due_date == day]
        existing = session.execute(
            select(Reminder.kind, Reminder.case_id, Reminder.due_date, Reminder.recipients).where(
                Reminder.due_date == day
            )
        ).all()
        rows = {(c.kind, c.case_id, c.due_date, c.recipients) for c in found}
        rows |= {(k, case, d, r) for k, case, d, r in existing}
        refs = dict(session.execute(select(Case.id, Case.reference)).all()) if rows else {}
    return sorted(
        ((k, refs.get(case) or str(case), d, r) for k, case, d, r in rows),
        key=lambda row: (row[0].value, row[1]),
    )


def counts(*, deps: Deps) -> dict[str, int]:
    with deps.db() as session:
        return {
            status.value: n
            for status, n in session.execute(
                select(Reminder.status, func.count()).group_by(Reminder.status)
            )
        }


def report_missed_instalment(
    arrangement_id: int, due: date, *, deps: Deps, actor: Actor, now: datetime
) -> MissedInstalment:
    """The corporation (or the coordinator) reports an unpaid instalment; the sweep reminds."""
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        arrangement = uow.load(
            PaymentArrangement,
            arrangement_id,
            Action.READ,
            Resource.PAYMENT_ARRANGEMENT,
            kind="payment arrangement",
        )
        creditor = actor.role is Role.PARTNER and actor.organisation_id == arrangement.creditor_id
        if not (creditor or allowed(actor.role, Action.WRITE, Resource.PAYMENT_ARRANGEMENT)):
            raise Forbidden("only the creditor or the coordinator reports missed instalments")
        if due > uow.today:
            raise ValidationFailed.one("due_date", "an instalment cannot be missed in advance")
        if session.scalar(
            select(MissedInstalment.id).where(
                MissedInstalment.arrangement_id == arrangement_id, MissedInstalment.due_date == due
            )
        ):
            raise Conflict("this missed instalment was reported already")
        report = MissedInstalment(
            arrangement_id=arrangement_id, due_date=due, reported_by=actor.label, reported_at=now
        )
        session.add(report)
        session.flush()
        uow.audit(
            "payment_arrangement.missed",
            "payment_arrangement",
            arrangement_id,
            {"case": arrangement.case_id, "due_date": due.isoformat()},
        )
    return report


@dataclass(frozen=True)
class Delivery:
    attempts: int  # the most delivery attempts any of its e-mails took so far
    last_error: str  # why one of its e-mails is not delivered yet, or was refused; or ""


def delivery(reminder_ids: Iterable[int], *, deps: Deps) -> dict[int, Delivery]:
    """How the reminders' e-mails fared in the mail queue, which retries each one; a
    reminder without e-mails (flagged, cancelled, still pending) is not in the answer."""
    ids = list(reminder_ids)
    if not ids:
        return {}
    found: dict[int, Delivery] = {}
    with read_only(), deps.db() as session:
        rows = session.execute(
            select(
                QueuedMail.reminder_id,
                QueuedMail.attempts,
                QueuedMail.status,
                QueuedMail.last_error,
            )
            .where(QueuedMail.reminder_id.in_(ids))
            .order_by(QueuedMail.id)
        )
        for reminder_id, attempts, status, error in rows:
            assert reminder_id is not None  # asked for by it
            seen = found.get(reminder_id, Delivery(0, ""))
            unsent = error if status is not MailStatus.SENT else ""
            found[reminder_id] = Delivery(max(seen.attempts, attempts), seen.last_error or unsent)
    return found


def for_actor(
    *,
    deps: Deps,
    actor: Actor,
    statuses: Iterable[ReminderStatus],
    case_id: int | None = None,
    limit: int = 200,
) -> list[Reminder]:
    """The in-app list: reminders of the cases the actor may see."""
    authorize(actor, Action.READ, Resource.REVIEW)
    with deps.db() as session:
        query = restrict_to_visible(select(Reminder), Reminder.case_id, actor).where(
            Reminder.status.in_(list(statuses))
        )
        if case_id is not None:
            query = query.where(Reminder.case_id == case_id)
        return list(
            session.scalars(query.order_by(Reminder.due_date.desc(), Reminder.id).limit(limit))
        )
