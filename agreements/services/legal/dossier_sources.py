"""What the dossier is made of, read from the records: the case's documents, its judgments
and the excerpt of the audit log (care notes are never part of it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from agreements.db.blobs import BlobStore
from agreements.db.models import (
    Agreement,
    AuditEntry,
    Document,
    DocumentVersion,
    EvictionJudgment,
    Review,
    SignatureRequest,
)
from agreements.domain.enums import DocumentStatus
from agreements.domain.errors import Conflict
from templates.assemble import Bookmark, Chapter, outline
from templates.errors import DocumentError
from templates.filters import datum

MAX_AUDIT_ENTRIES = 2000  # a trajectory of years stays well under this; the cut is said
UNSIGNED = "NIET ONDERTEKEND"
_PARTS = {"agreement": 0, "payment_arrangement": 1, "review_minutes": 2}


def documents(session: Session, store: BlobStore, case_id: int) -> list[Chapter]:
    """Each agreement (sealed, else its latest version marked unsigned), arrangements, minutes."""
    query = (
        select(Document, DocumentVersion, Review.number)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .outerjoin(Review, (Document.subject_type == "review") & (Review.id == Document.subject_id))
        .where(
            Document.case_id == case_id,
            Document.kind.in_(_PARTS),
            DocumentVersion.status == DocumentStatus.READY,
        )
        .order_by(DocumentVersion.number)
    )
    latest: dict[int, tuple[Document, DocumentVersion, int | None]] = {}
    sealed: dict[int, DocumentVersion] = {}
    for found in session.execute(query):
        document, version = found[0], found[1]
        latest[document.id] = (document, version, found[2])
        if version.is_sealed:
            sealed[document.id] = version
    chosen = sorted(latest.values(), key=lambda d: (_PARTS[d[0].kind], d[2] or 0, d[0].id))
    chapters = []
    for document, newest, review_number in chosen:
        # The agreement that was signed counts, even if a newer draft was rendered since.
        version = sealed.get(document.id, newest) if document.kind == "agreement" else newest
        is_sealed = version.is_sealed
        digest = version.sealed_sha256 if is_sealed else version.pdf_sha256
        assert digest is not None
        title = f"{document.title} (versie {version.number})"
        if review_number is not None:
            title = f"{document.title} {review_number} (versie {version.number})"
        if is_sealed:
            title += ": ondertekend en verzegeld"
        elif document.kind == "agreement":
            title += ": " + UNSIGNED
        pdf, children = _stored_pdf(store, digest, title)
        chapters.append(
            Chapter(
                title,
                pdf,
                stamp=UNSIGNED if not is_sealed and document.kind == "agreement" else None,
                attach_as=f"{document.kind}-{document.id}-v{version.number}-verzegeld.pdf"
                if is_sealed
                else None,
                children=children,  # its annexes and evidence page, beneath its chapter
            )
        )
    return chapters


def _stored_pdf(store: BlobStore, digest: str, title: str) -> tuple[bytes, list[Bookmark]]:
    """A part as stored, with its bookmarks; a damaged or missing file stops the dossier."""
    try:
        pdf = store.get(digest)
        return pdf, outline(pdf)
    except (OSError, ValueError, DocumentError) as exc:
        raise Conflict(
            f"the stored file of {title} ({digest[:12]}…) is damaged or missing: {exc}"
        ) from None


def judgments(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case's eviction judgments, oldest first, as the judgment page shows them."""
    linked = {
        j
        for (j,) in session.execute(
            select(Agreement.eviction_judgment_id).where(Agreement.case_id == case_id)
        )
    }
    found = session.scalars(
        select(EvictionJudgment)
        .where(EvictionJudgment.case_id == case_id)
        .order_by(EvictionJudgment.judgment_date)
    )
    return [
        {
            "court": j.court,
            "case_number": j.case_number,
            "date": j.judgment_date.isoformat(),
            "served": datum(j.served_date) if j.served_date else "niet bekend",
            "ecli": j.ecli or "niet gepubliceerd",
            "decision": j.operative_decision,
            "conditions": j.suspension_conditions,
            "linked": "ja" if j.id in linked else "nee",
        }
        for j in found
    ]


def audit_excerpt(session: Session, case_id: int) -> tuple[list[dict[str, str]], bool]:
    """What was done in this case (writes, renders, signing, sealing); reads are left out.
    The second value says whether older entries were cut."""
    agreements = select(Agreement.id).where(Agreement.case_id == case_id)
    versions = select(DocumentVersion.id).join(Document).where(Document.case_id == case_id)
    requests = select(SignatureRequest.id).where(SignatureRequest.version_id.in_(versions))
    reviews = select(Review.id).where(Review.agreement_id.in_(agreements))

    def subject(kind: str, ids: Any) -> Any:
        return (AuditEntry.subject_type == kind) & AuditEntry.subject_id.in_(
            select(cast(ids.subquery().c.id, String))
        )

    # JSON read as text on both databases: SQLite's JSON_EXTRACT gives a number, PostgreSQL's
    # ->> gives text; the cast makes "12" of both.
    in_case = cast(AuditEntry.detail["case"].as_string(), String) == str(case_id)
    query = (
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject_type)
        .add_columns(AuditEntry.subject_id)
        .where(
            or_(
                in_case,
                (AuditEntry.subject_type == "case") & (AuditEntry.subject_id == str(case_id)),
                subject("agreement", agreements),
                subject("document_version", versions),
                subject("signature_request", requests),
                subject("review", reviews),
            ),
            ~AuditEntry.action.contains(".read", autoescape=True),
            # Not even that care notes were written: they are no part of any dossier.
            ~AuditEntry.action.contains("care_notes", autoescape=True),
            ~AuditEntry.action.in_(["case.list", "case.dossier"]),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(MAX_AUDIT_ENTRIES + 1)
    )
    found = list(session.execute(query))
    entries = [
        {"at": at.isoformat(), "actor": who, "action": action, "subject": f"{kind} {ident}"}
        for at, who, action, kind, ident in reversed(found[:MAX_AUDIT_ENTRIES])
    ]
    return entries, len(found) > MAX_AUDIT_ENTRIES
