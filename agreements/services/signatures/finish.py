"""Finishing a fully signed version exactly once: the evidence page, the evidence JSON and
the seal; the version marked sealed and each signer's copy queued in one transaction."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import datetime

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import (
    Agreement,
    Case,
    Document,
    DocumentVersion,
    Organisation,
    Signature,
    SignatureRequest,
)
from agreements.domain import rules
from agreements.domain.enums import AgreementStatus, FinishStatus
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.mail import queue as mail_queue
from agreements.services.signatures.evidence_page import (
    append_page,
    evidence_page,
    seal_holder,
    stamp,
)
from agreements.services.signatures.mails import signed_copies
from agreements.services.signatures.parties import signed_by
from agreements.services.signatures.state import (
    FINISH_STALE,
    MAX_FINISH_ATTEMPTS,
    lock_document,
    signed_requests,
)
from agreements.services.uow import UnitOfWork, unit_of_work
from signing.evidence import (
    DocumentIdentity,
    SignatureEvidence,
    attach_evidence,
    evidence_bundle,
)
from signing.seal import seal_pdf

log = logging.getLogger("agreements.finishing")


def _claim(deps: Deps, version_id: int, now: datetime) -> int | None:
    """Take the version for sealing if every party signed it: the attempt number (this
    seal's claim), or None. One worker seals it, never two; and the check is made here,
    under the document's lock, whatever the caller believed."""
    with unit_of_work(deps, "system:worker", now) as uow:
        session = uow.session
        version = session.get(DocumentVersion, version_id)
        if version is None:
            return None
        lock_document(session, version.document_id)
        session.refresh(version)
        if version.finish_status is FinishStatus.DONE:
            return None
        if signed_requests(session, version_id) is None:
            _not_fully_signed(uow, version)
            return None
        stale = version.finish_status is FinishStatus.RUNNING and (
            version.finish_started_at is None or version.finish_started_at < now - FINISH_STALE
        )
        if version.finish_attempts >= MAX_FINISH_ATTEMPTS or not (
            version.finish_status in (FinishStatus.PENDING, FinishStatus.FAILED) or stale
        ):
            return None
        version.finish_status, version.finish_started_at = FinishStatus.RUNNING, now
        version.finish_attempts += 1
        return version.finish_attempts


def _not_fully_signed(uow: UnitOfWork, version: DocumentVersion) -> None:
    """A version waiting for its seal that some party has not signed: it is not sealed."""
    if version.finish_status is FinishStatus.NOT_READY:
        return
    version.finish_status = FinishStatus.NOT_READY
    version.finish_error = "not every party has signed this version: it is not sealed"
    uow.audit(
        "document.finish_refused", "document_version", version.id, {"reason": version.finish_error}
    )


def _still_ours(
    session: Session, document_id: int, version_id: int, attempt: int
) -> DocumentVersion | None:
    """The version, with its document locked, if this seal's claim still holds (a claim
    that looked stale may have been taken over: then the other seal counts)."""
    lock_document(session, document_id)
    return session.scalar(
        select(DocumentVersion)
        .where(
            DocumentVersion.id == version_id,
            DocumentVersion.finish_attempts == attempt,
            DocumentVersion.finish_status == FinishStatus.RUNNING,
        )
        .execution_options(populate_existing=True)
    )


def finish_version(
    version_id: int, *, deps: Deps, engine: DocumentEngine, clock: Callable[[], datetime]
) -> FinishStatus:
    """Add the evidence page, embed the evidence and seal; idempotent and retried on failure.
    The signed copies are queued in the transaction that marks the version sealed."""
    now = clock()
    attempt = _claim(deps, version_id, now)
    if attempt is None:
        with deps.db() as session:
            version = session.get(DocumentVersion, version_id)
            return version.finish_status if version else FinishStatus.FAILED
    with deps.db() as session:
        version = session.get(DocumentVersion, version_id)
        assert version is not None and version.pdf_sha256 is not None
        document = session.get(Document, version.document_id)
        case = session.get(Case, document.case_id) if document else None
        assert document is not None and case is not None
        # A fully signed version's requests no longer change (nothing voids them).
        rows = signed_requests(session, version_id) or []
        orgs = {o.id: o.name for o in session.scalars(select(Organisation))}
    try:
        digest = _seal(engine, deps, case, document, version, rows, orgs, now)
    except Exception as exc:  # every failure is visible on the version and retried
        log.exception("document.finish_failed", extra={"version": version_id})
        _failed(deps, document.id, version_id, attempt, str(exc), now)
        raise
    with unit_of_work(deps, "system:worker", now) as uow:
        session = uow.session
        mine = _still_ours(session, document.id, version_id, attempt)
        if mine is None:
            return FinishStatus.RUNNING
        now_signed = signed_requests(session, version_id) or []
        if [r.id for r, _ in now_signed] != [r.id for r, _ in rows]:
            reason = "the signatures changed while the seal was made"
            mine.finish_status, mine.finish_error = FinishStatus.FAILED, reason
            return FinishStatus.FAILED
        mine.finish_status, mine.finish_error = FinishStatus.DONE, ""
        mine.sealed_sha256, mine.sealed_at = digest, now
        if document.subject_type == "agreement":
            agreement = session.get(Agreement, document.subject_id)
            if agreement is not None:
                agreement.status = rules.follow(agreement.status, AgreementStatus.ACTIVE)
        outgoing = signed_copies(session, document, case, rows, digest)
        copies = mail_queue.enqueue(session, outgoing, now)
        uow.audit(
            "document.sealed",
            "document_version",
            version_id,
            {"sealed_sha256": digest, "evidence": len(rows), "copies": copies},
        )
    return FinishStatus.DONE


def _seal(
    engine: DocumentEngine,
    deps: Deps,
    case: Case,
    document: Document,
    version: DocumentVersion,
    rows: list[tuple[SignatureRequest, Signature]],
    orgs: dict[int, str],
    now: datetime,
) -> str:
    """The sealed PDF, stored; its hash. The file is the signed version, its evidence page
    with a visible seal stamp, and two attachments: the evidence JSON and the exact bytes
    the parties signed, so that anyone holding only this file can recompute the
    fingerprint every signature names."""
    if not rows:  # the claim checked it; a seal without signatures must never exist
        raise RuntimeError("no signatures to seal")
    assert version.pdf_sha256 is not None
    evidence = [SignatureEvidence.from_dict(sig.evidence) for _, sig in rows]
    identity = DocumentIdentity(
        document_id=str(document.id),
        version=str(version.number),
        sha256=version.pdf_sha256,
        title=document.title,
    )
    signed = engine.store.get(version.pdf_sha256)
    signed_pages = len(PdfReader(io.BytesIO(signed)).pages)
    holder = seal_holder(deps)
    page = evidence_page(
        engine,
        deps,
        case.reference or str(case.id),
        document,
        version,
        rows,
        orgs,
        now,
        signed=(len(signed), signed_pages),
        holder=holder,
    )
    combined = append_page(signed, page)
    pages = len(PdfReader(io.BytesIO(combined)).pages)
    bundle = evidence_bundle(identity, evidence, generated_at=now, signed_document_size=len(signed))
    sealed = seal_pdf(
        attach_evidence(combined, bundle, signed_document=signed),
        pkcs12_path=deps.settings.effective_seal_pkcs12,
        password=deps.settings.effective_seal_password,
        reason=f"{document.title} {case.reference}: {signed_by(rows, orgs)}",
        location=deps.settings.letterhead_city,
        contact=deps.settings.letterhead_email,
        timestamp_url=deps.settings.timestamp_url or None,
        trust_roots=deps.settings.seal_trust_roots,
        stamp=stamp(page, signed_pages, pages, holder, now),
    )
    return engine.store.put(sealed)


def _failed(
    deps: Deps, document_id: int, version_id: int, attempt: int, reason: str, now: datetime
) -> None:
    with unit_of_work(deps, "system:worker", now) as uow:
        version = _still_ours(uow.session, document_id, version_id, attempt)
        if version is None:
            return
        version.finish_status, version.finish_error = FinishStatus.FAILED, reason[:1000]
        uow.audit(
            "document.finish_failed", "document_version", version_id, {"reason": reason[:300]}
        )
