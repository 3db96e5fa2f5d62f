"""What is due: the reviews, flagged reminders and documents that need someone, per actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from agreements.db.models import Document, DocumentVersion, SignatureRequest
from agreements.domain.enums import DocumentStatus, FinishStatus, ReminderStatus, RequestStatus
from agreements.domain.policy import Actor
from agreements.services.cases import agreements, names
from agreements.services.context import Deps
from agreements.services.reminders import sweep as reminders
from agreements.services.scope import restrict_to_visible


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
