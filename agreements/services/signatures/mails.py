"""The mail a signature leads to: each signer's sealed copy, the coordinator's notice of a
party who declined."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agreements.db.models import Case, Document, DocumentVersion, Signature, SignatureRequest
from agreements.domain.enums import RequestStatus
from agreements.services.cases.names import case_label
from agreements.services.context import Deps
from agreements.services.mail import queue as mail_queue
from agreements.services.mail import send as mail
from agreements.services.signatures.requests import coordinator_email
from agreements.services.signatures.signers import greeting_name


def signed_copies(
    session: Session,
    document: Document,
    case: Case,
    rows: list[tuple[SignatureRequest, Signature]],
    sealed_sha256: str,
) -> list[mail_queue.Outgoing]:
    """Each signer's copy of the sealed document: one queued e-mail per address, the PDF
    attached by the mail queue when it is sent (the queue holds its hash, not its bytes)."""
    reference = case.reference or str(case.id)
    label = case_label(session, case)
    copies = []
    for request, _ in rows:
        if not request.email:
            continue
        message = mail.signed_copy(
            name=greeting_name(session, request), title=document.title, reference=label
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


def declined_mail(request_id: int, *, deps: Deps) -> tuple[str, mail.Mail] | None:
    """To whom and what to mail when a party declined: the case's coordinator hears why."""
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
            reference=case_label(session, case),
            reason=request.decline_reason,
        )


def addressed(request_id: int, *, deps: Deps) -> tuple[str, str]:
    """Whom an invitation greets (a person's name) and how its subject names the case."""
    with deps.db() as session:
        request = session.get(SignatureRequest, request_id)
        version = session.get(DocumentVersion, request.version_id) if request else None
        document = session.get(Document, version.document_id) if version else None
        case = session.get(Case, document.case_id) if document else None
        if request is None or case is None:
            return "", ""
        return greeting_name(session, request), case_label(session, case)
