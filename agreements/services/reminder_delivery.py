"""What a reminder says and to whom: Dutch e-mails by role; the tenant only hears what
concerns the tenant, in plain words."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from agreements.domain.enums import AgreementStatus, PartyRole, ReminderKind, RequestStatus, Role
from agreements.services import signing
from agreements.services.context import Deps
from templates.filters import datum

K = ReminderKind
_REVIEW_KINDS = {
    K.REVIEW_UPCOMING,
    K.REVIEW_DUE,
    K.REVIEW_OVERDUE,
    K.REVIEW_ESCALATION,
    K.REVIEW_TENANT,
}
_LIVE = (AgreementStatus.ACTIVE, AgreementStatus.OUT_FOR_SIGNATURE)


@dataclass(frozen=True)
class Delivery:
    to: str
    subject: str
    body: str


class Gone(Exception):
    """What the reminder was about no longer needs it (held, voided, ended)."""


def prefetch(session: Session, reminders: list[Reminder]) -> None:
    """Load what a batch of reminders refers to with a few IN queries: `deliver` then finds
    it in the session instead of asking the database once per reminder."""
    by_type: dict[str, set[int]] = {}
    for reminder in reminders:
        by_type.setdefault(reminder.subject_type, set()).add(reminder.subject_id)
    # The session holds its objects weakly: keep them referenced for the whole batch.
    kept: list[object] = session.info.setdefault("prefetched", [])
    reviews = list(session.scalars(select(Review).where(Review.id.in_(by_type.get("review", ())))))
    kept += reviews
    agreement_ids = {r.agreement_id for r in reviews} | by_type.get("agreement", set())
    kept += session.scalars(select(Agreement).where(Agreement.id.in_(agreement_ids)))
    kept += session.scalars(
        select(SignatureRequest).where(
            SignatureRequest.id.in_(by_type.get("signature_request", ()))
        )
    )
    kept += session.scalars(
        select(EvictionJudgment).where(
            EvictionJudgment.id.in_(by_type.get("eviction_judgment", ()))
        )
    )
    cases = list(session.scalars(select(Case).where(Case.id.in_({r.case_id for r in reminders}))))
    kept += cases
    users = list(
        session.scalars(select(User).where(User.id.in_({c.coordinator_id for c in cases})))
    )
    kept += users
    kept += session.scalars(
        select(User).where(User.id.in_({u.team_lead_id for u in users if u.team_lead_id}))
    )
    kept += session.scalars(select(Person).where(Person.id.in_({c.tenant_id for c in cases})))
    _legal_emails(session)


def _legal_emails(session: Session) -> list[str]:
    """Active legal staff's addresses, looked up once per session (a batch)."""
    if "legal_emails" not in session.info:
        session.info["legal_emails"] = sorted(
            session.scalars(
                select(User.email).where(User.role == Role.LEGAL, User.active.is_(True))
            )
        )
    emails: list[str] = session.info["legal_emails"]
    return emails


def deliver(session: Session, deps: Deps, reminder: Reminder) -> list[Delivery]:
    case = session.get(Case, reminder.case_id)
    if case is None:
        raise Gone
    subject = f"{reminder.kind.label} ({case.reference})"
    text = _text(session, deps, reminder, case)
    return [
        Delivery(to, subject, body) for to, body in _recipients(session, deps, reminder, case, text)
    ]


def _text(session: Session, deps: Deps, reminder: Reminder, case: Case) -> str:
    kind, day = reminder.kind, datum(reminder.due_date)
    if kind in _REVIEW_KINDS or kind is K.BREACH:
        review = session.get(Review, reminder.subject_id)
        agreement = session.get(Agreement, review.agreement_id) if review else None
        if review is None or agreement is None or agreement.status not in _LIVE:
            raise Gone
        if kind is not K.BREACH and review.held_date is not None:
            raise Gone
        due = datum(review.due_date)
        return {
            K.REVIEW_UPCOMING: f"Evaluatie {review.number} van traject {case.reference} staat "
            f"op {due}. Plan het gesprek met alle partijen.",
            K.REVIEW_TENANT: f"Op {due} heeft u een evaluatiegesprek over uw woning en de "
            "afspraken. Uw begeleider neemt contact met u op over de tijd "
            "en de plaats.",
            K.REVIEW_DUE: f"Evaluatie {review.number} van traject {case.reference} is vandaag "
            f"({due}). Leg de uitkomst vast.",
            K.REVIEW_OVERDUE: f"Evaluatie {review.number} van traject {case.reference} was "
            f"op {due} en is nog niet vastgelegd.",
            K.REVIEW_ESCALATION: f"Evaluatie {review.number} van traject {case.reference} "
            f"(gepland op {due}) is na twee weken nog niet vastgelegd.",
            K.BREACH: f"Bij de evaluatie van {datum(review.held_date or reminder.due_date)} "
            f"is vastgesteld dat de afspraken in traject {case.reference} niet zijn "
            "nagekomen. Het ontruimingsvonnis kan nu worden uitgevoerd; overleg "
            "met Het Vierde Huis over de volgende stap.",
        }[kind]
    if kind in (K.AGREEMENT_END_90, K.AGREEMENT_END_30):
        agreement = session.get(Agreement, reminder.subject_id)
        if agreement is None or agreement.status is not AgreementStatus.ACTIVE:
            raise Gone
        return (
            f"De woonbegeleidingsovereenkomst van traject {case.reference} eindigt op "
            f"{datum(agreement.end_date)}. Bespreek het afsluiten of verlengen."
        )
    if kind in (K.SIGNATURE_PENDING, K.SIGNATURE_EXPIRING):
        request = session.get(SignatureRequest, reminder.subject_id)
        if request is None or request.status is not RequestStatus.PENDING:
            raise Gone
        if kind is K.SIGNATURE_EXPIRING:
            return (
                f"{request.party_name} heeft nog niet ondertekend in traject "
                f"{case.reference}. De link verloopt op "
                f"{datum(request.expires_at.astimezone(deps.settings.zone).date())}."
            )
        return ""  # the party's own text is made with a fresh link, below
    if kind in (K.JUDGMENT_AGE_9, K.JUDGMENT_AGE_11):
        judgment = session.get(EvictionJudgment, reminder.subject_id)
        if judgment is None:
            raise Gone
        return (
            f"Het ontruimingsvonnis in traject {case.reference} ({judgment.court}, "
            f"zaaknummer {judgment.case_number}) is van {datum(judgment.judgment_date)}. "
            "Een vonnis dat ongeveer een jaar oud is, mag in beginsel niet meer worden "
            "uitgevoerd (misbruik van recht). Beoordeel of een nieuw vonnis of een andere "
            "afspraak nodig is."
        )
    return {
        K.ARRANGEMENT_END: f"De betalingsregeling van traject {case.reference} eindigt "
        "binnenkort. Controleer of de achterstand is afgelost.",
        K.MISSED_INSTALMENT: f"De woningcorporatie meldt dat een termijn van de "
        f"betalingsregeling in traject {case.reference} niet is betaald.",
        K.TENANCY_END: f"De tijdelijke huurovereenkomst in traject {case.reference} eindigt "
        f"binnenkort (herinnering van {day}).",
    }[kind]


def _recipients(
    session: Session, deps: Deps, reminder: Reminder, case: Case, text: str
) -> list[tuple[str, str]]:
    coordinator = session.get(User, case.coordinator_id)
    who = reminder.recipients
    if who == "tenant":
        tenant = session.get(Person, case.tenant_id)
        return (
            [
                (
                    tenant.email,
                    f"Beste {tenant.name},\n\n{text}\n\nMet vriendelijke groet,\nHet Vierde Huis",
                )
            ]
            if tenant and tenant.email
            else []
        )
    if who == "party":
        request = session.get(SignatureRequest, reminder.subject_id)
        assert request is not None
        if not request.email:
            return []
        token = signing.new_link(session, deps, request, reminder.created_at)
        version = session.get(DocumentVersion, request.version_id)
        document = session.get(Document, version.document_id) if version else None
        link = f"{deps.settings.public_base_url.rstrip('/')}/s/{token}"
        return [
            (
                request.email,
                f"Beste {request.party_name},\n\nU heeft de "
                f"{(document.title if document else 'overeenkomst').lower()} nog niet "
                f"ondertekend. Dat kan met deze link:\n\n{link}\n\nGebruik de link in deze "
                "e-mail; oudere links werken niet meer.\n\nMet vriendelijke groet,\n"
                "Het Vierde Huis",
            )
        ]
    greeting = f"Beste {coordinator.name if coordinator else 'collega'},\n\n{text}\n"
    if who == "team_lead":
        lead = (
            session.get(User, coordinator.team_lead_id)
            if coordinator and coordinator.team_lead_id
            else None
        )
        to = (
            lead.email
            if lead
            else (deps.settings.escalation_email or (coordinator.email if coordinator else ""))
        )
        return [(to, greeting)] if to else []
    if who == "corporation_and_legal":
        emails = set(_legal_emails(session))
        corporation = next(
            (p for p in case.parties if p.role is PartyRole.HOUSING_CORPORATION), None
        )
        if corporation is not None:
            emails.add(_org_contact(session, corporation) or "")
        return [(e, text) for e in sorted(emails) if e]
    return [(coordinator.email, greeting)] if coordinator else []


def _org_contact(session: Session, party: CaseParty) -> str | None:
    contact = session.get(Person, party.contact_person_id) if party.contact_person_id else None
    if contact is not None and contact.email:
        return contact.email
    org = session.get(Organisation, party.organisation_id)
    return org.email if org else None
