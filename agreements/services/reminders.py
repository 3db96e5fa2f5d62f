"""The reminder sweep: insert what is due (unique per subject, kind and date), claim it
atomically, deliver it once or flag it when it is too late, and retry failed deliveries."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from agreements.db.models import Case, MissedInstalment, PaymentArrangement, Reminder
from agreements.domain.enums import ReminderKind, ReminderStatus, Role
from agreements.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, allowed, authorize
from agreements.services import audit
from agreements.services.context import Deps
from agreements.services.reminder_delivery import Delivery, Gone, deliver, prefetch
from agreements.services.reminder_rules import Candidate, candidates
from agreements.services.scope import case_for, restrict_to_visible

log = logging.getLogger("agreements.reminders")
CLAIM_STALE = timedelta(minutes=15)  # a claim this old belonged to a worker that died
BATCH = 500
MARK_EVERY = 20


@dataclass(frozen=True)
class SweepReport:
    found: int
    sent: int
    flagged: int
    cancelled: int
    failed: int


def _insert(session: Session, rows: list[Candidate], now: datetime) -> None:
    if not rows:
        return
    values = [
        {
            "kind": c.kind.value,
            "subject_type": c.subject_type,
            "subject_id": c.subject_id,
            "case_id": c.case_id,
            "due_date": c.due_date,
            "recipients": c.recipients,
            "status": ReminderStatus.PENDING.value,
            "attempts": 0,
            "last_error": "",
            "created_at": now,
        }
        for c in rows
    ]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # The unique key (subject, kind, due date) makes a second sweep, or a racing one, harmless.
    statement = insert(Reminder).on_conflict_do_nothing(
        index_elements=["subject_type", "subject_id", "kind", "due_date"]
    )
    session.execute(statement, values)


def find_due(*, deps: Deps, today: date, now: datetime) -> int:
    """Insert a reminder row for everything due up to today that has none yet."""
    found = 0
    with deps.db.begin() as session:
        batch: list[Candidate] = []
        for candidate in candidates(session, deps.settings, today):
            batch.append(candidate)
            if len(batch) >= BATCH:
                _insert(session, batch, now)
                found, batch = found + len(batch), []
        _insert(session, batch, now)
        found += len(batch)
        if session.get_bind().dialect.name == "sqlite":
            # Keeps the query planner's statistics fresh as the tables grow; cheap when not.
            session.execute(text("PRAGMA optimize"))
    return found


def claim(*, deps: Deps, now: datetime, limit: int = 200) -> tuple[str, list[int]]:
    """Take up to `limit` pending reminders for this worker; no two workers get the same one."""
    token = secrets.token_hex(8)
    ready = or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now)
    with deps.db.begin() as session:
        # Two plain queries, each on the status index: an OR over both would scan the table.
        ids = list(
            session.scalars(
                select(Reminder.id)
                .where(Reminder.status == ReminderStatus.PENDING, ready)
                .order_by(Reminder.due_date, Reminder.id)
                .limit(limit)
            )
        )
        if len(ids) < limit:  # claims of a worker that died long ago are free again
            ids += session.scalars(
                select(Reminder.id)
                .where(
                    Reminder.status == ReminderStatus.CLAIMED,
                    Reminder.claimed_at < now - CLAIM_STALE,
                )
                .limit(limit - len(ids))
            )
        if not ids:
            return token, []
        session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(ids),
                or_(
                    Reminder.status == ReminderStatus.PENDING,
                    (Reminder.status == ReminderStatus.CLAIMED)
                    & (Reminder.claimed_at < now - CLAIM_STALE),
                ),
            )
            .values(status=ReminderStatus.CLAIMED, claim=token, claimed_at=now)
        )
        mine = list(session.scalars(select(Reminder.id).where(Reminder.claim == token)))
    return token, mine


def sweep(*, deps: Deps, now: datetime, send: Callable[[Delivery], None]) -> SweepReport:
    """One pass: find, claim, deliver. Safe to run twice at once and after any downtime."""
    today = now.astimezone(deps.settings.zone).date()
    found = find_due(deps=deps, today=today, now=now)
    counts = {"sent": 0, "flagged": 0, "cancelled": 0, "failed": 0}
    while True:
        token, ids = claim(deps=deps, now=now)
        if not ids:
            break
        for outcome, n in _deliver_batch(deps, ids, token, today, now, send).items():
            counts[outcome] += n
    report = SweepReport(
        found, counts["sent"], counts["flagged"], counts["cancelled"], counts["failed"]
    )
    log.info("reminders.swept", extra=report.__dict__)
    return report


def _deliver_batch(
    deps: Deps,
    ids: list[int],
    token: str,
    today: date,
    now: datetime,
    send: Callable[[Delivery], None],
) -> dict[str, int]:
    """Write every message of a claimed batch in one transaction, then send them one by one."""
    plan: list[tuple[int, list[Delivery]]] = []
    done: dict[ReminderStatus, list[int]] = {
        ReminderStatus.CANCELLED: [],
        ReminderStatus.FLAGGED: [],
    }
    with deps.db.begin() as session:
        rows = list(
            session.scalars(select(Reminder).where(Reminder.id.in_(ids), Reminder.claim == token))
        )
        prefetch(session, rows)
        for reminder in rows:
            try:
                deliveries = deliver(session, deps, reminder)
            except Gone:  # the review was recorded, the request voided...: nothing to remind of
                done[ReminderStatus.CANCELLED].append(reminder.id)
                continue
            if (today - reminder.due_date).days > deps.settings.reminder_max_late_days:
                done[ReminderStatus.FLAGGED].append(reminder.id)
            else:
                plan.append((reminder.id, deliveries))
        for status, finished in done.items():
            if finished:
                session.execute(
                    update(Reminder)
                    .where(Reminder.id.in_(finished))
                    .values(status=status, claim=None)
                )
    counts = {
        "sent": 0,
        "failed": 0,
        "cancelled": len(done[ReminderStatus.CANCELLED]),
        "flagged": len(done[ReminderStatus.FLAGGED]),
    }
    sent: list[int] = []
    for reminder_id, deliveries in plan:
        try:
            for delivery in deliveries:
                send(delivery)
        except Exception as exc:  # SMTP down: try again later, with backoff
            _failed(deps, reminder_id, exc, now)
            counts["failed"] += 1
            continue
        sent.append(reminder_id)
        # Marked in small groups: a crash in between re-sends at most this many.
        if len(sent) >= MARK_EVERY:
            counts["sent"] += _mark_sent(deps, sent, token, now)
            sent = []
    counts["sent"] += _mark_sent(deps, sent, token, now)
    return counts


def _mark_sent(deps: Deps, ids: list[int], token: str, now: datetime) -> int:
    if ids:
        with deps.db.begin() as session:
            # Only rows this sweep still holds: a claim taken over as stale is the other's.
            session.execute(
                update(Reminder)
                .where(Reminder.id.in_(ids), Reminder.claim == token)
                .values(status=ReminderStatus.SENT, claim=None, sent_at=now)
            )
    return len(ids)


def _failed(deps: Deps, reminder_id: int, exc: Exception, now: datetime) -> None:
    with deps.db.begin() as session:
        reminder = session.get(Reminder, reminder_id)
        assert reminder is not None
        reminder.attempts += 1
        backoff = timedelta(minutes=min(2**reminder.attempts, 240))
        reminder.status, reminder.claim = ReminderStatus.PENDING, None
        reminder.next_attempt_at, reminder.last_error = now + backoff, str(exc)[:500]


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
    with deps.db.begin() as session:
        arrangement = session.get(PaymentArrangement, arrangement_id)
        if arrangement is None:
            raise NotFound("payment arrangement", arrangement_id)
        case_for(session, actor, arrangement.case_id, Action.READ, Resource.PAYMENT_ARRANGEMENT)
        creditor = actor.role is Role.PARTNER and actor.organisation_id == arrangement.creditor_id
        if not (creditor or allowed(actor.role, Action.WRITE, Resource.PAYMENT_ARRANGEMENT)):
            raise Forbidden("only the creditor or the coordinator reports missed instalments")
        if due > now.astimezone(deps.settings.zone).date():
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
        audit.record(
            session,
            deps,
            actor=actor,
            action="payment_arrangement.missed",
            subject_type="payment_arrangement",
            subject_id=arrangement_id,
            now=now,
            detail={"case": arrangement.case_id, "due_date": due.isoformat()},
        )
    return report


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
