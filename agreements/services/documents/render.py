"""Render a requested version in the worker: claim it, render, convert, assemble, store;
and find the versions the queue lost."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agreements.db.models import Agreement, Case, Document, DocumentVersion
from agreements.domain.enums import DocumentStatus, FinishStatus
from agreements.services.context import Deps
from agreements.services.documents import annexes
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures.state import MAX_FINISH_ATTEMPTS
from agreements.services.uow import unit_of_work
from templates.assemble import assemble
from templates.errors import DocumentError
from templates.for_pdf import prepare_docx
from templates.render import render_docx

log = logging.getLogger("agreements.documents")
STALE_AFTER_SECONDS = 600  # a render "in progress" this long was killed: claim it again
MAX_ATTEMPTS = 3


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
            parts = _annexes(
                session,
                engine,
                document,
                lambda other: render_version(other, deps=deps, engine=engine, clock=clock),
            )
            reference = case.reference or str(case.id)
        data = dict(version.data)
        if "annexes" in data:  # what the package carries is known now: the list the text prints
            data["annexes"] = annexes.listed(parts)
        template = engine.catalogue.get(version.template_name, version.template_version)
        docx = render_docx(
            template.read_bytes(), data, time_limit=engine.settings.render_time_limit
        )
        # The package numbers its pages over all its parts: the parts' own numbers go.
        docx = prepare_docx(docx, page_numbers=False)
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
            "data": data,
            "annexes": [
                {**listed, "sha256": part.sha256}
                for listed, part in zip(annexes.listed(parts), parts, strict=True)
            ],
        }
        package = assemble(
            pdf,
            [part.annex(engine.store, number) for number, part in enumerate(parts, start=1)],
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
    with unit_of_work(deps, "system:worker", clock()) as uow:
        version = _still_ours(uow.session, version_id, attempt)
        if version is None:  # taken over as stale meanwhile: the other render's result counts
            return DocumentStatus.RENDERING
        version.status, version.docx_sha256, version.pdf_sha256 = (
            DocumentStatus.READY,
            docx_digest,
            pdf_digest,
        )
        version.pages, version.finished_at, version.data = pages, uow.now, data
        uow.audit("document.rendered", "document_version", version_id, {"pdf_sha256": pdf_digest})
    return DocumentStatus.READY


def _annexes(
    session: Session,
    engine: DocumentEngine,
    document: Document,
    render_first: Callable[[int], object],
) -> list[annexes.Part]:
    """An agreement carries its payment arrangement, the lease and the judgment behind it;
    an arrangement still waiting for its render is rendered first (this is the worker)."""
    if document.subject_type != "agreement":
        return []
    agreement = session.get(Agreement, document.subject_id)
    assert agreement is not None
    waiting = annexes.arrangement_version(session, agreement.case_id)
    if waiting is not None and waiting.status is not DocumentStatus.READY:
        render_first(waiting.id)
        session.expire_all()
    return annexes.parts_of(session, engine.store, agreement)


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
    with unit_of_work(deps, "system:worker", now) as uow:
        version = _still_ours(uow.session, version_id, attempt)
        if version is None:
            return DocumentStatus.RENDERING
        version.status, version.error, version.finished_at = DocumentStatus.FAILED, reason, now
        uow.audit("document.failed", "document_version", version_id, {"reason": reason[:500]})
    return DocumentStatus.FAILED


def unfinished(*, deps: Deps, now: datetime) -> tuple[list[int], list[int]]:
    """Versions the queue lost (a worker died, Redis was flushed): to render, and to seal."""
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
