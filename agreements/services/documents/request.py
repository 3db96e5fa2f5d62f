"""Request a document: freeze the data of a new version and queue its render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agreements.db.models import (
    Agreement,
    Document,
    DocumentVersion,
    PaymentArrangement,
    Review,
)
from agreements.domain.enums import DocumentStatus
from agreements.domain.errors import FieldError, Forbidden, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource
from agreements.services.context import Deps
from agreements.services.documents import annexes
from agreements.services.documents import data as document_data
from agreements.services.documents.engine import DocumentEngine
from agreements.services.documents.minutes import review_minutes_data
from agreements.services.jobs import Job
from agreements.services.signatures.requests import void_for_new_version
from agreements.services.signatures.state import lock_document, refuse_while_sealing
from agreements.services.uow import unit_of_work
from templates.catalogue import data_problems

# subject type -> (model, document kind, default template, resource, data builder)
Builder = Callable[[Session, Any, Any, date], dict[str, Any]]
SUBJECTS: dict[str, tuple[type[Any], str, Resource, Builder]] = {
    "agreement": (Agreement, "agreement", Resource.AGREEMENT, document_data.agreement_data),
    "review": (Review, "review_minutes", Resource.REVIEW, review_minutes_data),
    "payment_arrangement": (
        PaymentArrangement,
        "payment_arrangement",
        Resource.PAYMENT_ARRANGEMENT,
        document_data.payment_arrangement_data,
    ),
}


def request_document(
    subject_type: str,
    subject_id: int,
    *,
    deps: Deps,
    engine: DocumentEngine,
    actor: Actor,
    now: datetime,
    template: str | None = None,
    template_version: int | None = None,
    confirm_void: bool = False,
) -> DocumentVersion:
    """Freeze the data for a new version and queue its render (after the commit). Signatures
    given to an earlier version lapse only with `confirm_void`: without it,
    `SignaturesWouldLapse` names who signed and nothing is made."""
    model, kind, resource, build = SUBJECTS[subject_type]
    chosen = engine.catalogue.get(template or kind, template_version)
    if subject_type == "agreement":
        _arrangement_first(subject_id, deps=deps, engine=engine, actor=actor, now=now)
    if chosen.kind != kind:
        raise ValidationFailed.one(
            "template", f"{chosen.name!r} is a {chosen.kind} template, not a {kind} template"
        )
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        subject = uow.load(
            model,
            subject_id,
            Action.WRITE,
            resource,
            kind=subject_type,
            case_of=lambda row: _case_id(session, row),
        )
        case_id = _case_id(session, subject)
        data = build(session, subject, deps.settings, uow.today)
        if subject_type == "agreement":  # as far as known now; the render makes it exact
            data["annexes"] = annexes.listed(annexes.parts_of(session, engine.store, subject))
        problems = data_problems(chosen.schema, data)
        if problems:  # a bug in the mapping, not the user's fault; say it plainly anyway
            raise ValidationFailed([_field_error(p) for p in problems])
        document = session.scalar(
            select(Document).where(
                Document.subject_type == subject_type,
                Document.subject_id == subject_id,
                Document.kind == kind,
            )
        )
        if document is not None:
            # A fully signed version is sealed first; its signatures are never voided.
            lock_document(session, document.id)
            refuse_while_sealing(session, document.id, now, "a new version can be made")
        else:
            document = Document(
                case_id=case_id,
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                title=chosen.title,
                created_at=now,
            )
            session.add(document)
            session.flush()
        number = (
            session.scalar(
                select(func.max(DocumentVersion.number)).where(
                    DocumentVersion.document_id == document.id
                )
            )
            or 0
        ) + 1
        version = DocumentVersion(
            document_id=document.id,
            number=number,
            status=DocumentStatus.QUEUED,
            template_name=chosen.name,
            template_version=chosen.version,
            template_sha256=chosen.sha256,
            data=data,
            error="",
            attempts=0,
            created_by=actor.label,
            created_at=now,
        )
        session.add(version)
        session.flush()
        void_for_new_version(uow, version, confirmed=confirm_void)
        uow.audit(
            "document.request",
            "document_version",
            version.id,
            {
                "case": case_id,
                "kind": kind,
                "template": chosen.name,
                "template_version": chosen.version,
            },
        )
        uow.enqueue(Job.RENDER, version.id)
    return version


def _arrangement_first(
    agreement_id: int, *, deps: Deps, engine: DocumentEngine, actor: Actor, now: datetime
) -> None:
    """The package of an agreement carries the case's payment arrangement: when that was
    never rendered, it is requested now (and queued first, so it is ready in time)."""
    with deps.db() as session:
        agreement = session.get(Agreement, agreement_id)
        if agreement is None:
            return
        arrangement = annexes.latest_arrangement(session, agreement.case_id)
        if arrangement is None or annexes.arrangement_version(session, agreement.case_id):
            return
        arrangement_id = arrangement.id
    try:
        request_document(
            "payment_arrangement", arrangement_id, deps=deps, engine=engine, actor=actor, now=now
        )
    except Forbidden:  # who may not write arrangements gets the package without it
        return


def _case_id(session: Session, subject: Any) -> int:
    """The case a subject belongs to; a review belongs to its agreement's case."""
    if isinstance(subject, Review):
        agreement = session.get(Agreement, subject.agreement_id)
        assert agreement is not None
        return int(agreement.case_id)
    return int(subject.case_id)


def _field_error(problem: str) -> FieldError:
    field, _, reason = problem.partition(": ")
    return FieldError(field or "data", reason or problem)
