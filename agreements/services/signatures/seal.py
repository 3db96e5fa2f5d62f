"""Finishing a fully signed version exactly once (evidence page, evidence JSON, seal) and
verifying any PDF that claims to come from the service."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
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
from agreements.domain.enums import AgreementStatus, FinishStatus, RequestStatus
from agreements.services.audit import log as audit
from agreements.services.context import Deps
from agreements.services.documents import data as document_data
from agreements.services.documents.engine import DocumentEngine
from agreements.services.mail import queue as mail_queue
from agreements.services.mail import send as mail
from agreements.services.signatures.sign import CONSENT_TEXT
from agreements.services.signatures.state import (
    FINISH_STALE,
    MAX_FINISH_ATTEMPTS,
    lock_document,
    signed_requests,
)
from signing.certs import load_pkcs12_certificate
from signing.evidence import DocumentIdentity, SignatureEvidence, attach_evidence, evidence_bundle
from signing.seal import seal_pdf
from signing.verify import VerificationReport, verify_pdf
from templates.render import render_docx

log = logging.getLogger("agreements.finishing")
ROLE_NL = {
    "tenant": "Huurder",
    "representative": "Vertegenwoordiger",
    "corporation": "Woningcorporatie",
    "coordinator": "Coördinator",
    "municipality": "Gemeente",
}
_METHOD_NL = {
    "link": "via persoonlijke link",
    "staff_session": "ingelogd als medewerker",
    "in_person": "persoonlijk, met getuige",
}


def _claim(deps: Deps, version_id: int, now: datetime) -> int | None:
    """Take the version for sealing if every party signed it: the attempt number (this
    seal's claim), or None. One worker seals it, never two; and the check is made here,
    under the document's lock, whatever the caller believed."""
    with deps.db.begin() as session:
        version = session.get(DocumentVersion, version_id)
        if version is None:
            return None
        lock_document(session, version.document_id)
        session.refresh(version)
        if version.finish_status is FinishStatus.DONE:
            return None
        if signed_requests(session, version_id) is None:
            _not_fully_signed(session, deps, version, now)
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


def _not_fully_signed(
    session: Session, deps: Deps, version: DocumentVersion, now: datetime
) -> None:
    """A version waiting for its seal that some party has not signed: it is not sealed."""
    if version.finish_status is FinishStatus.NOT_READY:
        return
    version.finish_status = FinishStatus.NOT_READY
    version.finish_error = "not every party has signed this version: it is not sealed"
    audit.record(
        session,
        deps,
        actor="system:worker",
        action="document.finish_refused",
        subject_type="document_version",
        subject_id=version.id,
        now=now,
        detail={"reason": version.finish_error},
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
    with deps.db.begin() as session:
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
            if agreement is not None and agreement.status is AgreementStatus.OUT_FOR_SIGNATURE:
                agreement.status = AgreementStatus.ACTIVE
        copies = mail_queue.enqueue(session, _signed_copies(document, case, rows, digest), now)
        audit.record(
            session,
            deps,
            actor="system:worker",
            action="document.sealed",
            subject_type="document_version",
            subject_id=version_id,
            now=now,
            detail={"sealed_sha256": digest, "evidence": len(rows), "copies": copies},
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
    """The sealed PDF (the version, its evidence page and evidence JSON), stored; its hash."""
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
    page = _evidence_page(
        engine, deps, case.reference or str(case.id), document, version, rows, orgs, now
    )
    combined = _append(engine.store.get(version.pdf_sha256), page)
    bundle = evidence_bundle(identity, evidence, generated_at=now)
    sealed = seal_pdf(
        attach_evidence(combined, bundle),
        pkcs12_path=deps.settings.effective_seal_pkcs12,
        password=deps.settings.effective_seal_password,
        reason=f"{document.title} {case.reference}: door alle partijen ondertekend",
        location=deps.settings.letterhead_city,
        contact=deps.settings.letterhead_email,
        timestamp_url=deps.settings.timestamp_url or None,
    )
    return engine.store.put(sealed)


def _failed(
    deps: Deps, document_id: int, version_id: int, attempt: int, reason: str, now: datetime
) -> None:
    with deps.db.begin() as session:
        version = _still_ours(session, document_id, version_id, attempt)
        if version is None:
            return
        version.finish_status, version.finish_error = FinishStatus.FAILED, reason[:1000]
        audit.record(
            session,
            deps,
            actor="system:worker",
            action="document.finish_failed",
            subject_type="document_version",
            subject_id=version_id,
            now=now,
            detail={"reason": reason[:300]},
        )


def _signed_copies(
    document: Document,
    case: Case,
    rows: list[tuple[SignatureRequest, Signature]],
    sealed_sha256: str,
) -> list[mail_queue.Outgoing]:
    """Each signer's copy of the sealed document: one queued e-mail per address, the PDF
    attached by the mail queue when it is sent (the queue holds its hash, not its bytes)."""
    reference = case.reference or str(case.id)
    copies = []
    for request, _ in rows:
        if not request.email:
            continue
        message = mail.signed_copy(
            name=request.party_name, title=document.title, reference=reference
        )
        copies.append(
            mail_queue.Outgoing(
                request.email,
                message.subject,
                message.body,
                attachment_name=f"{reference}-ondertekend.pdf",
                attachment_sha256=sealed_sha256,
            )
        )
    return copies


def _evidence_page(
    engine: DocumentEngine,
    deps: Deps,
    reference: str,
    document: Document,
    version: DocumentVersion,
    rows: list[Any],
    orgs: dict[int, str],
    now: datetime,
) -> bytes:
    template = engine.catalogue.get("evidence_page")
    data = {
        "organisation": document_data.letterhead(deps.settings),
        "case": {"reference": reference},
        "document": {
            "title": document.title,
            "version": version.number,
            "sha256": version.pdf_sha256,
        },
        "signatures": [
            {
                "role": (
                    request.capacity or ROLE_NL.get(request.party_role, request.party_role)
                ).capitalize(),
                "name": sig.evidence["typed_name"],
                "organisation": orgs.get(request.organisation_id or 0, ""),
                "signed_at": sig.evidence["signed_at"],
                "method": _METHOD_NL.get(
                    sig.evidence["identified_by"], sig.evidence["identified_by"]
                ),
                "identified_by": (
                    f"getuige: {sig.evidence['witness_name']}"
                    if sig.evidence.get("witness_name")
                    else request.party_name
                ),
            }
            for request, sig in rows
        ],
        "consent": {"version": deps.settings.consent_version, "text": CONSENT_TEXT},
        "finalised_at": now.isoformat(),
    }
    docx = render_docx(template.read_bytes(), data, time_limit=engine.settings.render_time_limit)
    return engine.converter.convert(docx)


def _append(original: bytes, page: bytes) -> bytes:
    # Cloning keeps the original's outline, metadata and attachments (manifest, source).
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(original)))
    first = len(writer.pages)
    writer.append(PdfReader(io.BytesIO(page)), import_outline=False)
    writer.add_outline_item(title="Ondertekeningsbewijs", page_number=first)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _our_certificate(path: Path, password: str) -> Any:
    # Decrypting the PKCS#12 file costs milliseconds; it changes only when the file does.
    return _load_certificate(str(path), path.stat().st_mtime_ns, password)


@lru_cache(maxsize=4)
def _load_certificate(path: str, mtime_ns: int, password: str) -> Any:
    del mtime_ns  # part of the cache key only
    return load_pkcs12_certificate(path, password)


@dataclass(frozen=True)
class Verification:
    report: VerificationReport
    summary: dict[str, Any]


def verify(pdf: bytes, *, deps: Deps) -> Verification:
    """Is this PDF a document the service sealed, unchanged? Checks our hash and the seal."""
    with deps.db() as session:

        def known(digest: str) -> bool:
            return (
                session.scalar(
                    select(DocumentVersion.id)
                    .where(DocumentVersion.sealed_sha256 == digest)
                    .limit(1)
                )
                is not None
            )

        cert_path = deps.settings.effective_seal_pkcs12
        trusted = (
            [_our_certificate(cert_path, deps.settings.effective_seal_password)]
            if cert_path.exists()
            else []
        )
        report = verify_pdf(pdf, trusted_certs=trusted, known_hash=known)
        summary: dict[str, Any] = {}
        if report.ok and report.file_sha256:
            version = session.scalar(
                select(DocumentVersion).where(DocumentVersion.sealed_sha256 == report.file_sha256)
            )
            if version is not None:
                document = session.get(Document, version.document_id)
                case = session.get(Case, document.case_id) if document else None
                parties = session.execute(
                    select(
                        SignatureRequest.party_role,
                        SignatureRequest.party_name,
                        SignatureRequest.done_at,
                    ).where(
                        SignatureRequest.version_id == version.id,
                        SignatureRequest.status == RequestStatus.SIGNED,
                    )
                ).all()
                summary = {
                    "document": document.title if document else "",
                    "case": case.reference if case else "",
                    "version": version.number,
                    "sealed_at": version.sealed_at.isoformat() if version.sealed_at else None,
                    "parties": [
                        {"role": r, "name": n, "signed_at": t.isoformat() if t else None}
                        for r, n, t in parties
                    ],
                }
    return Verification(report, summary)


def declined_mail(request_id: int, *, deps: Deps) -> tuple[str, mail.Mail] | None:
    from agreements.services.signatures.sign import coordinator_email

    with deps.db() as session:
        request = session.get(SignatureRequest, request_id)
        if request is None or request.status is not RequestStatus.DECLINED:
            return None
        version = session.get(DocumentVersion, request.version_id)
        document = session.get(Document, version.document_id) if version else None
        case = session.get(Case, document.case_id) if document else None
        contact = coordinator_email(session, request.version_id)
        if contact is None or document is None or case is None:
            return None
        return contact[1], mail.declined_notice(
            coordinator=contact[0],
            party=request.party_name,
            title=document.title,
            reference=case.reference or str(case.id),
            reason=request.decline_reason,
        )
