"""Read documents: a version within the actor's scope, a case's documents, and the files
of a ready or sealed version (each file read is logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from agreements.db.models import Document, DocumentVersion
from agreements.domain.enums import DocumentStatus
from agreements.domain.errors import Conflict
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.uow import reading, unit_of_work


def get_version(version_id: int, *, deps: Deps, actor: Actor) -> tuple[DocumentVersion, Document]:
    with reading(deps, actor) as uow:
        version, document, _ = uow.version(version_id, Action.READ)
        return version, document


@dataclass(frozen=True)
class FileRead:
    """The bytes served, their SHA-256, and what they are: the sealed file, the unsealed
    concept, or (before sealing) the version's PDF or Word file."""

    data: bytes
    digest: str
    sealed: bool
    concept: bool
    version: DocumentVersion
    document: Document

    def filename(self, suffix: str) -> str:
        """`agreement-12-v2.pdf`; `-ondertekend` for the sealed file, `-concept-niet-
        ondertekend` for the unsealed one of a sealed version."""
        label = (
            "-ondertekend" if self.sealed else "-concept-niet-ondertekend" if self.concept else ""
        )
        base = f"{self.document.kind}-{self.document.case_id}-v{self.version.number}"
        return f"{base}{label}.{suffix}"


def read_file(
    version_id: int,
    which: str,
    *,
    deps: Deps,
    engine: DocumentEngine,
    actor: Actor,
    now: datetime,
    concept: bool = False,
) -> FileRead:
    """The PDF of a ready version, or its source Word file (`which`: "pdf" or "docx"); the
    read is logged.

    Once the version is sealed its PDF is the sealed file, for every reader: the copy the
    parties signed plus their evidence and the seal. `concept` asks for the unsealed PDF
    instead, which staff may still open, named as the concept it is."""
    with unit_of_work(deps, actor, now) as uow:
        version, document, _ = uow.version(version_id, Action.READ)
        if version.status is not DocumentStatus.READY or version.pdf_sha256 is None:
            raise Conflict(f"the document is not ready (status: {version.status.value})")
        sealed = which == "pdf" and not concept and version.is_sealed
        if which == "docx":
            digest, action = version.docx_sha256, "document.read_docx"
        elif sealed:
            digest, action = version.sealed_sha256, "document.read_sealed"
        else:
            digest, action = version.pdf_sha256, "document.read_pdf"
        if digest is None:
            raise Conflict(f"the document has no {which} file")
        uow.audit(action, "document_version", version_id, {"case": document.case_id})
    return FileRead(
        engine.store.get(digest),
        digest,
        sealed,
        concept and which == "pdf" and version.is_sealed,
        version,
        document,
    )


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
) -> FileRead:
    """The sealed PDF of a fully signed version, or a conflict saying why there is none
    yet; the read is logged."""
    version, _ = get_version(version_id, deps=deps, actor=actor)
    if not version.is_sealed:
        raise Conflict(
            f"not sealed yet ({version.finish_status.label})"
            + (f": {version.finish_error}" if version.finish_error else "")
        )
    return read_file(version_id, "pdf", deps=deps, engine=engine, actor=actor, now=now)
