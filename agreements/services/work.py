"""What is due: the reviews, signals (flagged reminders, declines, lapsed signatures) and
documents that need someone, per actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_, select

from agreements.db.models import Document, DocumentVersion, Signature, SignatureRequest
from agreements.domain.enums import DocumentStatus, FinishStatus, ReminderStatus, RequestStatus
from agreements.domain.legal import datum
from agreements.domain.policy import Actor
from agreements.services.cases import agreements, names
from agreements.services.context import Deps
from agreements.services.legal import decisions
from agreements.services.reminders import sweep as reminders
from agreements.services.scope import restrict_to_visible, visible_case_ids


@dataclass(frozen=True)
class WorkItem:
    case_id: int
    title: str
    detail: str
    due: date | None
    url: str
    overdue: bool = False


@dataclass(frozen=True)
class Work:
    """The dashboard: reviews, flagged reminders and documents that need someone."""

    reviews: list[WorkItem]
    flagged: list[WorkItem]  # the signals: flagged reminders, then declines and lapses
    documents: list[WorkItem]

    @property
    def case_ids(self) -> set[int]:
        return {i.case_id for i in self.reviews + self.flagged + self.documents}


def work_for(deps: Deps, actor: Actor, today: date) -> Work:
    page = agreements.list_reviews(
        deps=deps, actor=actor, due_until=today + timedelta(days=7), held=False, limit=200
    )
    case_of = names.agreement_cases(deps, {r.agreement_id for r in page.items})
    review_items = [
        WorkItem(
            case_of[r.agreement_id],
            f"Evaluatie {r.number}",
            "",
            r.due_date,
            f"/evaluaties/{r.id}",
            r.due_date < today,
        )
        for r in page.items
    ]
    flagged = [
        WorkItem(
            r.case_id,
            r.kind.label,
            r.status.label,
            r.due_date,
            f"/zaken/{r.case_id}",
            r.due_date < today,
        )
        for r in reminders.for_actor(deps=deps, actor=actor, statuses=[ReminderStatus.FLAGGED])
    ]
    signals = _undecided(deps, actor, today) + _declines(deps, actor) + _lapsed(deps, actor)
    return Work(review_items, flagged + signals, _document_work(deps, actor))


def _undecided(deps: Deps, actor: Actor, today: date) -> list[WorkItem]:
    """A judgment in reserve at or past the decision age with no decision recorded: a
    problem until legal staff or the corporation decide (the case's legal page)."""
    return [
        WorkItem(
            item.case_id,
            "Besluit over het vonnis nodig",
            f"Het vonnis van {datum(item.judgment_date)} "
            f"is {item.months} maanden oud en er is geen besluit vastgelegd. Uitvoeren is nu in "
            "beginsel misbruik van recht: de jurist of de corporatie besluit wat er gebeurt.",
            item.judgment_date + relativedelta(months=deps.settings.judgment_decision_months),
            f"/juridisch/zaken/{item.case_id}",
            True,
        )
        for item in decisions.undecided(deps, actor, today)
    ]


def _declines(deps: Deps, actor: Actor) -> list[WorkItem]:
    """A party declined: the version's other requests are paused until the coordinator makes
    a new version (which voids the decline with the rest, and so ends the signal)."""
    query = (
        select(SignatureRequest, DocumentVersion, Document)
        .join(DocumentVersion, DocumentVersion.id == SignatureRequest.version_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(SignatureRequest.status == RequestStatus.DECLINED)
        .order_by(SignatureRequest.id.desc())
        .limit(100)
    )
    if (visible := visible_case_ids(actor)) is not None:
        query = query.where(Document.case_id.in_(visible))
    with deps.db() as session:
        return [
            WorkItem(
                document.case_id,
                "Geweigerd",
                f"{document.title}, versie {version.number}: {request.party_name} tekent "
                f"niet. Reden: {request.decline_reason[:200].rstrip('.')}. De andere "
                "partijen kunnen niet tekenen. Bespreek het en maak een nieuwe versie.",
                deps.settings.day_of(request.done_at) if request.done_at else None,
                f"/versies/{version.id}",
            )
            for request, version, document in session.execute(query)
        ]


def _lapsed(deps: Deps, actor: Actor) -> list[WorkItem]:
    """Signatures voided by a new version, until that document is sent for signature again
    (no request of the document was made after they lapsed)."""
    last_sent = (
        select(
            DocumentVersion.document_id.label("document_id"),
            func.max(SignatureRequest.created_at).label("at"),
        )
        .join(SignatureRequest, SignatureRequest.version_id == DocumentVersion.id)
        .group_by(DocumentVersion.document_id)
        .subquery()
    )
    query = restrict_to_visible(
        select(SignatureRequest, Signature.evidence, Document)
        .join(Signature, Signature.request_id == SignatureRequest.id)
        .join(DocumentVersion, DocumentVersion.id == SignatureRequest.version_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .join(last_sent, last_sent.c.document_id == Document.id)
        .where(
            SignatureRequest.status == RequestStatus.VOIDED,
            SignatureRequest.done_at > last_sent.c.at,
        )
        .order_by(SignatureRequest.id)
        .limit(500),
        Document.case_id,
        actor,
    )
    lapsed: dict[int, tuple[Document, list[SignatureRequest]]] = {}
    with deps.db() as session:
        for request, evidence, document in session.execute(query):
            if not evidence.get("declined"):  # a decline that lapsed needs no new signature
                lapsed.setdefault(document.id, (document, []))[1].append(request)
        newest = {
            document_id: version_id
            for document_id, version_id in session.execute(
                select(DocumentVersion.document_id, func.max(DocumentVersion.id))
                .where(DocumentVersion.document_id.in_(list(lapsed)))
                .group_by(DocumentVersion.document_id)
            )
        }
    items = []
    for document_id, (document, requests) in sorted(lapsed.items(), reverse=True):
        names = ", ".join(r.party_name for r in requests)
        when = requests[-1].done_at
        items.append(
            WorkItem(
                document.case_id,
                "Handtekeningen vervallen",
                f"{document.title}: er is een nieuwe versie gemaakt. Opnieuw tekenen: "
                f"{names}. Zij kregen een e-mail. Verstuur de nieuwe versie om te tekenen.",
                deps.settings.day_of(when) if when else None,
                f"/versies/{newest[document_id]}",
            )
        )
    return items


def _document_work(deps: Deps, actor: Actor) -> list[WorkItem]:
    pending = (
        select(SignatureRequest.version_id, func.count().label("waiting"))
        .where(SignatureRequest.status == RequestStatus.PENDING)
        .group_by(SignatureRequest.version_id)
        .subquery()
    )
    query = restrict_to_visible(
        select(DocumentVersion, Document, pending.c.waiting)
        .join(Document, Document.id == DocumentVersion.document_id)
        .outerjoin(pending, pending.c.version_id == DocumentVersion.id)
        .where(
            or_(
                pending.c.waiting > 0,
                DocumentVersion.status == DocumentStatus.FAILED,
                DocumentVersion.finish_status == FinishStatus.FAILED,
            )
        )
        .order_by(DocumentVersion.id.desc())
        .limit(200),
        Document.case_id,
        actor,
    )
    items = []
    with deps.db() as session:
        for version, document, waiting in session.execute(query):
            title = f"{document.title}, versie {version.number}"
            if version.status is DocumentStatus.FAILED:
                detail = "Maken mislukt: " + (version.error[:200] or "onbekende reden")
            elif version.finish_status is FinishStatus.FAILED:
                detail = "Verzegelen mislukt: " + (version.finish_error[:200] or "onbekend")
            else:
                detail = f"Wacht op {waiting} handtekening{'en' if waiting != 1 else ''}"
            items.append(WorkItem(document.case_id, title, detail, None, f"/versies/{version.id}"))
    return items
