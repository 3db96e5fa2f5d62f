"""Read models for the staff pages: names for ids, the case's audit trail, what is to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from agreements.db.models import (
    Agreement,
    AuditEntry,
    Case,
    Document,
    DocumentVersion,
    Organisation,
    Person,
    Review,
    SignatureRequest,
    User,
)
from agreements.domain.enums import (
    DocumentStatus,
    FinishStatus,
    ReminderStatus,
    RequestStatus,
    Role,
)
from agreements.domain.errors import NotFound
from agreements.domain.policy import Actor
from agreements.services.cases import agreements
from agreements.services.context import Deps
from agreements.services.reminders import sweep as reminders
from agreements.services.scope import restrict_to_visible


def organisations(deps: Deps, kind: Any = None) -> dict[int, str]:
    with deps.db() as session:
        query = select(Organisation.id, Organisation.name).order_by(Organisation.name)
        if kind is not None:
            query = query.where(Organisation.kind == kind)
        return {row.id: row.name for row in session.execute(query)}


def coordinators(deps: Deps) -> dict[int, str]:
    with deps.db() as session:
        query = select(User.id, User.name).where(User.role == Role.COORDINATOR, User.active)
        return {row.id: row.name for row in session.execute(query.order_by(User.name))}


def people(deps: Deps, ids: list[int]) -> dict[int, str]:
    with deps.db() as session:
        query = select(Person.id, Person.name).where(Person.id.in_(ids))
        return {row.id: row.name for row in session.execute(query)}


def case_labels(deps: Deps, case_ids: set[int]) -> dict[int, str]:
    """`LK-2026-00001, Zoë van 't Hek` per case, for lists that point at cases."""
    with deps.db() as session:
        query = select(Case.id, Case.reference, Person.name).join(
            Person, Person.id == Case.tenant_id
        )
        rows = session.execute(query.where(Case.id.in_(case_ids)))
        return {row.id: f"{row.reference}, {row.name}" for row in rows}


def audit_for_case(deps: Deps, case_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The entries about this case or about a record that names it; newest first."""
    with deps.db() as session:
        query = (
            select(AuditEntry)
            .where(
                or_(
                    (AuditEntry.subject_type == "case") & (AuditEntry.subject_id == str(case_id)),
                    AuditEntry.detail["case"].as_integer() == case_id,
                )
            )
            .order_by(AuditEntry.seq.desc())
            .limit(limit)
        )
        entries = list(session.scalars(query))
        user_ids = {int(e.actor[5:]) for e in entries if e.actor[5:].isdigit()}
        names = {
            row.id: row.name
            for row in session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
        }
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "who": names.get(int(e.actor[5:]), e.actor) if e.actor[5:].isdigit() else e.actor,
            "action": e.action,
        }
        for e in entries
    ]


def agreement_cases(deps: Deps, agreement_ids: set[int]) -> dict[int, int]:
    with deps.db() as session:
        query = select(Agreement.id, Agreement.case_id).where(Agreement.id.in_(agreement_ids))
        return {row.id: row.case_id for row in session.execute(query)}


def request_with_version(deps: Deps, request_id: int) -> SignatureRequest:
    """The request row; the caller checks the actor may read its version."""
    with deps.db() as session:
        row = session.get(SignatureRequest, request_id)
        if row is None:
            raise NotFound("signature request", request_id)
        return row


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
    flagged: list[WorkItem]
    documents: list[WorkItem]

    @property
    def case_ids(self) -> set[int]:
        return {i.case_id for i in self.reviews + self.flagged + self.documents}


def work_for(deps: Deps, actor: Actor, today: date) -> Work:
    page = agreements.list_reviews(
        deps=deps, actor=actor, due_until=today + timedelta(days=7), held=False, limit=200
    )
    case_of = agreement_cases(deps, {r.agreement_id for r in page.items})
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
    return Work(review_items, flagged, _document_work(deps, actor))


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


def reviews_of_case(deps: Deps, actor: Actor, case_id: int) -> list[Review]:
    return agreements.list_reviews(deps=deps, actor=actor, case_id=case_id, limit=100).items
