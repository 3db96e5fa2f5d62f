"""Use cases for documents: request a render, render it (in the worker), read the result."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from agreements.db.models import (
    Agreement,
    Case,
    Document,
    DocumentVersion,
    EvictionJudgment,
    PaymentArrangement,
    Review,
    TenancyContract,
)
from agreements.domain.enums import DocumentStatus
from agreements.domain.errors import Conflict, NotFound, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.audit import log as audit
from agreements.services.context import Deps
from agreements.services.documents import data as document_data
from agreements.services.documents.engine import DocumentEngine
from agreements.services.inputs import one_line
from agreements.services.scope import case_for
from agreements.services.signatures import sign as signing
from agreements.services.signatures.state import (
    MAX_FINISH_ATTEMPTS,
    lock_document,
    refuse_while_sealing,
)
from templates.assemble import Annex, assemble
from templates.catalogue import data_problems
from templates.errors import DocumentError
from templates.render import render_docx

log = logging.getLogger("agreements.documents")
STALE_AFTER_SECONDS = 600  # a render "in progress" this long was killed: claim it again
MAX_ATTEMPTS = 3

# subject type -> (model, document kind, default template, resource, data builder)
Builder = Callable[[Session, Any, Any, date], dict[str, Any]]
SUBJECTS: dict[str, tuple[type[Any], str, Resource, Builder]] = {
    "agreement": (Agreement, "agreement", Resource.AGREEMENT, document_data.agreement_data),
    "review": (Review, "review_minutes", Resource.REVIEW, document_data.review_minutes_data),
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
) -> DocumentVersion:
    """Freeze the data for a new version and queue its render; the caller enqueues the task."""
    model, kind, resource, build = SUBJECTS[subject_type]
    today = now.astimezone(deps.settings.zone).date()
    chosen = engine.catalogue.get(template or kind, template_version)
    if chosen.kind != kind:
        raise ValidationFailed.one(
            "template", f"{chosen.name!r} is a {chosen.kind} template, not a {kind} template"
        )
    with deps.db.begin() as session:
        subject = session.get(model, subject_id)
        if subject is None:
            raise NotFound(subject_type, subject_id)
        if isinstance(subject, Review):  # a review belongs to its agreement's case
            agreement = session.get(Agreement, subject.agreement_id)
            assert agreement is not None
            case_id = agreement.case_id
        else:
            case_id = subject.case_id
        case = case_for(
            session, actor, case_id, Action.WRITE, resource, reported_as=(subject_type, subject_id)
        )
        data = build(session, subject, deps.settings, today)
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
                case_id=case.id,
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
        signing.void_for_new_version(session, deps, version, actor, now)
        audit.record(
            session,
            deps,
            actor=actor,
            action="document.request",
            subject_type="document_version",
            subject_id=version.id,
            now=now,
            detail={
                "case": case.id,
                "kind": kind,
                "template": chosen.name,
                "template_version": chosen.version,
            },
        )
    return version


def _field_error(problem: str) -> Any:
    from agreements.domain.errors import FieldError

    field, _, reason = problem.partition(": ")
    return FieldError(field or "data", reason or problem)


def _claim(deps: Deps, version_id: int, now: datetime) -> int | None:
    """Take the version for rendering, atomically: the attempt number, or None when it is
    done or another worker has it."""
    stale = now.timestamp() - STALE_AFTER_SECONDS
    with deps.db.begin() as session:
        version = session.get(DocumentVersion, version_id)
        if version is None or version.status is DocumentStatus.READY:
            return None
        if (
            version.status is DocumentStatus.RENDERING
            and version.started_at is not None
            and version.started_at.timestamp() > stale
        ):
            return None
        if version.attempts >= MAX_ATTEMPTS and version.status is DocumentStatus.FAILED:
            return None
        attempt = version.attempts + 1  # read before the UPDATE (it refreshes the object)
        claimed = session.execute(  # type: ignore[attr-defined]
            update(DocumentVersion)
            .where(DocumentVersion.id == version_id, DocumentVersion.attempts == version.attempts)
            .values(
                status=DocumentStatus.RENDERING,
                started_at=now,
                attempts=version.attempts + 1,
                error="",
            )
        ).rowcount
        return attempt if claimed else None


def render_version(
    version_id: int, *, deps: Deps, engine: DocumentEngine, clock: Callable[[], datetime]
) -> DocumentStatus:
    """Render, convert, assemble and store one version. Idempotent: a done version is left."""
    attempt = _claim(deps, version_id, clock())
    if attempt is None:
        with deps.db() as session:
            version = session.get(DocumentVersion, version_id)
            return version.status if version else DocumentStatus.FAILED
    try:
        with deps.db() as session:
            version = session.get(DocumentVersion, version_id)
            assert version is not None
            document = session.get(Document, version.document_id)
            assert document is not None
            case = session.get(Case, document.case_id)
            assert case is not None
            annexes = _annexes(session, engine, document)
            reference = case.reference or str(case.id)
        template = engine.catalogue.get(version.template_name, version.template_version)
        docx = render_docx(
            template.read_bytes(), version.data, time_limit=engine.settings.render_time_limit
        )
        pdf = engine.converter.convert(docx)
        manifest = {
            "document": {
                "id": document.id,
                "kind": document.kind,
                "version": version.number,
                "title": document.title,
            },
            "case": reference,
            "template": template.manifest_entry(),
            "data": version.data,
        }
        package = assemble(
            pdf,
            annexes,
            title=document.title,
            case_reference=reference,
            template_version=f"{template.name} v{template.version}",
            manifest=manifest,
            source_docx=docx,
            created=clock(),
        )
        docx_digest, pdf_digest = engine.store.put(docx), engine.store.put(package)
        pages = len(PdfReader(io.BytesIO(package)).pages)
    except DocumentError as exc:
        return _finish_failed(deps, version_id, attempt, str(exc), clock())
    except Exception as exc:
        log.exception("document.render_failed", extra={"version": version_id})
        return _finish_failed(
            deps, version_id, attempt, f"unexpected error: {type(exc).__name__}", clock()
        )
    with deps.db.begin() as session:
        version = _still_ours(session, version_id, attempt)
        if version is None:  # taken over as stale meanwhile: the other render's result counts
            return DocumentStatus.RENDERING
        version.status, version.docx_sha256, version.pdf_sha256 = (
            DocumentStatus.READY,
            docx_digest,
            pdf_digest,
        )
        version.pages, version.finished_at = pages, clock()
        audit.record(
            session,
            deps,
            actor="system:worker",
            action="document.rendered",
            subject_type="document_version",
            subject_id=version_id,
            now=clock(),
            detail={"pdf_sha256": pdf_digest},
        )
    return DocumentStatus.READY


def _annexes(session: Session, engine: DocumentEngine, document: Document) -> list[Annex]:
    """An agreement carries the lease, the judgment and the payment arrangement behind it."""
    if document.subject_type != "agreement":
        return []
    agreement = session.get(Agreement, document.subject_id)
    assert agreement is not None
    annexes = []
    contract = session.get(TenancyContract, agreement.tenancy_contract_id)
    if contract is not None and contract.pdf_sha256:
        annexes.append(Annex("Bijlage: huurovereenkomst", engine.store.get(contract.pdf_sha256)))
    judgment = session.get(EvictionJudgment, agreement.eviction_judgment_id)
    if judgment is not None and judgment.pdf_sha256:
        annexes.append(Annex("Bijlage: vonnis", engine.store.get(judgment.pdf_sha256)))
    arrangement_pdf = session.scalar(
        select(DocumentVersion.pdf_sha256)
        .join(Document)
        .where(
            Document.case_id == document.case_id,
            Document.kind == "payment_arrangement",
            DocumentVersion.status == DocumentStatus.READY,
        )
        .order_by(DocumentVersion.id.desc())
        .limit(1)
    )
    if arrangement_pdf:
        annexes.append(Annex("Bijlage: betalingsregeling", engine.store.get(arrangement_pdf)))
    return annexes


def _still_ours(session: Session, version_id: int, attempt: int) -> DocumentVersion | None:
    """The version, locked, if this render's claim still holds (a version is written once)."""
    return session.scalar(
        select(DocumentVersion)
        .where(
            DocumentVersion.id == version_id,
            DocumentVersion.attempts == attempt,
            DocumentVersion.status == DocumentStatus.RENDERING,
        )
        .with_for_update()
    )


def _finish_failed(
    deps: Deps, version_id: int, attempt: int, reason: str, now: datetime
) -> DocumentStatus:
    with deps.db.begin() as session:
        version = _still_ours(session, version_id, attempt)
        if version is None:
            return DocumentStatus.RENDERING
        version.status, version.error, version.finished_at = DocumentStatus.FAILED, reason, now
        audit.record(
            session,
            deps,
            actor="system:worker",
            action="document.failed",
            subject_type="document_version",
            subject_id=version_id,
            now=now,
            detail={"reason": reason[:500]},
        )
    return DocumentStatus.FAILED


def get_version(version_id: int, *, deps: Deps, actor: Actor) -> tuple[DocumentVersion, Document]:
    with deps.db() as session:
        version = session.get(DocumentVersion, version_id)
        if version is None:
            raise NotFound("document version", version_id)
        document = session.get(Document, version.document_id)
        assert document is not None
        case_for(
            session,
            actor,
            document.case_id,
            Action.READ,
            Resource.AGREEMENT,
            reported_as=("document version", version_id),
        )
        return version, document


def read_file(
    version_id: int, which: str, *, deps: Deps, engine: DocumentEngine, actor: Actor, now: datetime
) -> tuple[bytes, DocumentVersion, Document]:
    """The PDF package or the source DOCX of a ready version; the read is logged."""
    version, document = get_version(version_id, deps=deps, actor=actor)
    digest = version.pdf_sha256 if which == "pdf" else version.docx_sha256
    if version.status is not DocumentStatus.READY or digest is None:
        raise Conflict(f"the document is not ready (status: {version.status.value})")
    with deps.db.begin() as session:
        audit.record(
            session,
            deps,
            actor=actor,
            action=f"document.read_{which}",
            subject_type="document_version",
            subject_id=version_id,
            now=now,
            detail={"case": document.case_id},
        )
    return engine.store.get(digest), version, document


def list_documents(
    case_id: int, *, deps: Deps, actor: Actor
) -> list[tuple[Document, list[DocumentVersion]]]:
    authorize(actor, Action.READ, Resource.AGREEMENT)
    with deps.db() as session:
        case_for(session, actor, case_id, Action.READ, Resource.AGREEMENT)
        documents = list(
            session.scalars(
                select(Document).where(Document.case_id == case_id).order_by(Document.id)
            )
        )
        return [
            (
                d,
                list(
                    session.scalars(
                        select(DocumentVersion)
                        .where(DocumentVersion.document_id == d.id)
                        .order_by(DocumentVersion.number)
                    )
                ),
            )
            for d in documents
        ]


def unfinished(*, deps: Deps, now: datetime) -> tuple[list[int], list[int]]:
    """Versions the queue lost (a worker died, Redis was flushed): to render, and to seal."""
    from agreements.domain.enums import FinishStatus

    stale = now - timedelta(seconds=STALE_AFTER_SECONDS)
    with deps.db() as session:
        render = list(
            session.scalars(
                select(DocumentVersion.id).where(
                    (
                        (DocumentVersion.status == DocumentStatus.QUEUED)
                        & (DocumentVersion.created_at < stale)
                    )
                    | (
                        (DocumentVersion.status == DocumentStatus.RENDERING)
                        & (DocumentVersion.started_at < stale)
                    )
                    | (
                        (DocumentVersion.status == DocumentStatus.FAILED)
                        & (DocumentVersion.attempts < MAX_ATTEMPTS)
                        & (DocumentVersion.finished_at < stale)
                    )
                )
            )
        )
        finish = list(
            session.scalars(
                select(DocumentVersion.id).where(
                    DocumentVersion.finish_status.in_(
                        [FinishStatus.PENDING, FinishStatus.FAILED, FinishStatus.RUNNING]
                    ),
                    DocumentVersion.finish_attempts < MAX_FINISH_ATTEMPTS,
                )
            )
        )
    return render, finish


def read_sealed(
    version_id: int, *, deps: Deps, engine: DocumentEngine, actor: Actor, now: datetime
) -> tuple[bytes, DocumentVersion, Document]:
    """The sealed PDF of a fully signed version; the read is logged."""
    from agreements.domain.enums import FinishStatus

    version, document = get_version(version_id, deps=deps, actor=actor)
    if version.finish_status is not FinishStatus.DONE or version.sealed_sha256 is None:
        raise Conflict(
            f"not sealed yet ({version.finish_status.label})"
            + (f": {version.finish_error}" if version.finish_error else "")
        )
    with deps.db.begin() as session:
        audit.record(
            session,
            deps,
            actor=actor,
            action="document.read_sealed",
            subject_type="document_version",
            subject_id=version_id,
            now=now,
            detail={"case": document.case_id},
        )
    return engine.store.get(version.sealed_sha256), version, document


def add_template(
    name: str,
    data: bytes,
    *,
    kind: str,
    title: str | None,
    deps: Deps,
    engine: DocumentEngine,
    actor: Actor,
    now: datetime,
) -> Any:
    """Check and keep a new template version (coordinators and admins); logged."""
    from agreements.domain.enums import Role
    from agreements.domain.errors import Forbidden

    authorize(actor, Action.WRITE, Resource.AGREEMENT)
    if actor.role not in (Role.ADMIN, Role.COORDINATOR):
        raise Forbidden("only coordinators and admins add templates")
    # Form fields of a multipart upload: no input model checked them.
    name = one_line("name", name, max_length=64)
    kind = one_line("kind", kind, max_length=50)
    title = one_line("title", title, max_length=200, required=False) if title else None
    added = engine.catalogue.add(name, data, kind=kind, title=title or None)
    with deps.db.begin() as session:
        audit.record(
            session,
            deps,
            actor=actor,
            action="template.add",
            subject_type="template",
            subject_id=f"{added.name}:{added.version}",
            now=now,
            detail={"sha256": added.sha256, "kind": kind},
        )
    return added
