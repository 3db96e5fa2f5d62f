"""Finishing a fully signed version exactly once (evidence page, evidence JSON, seal) and
verifying any PDF that claims to come from the service."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from sqlalchemy import select, update

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
from agreements.services import audit, document_data, mail
from agreements.services.context import Deps
from agreements.services.rendering import DocumentEngine
from agreements.services.signing import CONSENT_TEXT
from signing.certs import load_pkcs12_certificate
from signing.evidence import DocumentIdentity, SignatureEvidence, attach_evidence, evidence_bundle
from signing.seal import seal_pdf
from signing.verify import VerificationReport, verify_pdf
from templates.render import render_docx

log = logging.getLogger("agreements.finishing")
MAX_FINISH_ATTEMPTS = 5
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


FINISH_STALE = timedelta(minutes=10)  # a seal "running" this long belonged to a dead worker


def _claim(deps: Deps, version_id: int, now: datetime) -> bool:
    """Take the version for sealing, atomically: one worker seals it, never two."""
    with deps.db.begin() as session:
        claimed = session.execute(  # type: ignore[attr-defined]
            update(DocumentVersion)
            .where(
                DocumentVersion.id == version_id,
                DocumentVersion.finish_attempts < MAX_FINISH_ATTEMPTS,
                (DocumentVersion.finish_status.in_([FinishStatus.PENDING, FinishStatus.FAILED]))
                | (
                    (DocumentVersion.finish_status == FinishStatus.RUNNING)
                    & (DocumentVersion.finish_started_at < now - FINISH_STALE)
                ),
            )
            .values(
                finish_status=FinishStatus.RUNNING,
                finish_started_at=now,
                finish_attempts=DocumentVersion.finish_attempts + 1,
            )
        ).rowcount
        return bool(claimed)


def finish_version(
    version_id: int, *, deps: Deps, engine: DocumentEngine, clock: Callable[[], datetime]
) -> FinishStatus:
    """Add the evidence page, embed the evidence and seal; idempotent and retried on failure."""
    if not _claim(deps, version_id, clock()):
        with deps.db() as session:
            version = session.get(DocumentVersion, version_id)
            return version.finish_status if version else FinishStatus.FAILED
    now = clock()
    try:
        with deps.db() as session:
            version = session.get(DocumentVersion, version_id)
            assert version is not None and version.pdf_sha256 is not None
            document = session.get(Document, version.document_id)
            case = session.get(Case, document.case_id) if document else None
            assert document is not None and case is not None
            rows = list(
                session.execute(
                    select(SignatureRequest, Signature)
                    .join(Signature, Signature.request_id == SignatureRequest.id)
                    .where(
                        SignatureRequest.version_id == version_id,
                        SignatureRequest.status == RequestStatus.SIGNED,
                    )
                )
            )
            orgs = {o.id: o.name for o in session.scalars(select(Organisation))}
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
        original = engine.store.get(version.pdf_sha256)
        combined = _append(original, page)
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
        digest = engine.store.put(sealed)
    except Exception as exc:  # every failure is visible on the version and retried
        log.exception("document.finish_failed", extra={"version": version_id})
        with deps.db.begin() as session:
            version = session.get(DocumentVersion, version_id)
            assert version is not None
            version.finish_status, version.finish_error = FinishStatus.FAILED, str(exc)[:1000]
            audit.record(
                session,
                deps,
                actor="system:worker",
                action="document.finish_failed",
                subject_type="document_version",
                subject_id=version_id,
                now=now,
                detail={"reason": str(exc)[:300]},
            )
        raise
    with deps.db.begin() as session:
        version = session.get(DocumentVersion, version_id)
        assert version is not None
        version.finish_status, version.finish_error = FinishStatus.DONE, ""
        version.sealed_sha256, version.sealed_at = digest, now
        if document.subject_type == "agreement":
            agreement = session.get(Agreement, document.subject_id)
            if agreement is not None and agreement.status is AgreementStatus.OUT_FOR_SIGNATURE:
                agreement.status = AgreementStatus.ACTIVE
        audit.record(
            session,
            deps,
            actor="system:worker",
            action="document.sealed",
            subject_type="document_version",
            subject_id=version_id,
            now=now,
            detail={"sealed_sha256": digest, "evidence": len(evidence)},
        )
    return FinishStatus.DONE


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
    return engine.converter.convert(render_docx(template.read_bytes(), data))


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


def signed_copy_mails(
    version_id: int, *, deps: Deps, engine: DocumentEngine
) -> list[tuple[str, mail.Mail]]:
    """Each signer's copy of the sealed document, addressed to them."""
    with deps.db() as session:
        version = session.get(DocumentVersion, version_id)
        if version is None or version.sealed_sha256 is None:
            return []
        document = session.get(Document, version.document_id)
        case = session.get(Case, document.case_id) if document else None
        assert document is not None and case is not None
        requests = list(
            session.scalars(
                select(SignatureRequest).where(
                    SignatureRequest.version_id == version_id,
                    SignatureRequest.status == RequestStatus.SIGNED,
                )
            )
        )
    pdf = engine.store.get(version.sealed_sha256)
    return [
        (
            r.email,
            mail.signed_copy(
                name=r.party_name,
                title=document.title,
                reference=case.reference or str(case.id),
                pdf=pdf,
            ),
        )
        for r in requests
        if r.email
    ]


def declined_mail(request_id: int, *, deps: Deps) -> tuple[str, mail.Mail] | None:
    from agreements.services.signing import coordinator_email

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
