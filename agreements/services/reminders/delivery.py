"""What a reminder says and to whom: Dutch e-mails by role; the tenant only hears what
concerns the tenant, in plain words.

A claimed batch is composed from plain rows fetched with one IN query per table (`Facts`),
not from ORM objects: a busy day has thousands of reminders, and loading each case with its
parties and each agreement with its obligations cost more than writing the messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from agreements.db.models import (
    Agreement,
    Case,
    CaseParty,
    Document,
    DocumentVersion,
    EvictionJudgment,
    Organisation,
    Person,
    Reminder,
    Review,
    SignatureRequest,
    User,
)
from agreements.domain.enums import (
    AgreementStatus,
    PartyRole,
    ReminderKind,
    ReminderStatus,
    RequestStatus,
    Role,
)
from agreements.services.context import Deps
from agreements.services.signatures import links, signers
from agreements.services.uow import UnitOfWork
from templates.filters import datum as _datum

K = ReminderKind
_REVIEW_KINDS = {
    K.REVIEW_UPCOMING,
    K.REVIEW_DUE,
    K.REVIEW_OVERDUE,
    K.REVIEW_ESCALATION,
    K.REVIEW_TENANT,
}
_LIVE = (AgreementStatus.ACTIVE, AgreementStatus.OUT_FOR_SIGNATURE)
# A day's reminders share a few dozen dates; Babel takes 30 microseconds for each one.
datum = lru_cache(maxsize=2048)(_datum)


@dataclass(frozen=True)
class Delivery:
    to: str
    subject: str
    body: str


class Gone(Exception):
    """What the reminder was about no longer needs it (held, voided, ended)."""


def select_due(token: str, first: int, last: int) -> Any:
    """The claimed reminders with ids first..last, each with everything its e-mail needs,
    in one statement: its case, coordinator, team lead and tenant, and its subject (review,
    agreement or judgment) joined by subject type. A row without a reference has no case."""
    coordinator, lead = aliased(User), aliased(User)
    review_agreement = aliased(Agreement)
    return (
        select(
            Reminder.id,
            Reminder.kind,
            Reminder.subject_type,
            Reminder.subject_id,
            Reminder.due_date,
            Reminder.recipients,
            Reminder.created_at,
            Reminder.case_id,
            Case.reference,
            coordinator.name.label("coordinator_name"),
            coordinator.email.label("coordinator_email"),
            lead.email.label("lead_email"),
            Person.name.label("tenant_name"),
            Person.email.label("tenant_email"),
            Review.number.label("review_number"),
            Review.due_date.label("review_due"),
            Review.held_date.label("review_held"),
            review_agreement.status.label("review_agreement_status"),
            Agreement.status.label("agreement_status"),
            Agreement.end_date.label("agreement_end"),
            EvictionJudgment.court,
            EvictionJudgment.case_number,
            EvictionJudgment.judgment_date,
        )
        .outerjoin(Case, Case.id == Reminder.case_id)
        .outerjoin(coordinator, coordinator.id == Case.coordinator_id)
        .outerjoin(lead, lead.id == coordinator.team_lead_id)
        .outerjoin(Person, Person.id == Case.tenant_id)
        .outerjoin(Review, (Reminder.subject_type == "review") & (Review.id == Reminder.subject_id))
        .outerjoin(review_agreement, review_agreement.id == Review.agreement_id)
        .outerjoin(
            Agreement,
            (Reminder.subject_type == "agreement") & (Agreement.id == Reminder.subject_id),
        )
        .outerjoin(
            EvictionJudgment,
            (Reminder.subject_type == "eviction_judgment")
            & (EvictionJudgment.id == Reminder.subject_id),
        )
        .where(
            Reminder.claim == token,
            Reminder.status == ReminderStatus.CLAIMED,
            Reminder.id.between(first, last),
        )
        .order_by(Reminder.id)
    )


@dataclass
class Facts:
    """What a batch's reminders to the corporation and legal staff need, read once."""

    corporations: dict[int, str] = field(default_factory=dict)
    legal: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, batch: Iterable[Any]) -> Facts:
        facts = cls()
        widely = {r.case_id for r in batch if r.recipients == "corporation_and_legal"}
        if widely:
            facts.legal = sorted(
                session.scalars(
                    select(User.email).where(User.role == Role.LEGAL, User.active.is_(True))
                )
            )
            # The case's (first) housing corporation: its contact person, else its address.
            for case_id, contact, general in session.execute(
                select(CaseParty.case_id, Person.email, Organisation.email)
                .join(Organisation, Organisation.id == CaseParty.organisation_id)
                .outerjoin(Person, Person.id == CaseParty.contact_person_id)
                .where(
                    CaseParty.case_id.in_(widely),
                    CaseParty.role == PartyRole.HOUSING_CORPORATION,
                )
                .order_by(CaseParty.id.desc())
            ):
                facts.corporations[case_id] = contact or general or ""
        return facts


def text_of(session: Session, deps: Deps, due: Any) -> str:
    """The Dutch sentence(s) of a reminder; raises Gone when there is nothing left to remind
    of. Writes nothing: a reminder that turns out too late to send leaves no trace."""
    if due.reference is None:
        raise Gone
    kind, day, reference = due.kind, datum(due.due_date), due.reference
    if kind in _REVIEW_KINDS or kind is K.BREACH:
        if due.review_number is None or due.review_agreement_status not in _LIVE:
            raise Gone
        if kind is not K.BREACH and due.review_held is not None:
            raise Gone
        number, due_day = due.review_number, datum(due.review_due)
        return {
            K.REVIEW_UPCOMING: f"Evaluatie {number} van traject {reference} staat "
            f"op {due_day}. Plan het gesprek met alle partijen.",
            K.REVIEW_TENANT: f"Op {due_day} heeft u een evaluatiegesprek over uw woning en de "
            "afspraken. Uw begeleider neemt contact met u op over de tijd "
            "en de plaats.",
            K.REVIEW_DUE: f"Evaluatie {number} van traject {reference} is vandaag "
            f"({due_day}). Leg de uitkomst vast.",
            K.REVIEW_OVERDUE: f"Evaluatie {number} van traject {reference} was "
            f"op {due_day} en is nog niet vastgelegd.",
            K.REVIEW_ESCALATION: f"Evaluatie {number} van traject {reference} "
            f"(gepland op {due_day}) is na twee weken nog niet vastgelegd.",
            K.BREACH: f"Bij de evaluatie van {datum(due.review_held or due.due_date)} "
            f"is vastgesteld dat de afspraken in traject {reference} niet zijn "
            "nagekomen. Het ontruimingsvonnis kan nu worden uitgevoerd; overleg "
            "met Het Vierde Huis over de volgende stap.",
        }[kind]
    if kind in (K.AGREEMENT_END_90, K.AGREEMENT_END_30):
        if due.agreement_status is not AgreementStatus.ACTIVE:
            raise Gone
        return (
            f"De woonbegeleidingsovereenkomst van traject {reference} eindigt op "
            f"{datum(due.agreement_end)}. Bespreek het afsluiten of verlengen."
        )
    if kind in (K.SIGNATURE_PENDING, K.SIGNATURE_EXPIRING):
        request = session.get(SignatureRequest, due.subject_id)  # rare: a handful a day
        if request is None or request.status is not RequestStatus.PENDING:
            raise Gone
        if kind is K.SIGNATURE_EXPIRING:
            return (
                f"{request.party_name} heeft nog niet ondertekend in traject "
                f"{reference}. De link verloopt op "
                f"{datum(deps.settings.day_of(request.expires_at))}."
            )
        return ""  # the party's own text is made with a fresh link, in `deliveries`
    if kind in (K.JUDGMENT_AGE_9, K.JUDGMENT_AGE_11):
        if due.judgment_date is None:
            raise Gone
        return (
            f"Het ontruimingsvonnis in traject {reference} ({due.court}, "
            f"zaaknummer {due.case_number}) is van {datum(due.judgment_date)}. "
            "Een vonnis dat ongeveer een jaar oud is, mag in beginsel niet meer worden "
            "uitgevoerd (misbruik van recht). Beoordeel of een nieuw vonnis of een andere "
            "afspraak nodig is."
        )
    return {
        K.ARRANGEMENT_END: f"De betalingsregeling van traject {reference} eindigt "
        "binnenkort. Controleer of de achterstand is afgelost.",
        K.MISSED_INSTALMENT: f"De woningcorporatie meldt dat een termijn van de "
        f"betalingsregeling in traject {reference} niet is betaald.",
        K.TENANCY_END: f"De tijdelijke huurovereenkomst in traject {reference} eindigt "
        f"binnenkort (herinnering van {day}).",
    }[kind]


def deliveries(uow: UnitOfWork, facts: Facts, due: Any, text: str) -> list[Delivery]:
    """The e-mails of a reminder, one per recipient. A party's reminder carries a fresh
    signing link, so it is written (and its older links stop working) only when sent."""
    case = f"{due.reference}, {due.tenant_name}" if due.tenant_name else due.reference
    subject = f"{due.kind.label} ({case})"
    return [Delivery(to, subject, body) for to, body in _recipients(uow, facts, due, text)]


def _recipients(uow: UnitOfWork, facts: Facts, due: Any, text: str) -> list[tuple[str, str]]:
    session, deps = uow.session, uow.deps
    who = due.recipients
    if who == "tenant":
        if not due.tenant_email:
            return []
        return [
            (
                due.tenant_email,
                f"Beste {due.tenant_name},\n\n{text}\n\nMet vriendelijke groet,\nHet Vierde Huis",
            )
        ]
    if who == "party":
        request = session.get(SignatureRequest, due.subject_id)
        assert request is not None  # text_of checked it
        if not request.email:
            return []
        token = links.new_link(uow, request, due.created_at)
        version = session.get(DocumentVersion, request.version_id)
        document = session.get(Document, version.document_id) if version else None
        link = f"{deps.settings.public_base_url.rstrip('/')}/s/{token}"
        return [
            (
                request.email,
                f"Beste {signers.greeting_name(session, request)},\n\nU heeft de "
                f"{(document.title if document else 'overeenkomst').lower()} nog niet "
                f"ondertekend. Dat kan met deze link:\n\n{link}\n\nGebruik de link in deze "
                "e-mail; oudere links werken niet meer.\n\nMet vriendelijke groet,\n"
                "Het Vierde Huis",
            )
        ]
    greeting = f"Beste {due.coordinator_name or 'collega'},\n\n{text}\n"
    if who == "team_lead":
        to = due.lead_email or deps.settings.escalation_email or due.coordinator_email
        return [(to, greeting)] if to else []
    if who == "corporation_and_legal":
        emails = set(facts.legal) | {facts.corporations.get(due.case_id, "")}
        return [(e, f"Beste collega,\n\n{text}\n") for e in sorted(emails) if e]
    return [(due.coordinator_email, greeting)] if due.coordinator_email else []
