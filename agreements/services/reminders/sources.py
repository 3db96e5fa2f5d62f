"""Where reminders come from: one query per kind, finding events whose reminder date fell in
the window and that have no reminder row yet. Dates are computed here, never in SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from agreements.db.models import (
    Agreement,
    Document,
    DocumentVersion,
    EvictionJudgment,
    MissedInstalment,
    PaymentArrangement,
    Reminder,
    Review,
    SignatureRequest,
    TenancyContract,
)
from agreements.domain.enums import (
    AgreementStatus,
    ReminderKind,
    RequestStatus,
    ReviewOutcome,
)
from agreements.domain.legal import judgment_age_reminders
from agreements.domain.route import LegalRoute, judgment_in_reserve
from agreements.settings import Settings

K = ReminderKind
LIVE = (AgreementStatus.ACTIVE, AgreementStatus.OUT_FOR_SIGNATURE)
IN_RESERVE = [route for route in LegalRoute if judgment_in_reserve(route)]


@dataclass(frozen=True)
class Candidate:
    kind: ReminderKind
    subject_type: str
    subject_id: int
    case_id: int
    due_date: date
    recipients: str


Rule = Callable[[Session, Settings, date, date], Iterator[Candidate]]


def _missing(kind: ReminderKind, subject_type: str, subject_id: Any) -> Any:
    return ~exists().where(
        Reminder.subject_type == subject_type,
        Reminder.subject_id == subject_id,
        Reminder.kind == kind,
    )


def _reviews(
    session: Session,
    kind: ReminderKind,
    offset: int,
    since: date,
    today: date,
    recipients: str,
    *,
    held: bool = False,
) -> Iterator[Candidate]:
    """Reviews of live agreements whose due date + offset falls in [since, today]."""
    query = (
        select(Review.id, Agreement.case_id, Review.due_date)
        .join(Agreement, Agreement.id == Review.agreement_id)
        .where(
            Agreement.status.in_(LIVE),
            Review.due_date.between(since - timedelta(days=offset), today - timedelta(days=offset)),
            _missing(kind, "review", Review.id),
        )
    )
    if not held:
        query = query.where(Review.held_date.is_(None))
    for review_id, case_id, due in session.execute(query):
        yield Candidate(
            kind, "review", review_id, case_id, due + timedelta(days=offset), recipients
        )


def _review_rule(kind: ReminderKind, offset: Callable[[Settings], int], recipients: str) -> Rule:
    def rule(session: Session, s: Settings, since: date, today: date) -> Iterator[Candidate]:
        return _reviews(session, kind, offset(s), since, today, recipients)

    rule.__name__ = f"{kind.value}_rule"
    return rule


def breach_rules(session: Session, s: Settings, since: date, today: date) -> Iterator[Candidate]:
    breaches = (
        select(Review.id, Agreement.case_id, Review.held_date)
        .join(Agreement, Agreement.id == Review.agreement_id)
        .where(
            Review.outcome == ReviewOutcome.BREACH,
            Review.held_date.between(since, today),
            _missing(K.BREACH, "review", Review.id),
        )
    )
    for review_id, case_id, held in session.execute(breaches):
        assert held is not None  # the query asks for held reviews
        yield Candidate(K.BREACH, "review", review_id, case_id, held, "corporation_and_legal")


def agreement_rules(session: Session, s: Settings, since: date, today: date) -> Iterator[Candidate]:
    for days, kind in zip(
        sorted(s.agreement_end_days, reverse=True),
        (K.AGREEMENT_END_90, K.AGREEMENT_END_30),
        strict=False,
    ):
        query = select(Agreement.id, Agreement.case_id, Agreement.end_date).where(
            Agreement.status == AgreementStatus.ACTIVE,
            Agreement.end_date.between(since + timedelta(days=days), today + timedelta(days=days)),
            _missing(kind, "agreement", Agreement.id),
        )
        for agreement_id, case_id, end in session.execute(query):
            yield Candidate(
                kind, "agreement", agreement_id, case_id, end - timedelta(days=days), "coordinator"
            )


def arrangement_rules(
    session: Session, s: Settings, since: date, today: date
) -> Iterator[Candidate]:
    days = s.arrangement_end_days
    live_cases = select(Agreement.case_id).where(Agreement.status.in_(LIVE))
    query = select(
        PaymentArrangement.id, PaymentArrangement.case_id, PaymentArrangement.last_instalment_date
    ).where(
        PaymentArrangement.last_instalment_date.between(
            since + timedelta(days=days), today + timedelta(days=days)
        ),
        PaymentArrangement.case_id.in_(live_cases),
        _missing(K.ARRANGEMENT_END, "payment_arrangement", PaymentArrangement.id),
    )
    for row_id, case_id, end in session.execute(query):
        assert end is not None  # the range excludes NULL
        yield Candidate(
            K.ARRANGEMENT_END,
            "payment_arrangement",
            row_id,
            case_id,
            end - timedelta(days=days),
            "coordinator",
        )
    missed = (
        select(MissedInstalment.id, PaymentArrangement.case_id, MissedInstalment.reported_at)
        .join(PaymentArrangement, PaymentArrangement.id == MissedInstalment.arrangement_id)
        .where(_missing(K.MISSED_INSTALMENT, "missed_instalment", MissedInstalment.id))
    )
    for report_id, case_id, reported in session.execute(missed):
        day = s.day_of(reported)  # the Dutch day, not the UTC one
        if since <= day <= today:
            yield Candidate(
                K.MISSED_INSTALMENT, "missed_instalment", report_id, case_id, day, "coordinator"
            )


def tenancy_rules(session: Session, s: Settings, since: date, today: date) -> Iterator[Candidate]:
    days = s.tenancy_end_days
    query = select(TenancyContract.id, TenancyContract.case_id, TenancyContract.end_date).where(
        TenancyContract.end_date.is_not(None),
        TenancyContract.end_date.between(
            since + timedelta(days=days), today + timedelta(days=days)
        ),
        TenancyContract.case_id.in_(select(Agreement.case_id).where(Agreement.status.in_(LIVE))),
        _missing(K.TENANCY_END, "tenancy_contract", TenancyContract.id),
    )
    for contract_id, case_id, end in session.execute(query):
        assert end is not None  # temporary contracts only
        yield Candidate(
            K.TENANCY_END,
            "tenancy_contract",
            contract_id,
            case_id,
            end - timedelta(days=days),
            "coordinator",
        )


def judgment_rules(session: Session, s: Settings, since: date, today: date) -> Iterator[Candidate]:
    for months, kind in judgment_age_reminders(s.judgment_age_months):
        # Month arithmetic is not invertible at month ends: widen by three days, then check.
        query = select(
            EvictionJudgment.id, EvictionJudgment.case_id, EvictionJudgment.judgment_date
        ).where(
            EvictionJudgment.judgment_date.between(
                since - relativedelta(months=months) - timedelta(days=3),
                today - relativedelta(months=months) + timedelta(days=3),
            ),
            EvictionJudgment.id.in_(
                select(Agreement.eviction_judgment_id).where(
                    Agreement.status.in_(LIVE),
                    # Only a judgment held in reserve ages: not under a second-chance lease.
                    or_(Agreement.legal_route.is_(None), Agreement.legal_route.in_(IN_RESERVE)),
                )
            ),
            _missing(kind, "eviction_judgment", EvictionJudgment.id),
        )
        for judgment_id, case_id, given in session.execute(query):
            due = given + relativedelta(months=months)
            if since <= due <= today:
                yield Candidate(
                    kind, "eviction_judgment", judgment_id, case_id, due, "corporation_and_legal"
                )


def signature_rules(session: Session, s: Settings, since: date, today: date) -> Iterator[Candidate]:
    every, most = s.signature_pending_every_days, s.signature_pending_max
    query = (
        select(
            SignatureRequest.id,
            Document.case_id,
            SignatureRequest.created_at,
            SignatureRequest.expires_at,
        )
        .join(DocumentVersion, DocumentVersion.id == SignatureRequest.version_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(SignatureRequest.status == RequestStatus.PENDING)
    )
    for request_id, case_id, created, expires in session.execute(query):
        start = s.day_of(created)
        for n in range(1, most + 1):
            due = start + timedelta(days=every * n)
            if since <= due <= today and due < s.day_of(expires):
                yield Candidate(
                    K.SIGNATURE_PENDING, "signature_request", request_id, case_id, due, "party"
                )
        warn = s.day_of(expires) - timedelta(days=s.signature_expiring_days)
        if since <= warn <= today:
            yield Candidate(
                K.SIGNATURE_EXPIRING, "signature_request", request_id, case_id, warn, "coordinator"
            )


# One query each, independent of each other: `candidates` runs them in this order, and the
# sweep on PostgreSQL runs them on two connections at once.
RULES: list[Rule] = [
    _review_rule(K.REVIEW_UPCOMING, lambda s: -s.review_upcoming_days, "coordinator"),
    _review_rule(K.REVIEW_TENANT, lambda s: -s.review_tenant_days, "tenant"),
    _review_rule(K.REVIEW_DUE, lambda s: 0, "coordinator"),
    _review_rule(K.REVIEW_OVERDUE, lambda s: s.review_overdue_days, "coordinator"),
    _review_rule(K.REVIEW_ESCALATION, lambda s: s.review_escalation_days, "team_lead"),
    breach_rules,
    judgment_rules,
    agreement_rules,
    arrangement_rules,
    tenancy_rules,
    signature_rules,
]


def window_start(settings: Settings, today: date) -> date:
    """The first day whose reminders are still made (missed ones further back are not)."""
    return today - timedelta(days=settings.reminder_lookback_days)


def candidates(session: Session, settings: Settings, today: date) -> Iterator[Candidate]:
    since = window_start(settings, today)
    for rule in RULES:
        yield from rule(session, settings, since, today)
