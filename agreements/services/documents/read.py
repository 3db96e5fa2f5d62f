"""Read documents: a version within the actor's scope, a case's documents, and the files
of a ready or sealed version (each file read is logged)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from agreements.db.models import Document, DocumentVersion
from agreements.domain.enums import DocumentStatus, FinishStatus
from agreements.domain.errors import Conflict
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.uow import reading, unit_of_work


def get_version(version_id: int, *, deps: Deps, actor: Actor) -> tuple[DocumentVersion, Document]:
    with reading(deps, actor) as uow:
        version, document, _ = uow.version(version_id, Action.READ)
        return version, document


def read_file(
    version_id: int, which: str, *, deps: Deps, engine: DocumentEngine, actor: Actor, now: datetime
) -> tuple[bytes, DocumentVersion, Document]:
    """The PDF package or the source DOCX of a ready version; the read is logged."""
    version, document = get_version(version_id, deps=deps, actor=actor)
    digest = version.pdf_sha256 if which == "pdf" else version.docx_sha256
    if version.status is not DocumentStatus.READY or digest is None:
        raise Conflict(f"the document is not ready (status: {version.status.value})")
    with unit_of_work(deps, actor, now) as uow:
        uow.audit(
            f"document.read_{which}", "document_version", version_id, {"case": document.case_id}
        )
    return engine.store.get(digest), version, document


def list_documents(
    case_id: int, *, deps: Deps, actor: Actor
) -> list[tuple[Document, list[DocumentVersion]]]:
    authorize(actor, Action.READ, Resource.AGREEMENT)
    with reading(deps, actor) as uow:
        session = uow.session
        uow.case(case_id, Action.READ, Resource.AGREEMENT)
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


def read_sealed(
    version_id: int, *, deps: Deps, engine: DocumentEngine, actor: Actor, now: datetime
) -> tuple[bytes, DocumentVersion, Document]:
    """The sealed PDF of a fully signed version; the read is logged."""
    version, document = get_version(version_id, deps=deps, actor=actor)
    if version.finish_status is not FinishStatus.DONE or version.sealed_sha256 is None:
        raise Conflict(
            f"not sealed yet ({version.finish_status.label})"
            + (f": {version.finish_error}" if version.finish_error else "")
        )
    with unit_of_work(deps, actor, now) as uow:
        uow.audit(
            "document.read_sealed", "document_version", version_id, {"case": document.case_id}
        )
    return engine.store.get(version.sealed_sha256), version, document
