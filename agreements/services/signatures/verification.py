"""Verifying any PDF that claims to come from the service: our hash and our seal."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import Case, Document, DocumentVersion, SealRenewal, SignatureRequest
from agreements.domain.enums import RequestStatus
from agreements.services.context import Deps
from agreements.services.signatures.signers import described
from signing.certs import load_pem_certificates, load_pkcs12_certificate
from signing.evidence import SIGNED_DOCUMENT_FILENAME
from signing.verify import VerificationReport, verify_pdf


def our_certificate(path: Path, password: str) -> Any:
    """The service's sealing certificate, which verifying trusts; decrypting the PKCS#12 file
    costs milliseconds, so it is loaded again only when the file changes."""
    return _load_certificate(str(path), path.stat().st_mtime_ns, password)


@lru_cache(maxsize=4)
def _load_certificate(path: str, mtime_ns: int, password: str) -> Any:
    del mtime_ns  # part of the cache key only
    return load_pkcs12_certificate(path, password)


def trust_roots(deps: Deps) -> list[Any]:
    """The extra trust roots (`seal_trust_roots`): the time stamp authority's root, a
    qualified seal's CA; they vouch for chains only, never for whose seal it is."""
    paths = deps.settings.seal_trust_roots
    # A missing file keeps mtime -1, and loading it says which file is missing.
    files = tuple((str(p), p.stat().st_mtime_ns if p.exists() else -1) for p in paths)
    return list(_load_roots(files))


@lru_cache(maxsize=4)
def _load_roots(files: tuple[tuple[str, int], ...]) -> tuple[Any, ...]:
    return tuple(load_pem_certificates(path for path, _mtime in files))


def signed_copy_line(report: VerificationReport) -> str:
    """In Dutch, one line: did the signed document embedded in the file give the fingerprint
    every signature names (recomputed from the file alone)?"""
    digest = report.signed_document_sha256
    if report.signed_document_matches:
        count = len((report.evidence or {}).get("signatures") or [])
        return (
            f"Vingerafdruk klopt: de bijlage {SIGNED_DOCUMENT_FILENAME} heeft SHA-256 {digest}, "
            f"dezelfde als in alle {count} handtekeningen."
        )
    if report.signed_document_matches is False:
        return (
            f"Vingerafdruk klopt niet: de bijlage {SIGNED_DOCUMENT_FILENAME} heeft SHA-256 "
            f"{digest}, niet die uit de handtekeningen."
        )
    if digest is None:
        return (
            f"Geen bijlage {SIGNED_DOCUMENT_FILENAME}: de vingerafdruk van het ondertekende "
            "document is niet uit dit bestand na te rekenen (verzegeld voor die bijlage bestond)."
        )
    return (
        f"De bijlage {SIGNED_DOCUMENT_FILENAME} heeft SHA-256 {digest}; het bestand bevat geen "
        "handtekeningen om die mee te vergelijken."
    )


# asn1crypto's names for the parts of a certificate's subject, as a Dutch reader says them.
_SUBJECT_NL = {
    "Common Name": "Naam",
    "Organization": "Organisatie",
    "Organizational Unit": "Afdeling",
    "Organization Identifier": "Organisatienummer",
    "Country": "Land",
    "Locality": "Plaats",
    "State/Province": "Provincie",
    "Email Address": "E-mailadres",
    "Serial Number": "Serienummer",
}


def subject_nl(subject: str | None) -> str:
    """A certificate's holder as the verify page shows it: `Naam: ..., Organisatie: ...`."""
    said = subject or ""
    for english, dutch in _SUBJECT_NL.items():
        said = said.replace(f", {english}: ", f", {dutch}: ")
        if said.startswith(f"{english}: "):
            said = f"{dutch}: " + said[len(english) + 2 :]
    return said


def _sealed_version(session: Session, digest: str) -> DocumentVersion | None:
    """The version sealed as `digest`: its file now, or one it had before a renewal of its
    archive time stamp (copies sent earlier are still ours)."""
    version = session.scalar(
        select(DocumentVersion).where(DocumentVersion.sealed_sha256 == digest).limit(1)
    )
    if version is None:
        renewed = select(SealRenewal.version_id).where(SealRenewal.previous_sha256 == digest)
        version = session.scalar(
            select(DocumentVersion).where(DocumentVersion.id.in_(renewed)).limit(1)
        )
    return version


def _named(parties: Any, evidence: Any) -> list[dict[str, Any]]:
    """Each signed party with the person the file's own evidence names for it: their name,
    and for an organisation their function and mandate."""
    records = {
        (str(e.get("party_role")), str(e.get("party_name"))): e
        for e in (evidence or {}).get("signatures") or []
        if isinstance(e, dict) and not e.get("declined")
    }
    named = []
    for role, name, at in parties:
        record = records.get((role, name), {})
        named.append(
            {
                "role": role,
                "name": name,
                "signed_at": at.isoformat() if at else None,
                "signer": record.get("typed_name"),
                "function": record.get("signatory_function"),
                "mandate": record.get("signatory_mandate"),
                "organisation": record.get("organisation"),
                "described": described(record) if record else name,
            }
        )
    return named


@dataclass(frozen=True)
class Verification:
    report: VerificationReport
    summary: dict[str, Any]


def verify(pdf: bytes, *, deps: Deps) -> Verification:
    """Is this PDF a document the service sealed, unchanged? Checks our hash and the seal."""
    with deps.db() as session:

        def known(digest: str) -> bool:
            return _sealed_version(session, digest) is not None

        cert_path = deps.settings.effective_seal_pkcs12
        trusted = (
            [our_certificate(cert_path, deps.settings.effective_seal_password)]
            if cert_path.exists()
            else []
        )
        report = verify_pdf(
            pdf, trusted_certs=trusted, trust_roots=trust_roots(deps), known_hash=known
        )
        summary: dict[str, Any] = {}
        if report.ok and report.file_sha256:
            recorded = report.recorded_sha256 or report.file_sha256
            version = _sealed_version(session, recorded)
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
                    "parties": _named(parties, report.evidence),
                }
    if report.ok:
        summary["signed_document"] = {
            "file": SIGNED_DOCUMENT_FILENAME,
            "sha256": report.signed_document_sha256,
            "matches": report.signed_document_matches,
            "text_nl": signed_copy_line(report),
        }
    return Verification(report, summary)
