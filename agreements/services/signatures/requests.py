"""Use cases for signature requests: one per party for an exact version, voided by a new
version, managed by coordinators (revoke, extend, new contact)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agreements.db.models import (
    Agreement,
    Case,
    Document,
    DocumentVersion,
    SignatureRequest,
    User,
)
from agreements.domain import rules
from agreements.domain.enums import (
    AgreementStatus,
    DocumentStatus,
    RequestStatus,
)
from agreements.domain.errors import (
    Conflict,
    NotFound,
    SignaturesWouldLapse,
    Signer,
    ValidationFailed,
)
from agreements.domain.policy import Action, Actor
from agreements.services.cases.names import case_label
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.jobs import Job
from agreements.services.mail import queue as mail_queue
from agreements.services.mail import send as mail
from agreements.services.signatures.parties import case_parties, check_lines, document_lines
from agreements.services.signatures.signers import greeting_name
from agreements.services.signatures.state import FULLY_SIGNED, lock_document, refuse_while_sealing
from agreements.services.uow import UnitOfWork, reading, unit_of_work


def signing_roles(version: DocumentVersion, engine: DocumentEngine) -> tuple[str, ...]:
    """Who signs a version: the parties its template names, in the template's order."""
    return engine.catalogue.get(version.template_name, version.template_version).parties


def send_for_signature(
    version_id: int,
    roles: tuple[str, ...],
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    ordered: bool = False,
    confirm_void: bool = False,
) -> list[SignatureRequest]:
    """One request per party for this exact version; those to invite now are invited once the
    requests are committed (returned too). Requests of other versions lapse: signed ones only
    with `confirm_void`, as for a new version."""
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        version, document, case = uow.version(version_id, Action.WRITE)
        # Two coordinators pressing "send" at once must not make two sets of requests, and
        # the voiding below must not meet a seal or a last signature half-way.
        lock_document(session, document.id)
        session.refresh(version)
        if document.kind == "dossier":
            raise Conflict("a dossier is sealed by the service; nobody signs it")
        if version.status is not DocumentStatus.READY or version.pdf_sha256 is None:
            raise Conflict(f"the document is not ready (status: {version.status.value})")
        if session.scalar(
            select(SignatureRequest.id)
            .where(
                SignatureRequest.version_id == version_id,
                SignatureRequest.status != RequestStatus.VOIDED,
            )
            .limit(1)
        ):
            raise Conflict("this version was already sent for signature")
        refuse_while_sealing(session, document.id, now, "another version can be sent for signature")
        _void_other_versions(uow, document.id, version_id, confirmed=confirm_void)
        expires = now + timedelta(days=deps.settings.signature_days)
        specs = case_parties(session, case, roles)
        check_lines(document_lines(version.data, roles), specs)
        requests = []
        for position, spec in enumerate(specs, start=1):
            requests.append(
                SignatureRequest(
                    version_id=version_id,
                    document_sha256=version.pdf_sha256,
                    party_role=spec.role,
                    party_name=spec.name,
                    email=spec.email,
                    organisation_id=spec.organisation_id,
                    user_id=spec.user_id,
                    capacity=spec.capacity,
                    position=position if ordered else 0,
                    status=RequestStatus.PENDING,
                    expires_at=expires,
                    created_at=now,
                    sends=0,
                    decline_reason="",
                    contact_history=[],
                )
            )
        session.add_all(requests)
        if document.subject_type == "agreement":
            agreement = session.get(Agreement, document.subject_id)
            if agreement is not None:
                agreement.status = rules.follow(agreement.status, AgreementStatus.OUT_FOR_SIGNATURE)
        session.flush()
        uow.audit(
            "signing.send",
            "document_version",
            version_id,
            {"case": case.id, "parties": [r.party_role for r in requests], "ordered": ordered},
        )
        invite = [r for r in requests if r.position <= 1]
        for request in invite:  # after the commit: the worker can find them
            uow.enqueue(Job.INVITE, request.id)
    return invite


# What a new version voids: every request of another version still open or answered.
_VOIDABLE = (
    RequestStatus.PENDING,
    RequestStatus.PAUSED,
    RequestStatus.SIGNED,
    RequestStatus.DECLINED,
)


def _void_other_versions(uow: UnitOfWork, document_id: int, keep: int, *, confirmed: bool) -> None:
    """A new version means everyone signs again: requests for older versions lapse. Where
    someone has signed, only once the person making it confirmed (`SignaturesWouldLapse`
    names them otherwise); each signer, and each party holding a link, is told by e-mail.
    The caller holds the document's lock (`lock_document`)."""
    # A version every party signed keeps its signatures, sealed or still to be sealed: they
    # are what its seal is made of (voiding them once sealed a document with no evidence).
    others = select(DocumentVersion.id).where(
        DocumentVersion.document_id == document_id,
        DocumentVersion.id != keep,
        DocumentVersion.finish_status.not_in(FULLY_SIGNED),
    )
    lapsing = list(
        uow.session.scalars(
            select(SignatureRequest)
            .where(SignatureRequest.version_id.in_(others), SignatureRequest.status.in_(_VOIDABLE))
            .order_by(SignatureRequest.id)
        )
    )
    if not lapsing:
        return
    signers = tuple(
        Signer(r.party_name, r.party_role, r.done_at or r.created_at)
        for r in lapsing
        if r.status is RequestStatus.SIGNED
    )
    if signers and not confirmed:
        raise SignaturesWouldLapse(signers)
    told = [r for r in lapsing if _to_tell(r)]
    was = {r.id: r.status for r in lapsing}
    uow.session.execute(
        update(SignatureRequest)
        .where(SignatureRequest.id.in_(list(was)))
        .values(status=RequestStatus.VOIDED, done_at=uow.now)
        .execution_options(synchronize_session="fetch")
    )
    uow.audit(
        "signing.void",
        "document",
        document_id,
        {
            "requests": len(lapsing),
            "kept_version": keep,
            "signed": [r.id for r in lapsing if was[r.id] is RequestStatus.SIGNED],
            "confirmed": confirmed,
        },
    )
    for request in lapsing:
        detail = {"was": was[request.id].value, "told": request in told}
        uow.audit("signing.voided", "signature_request", request.id, detail)
    _tell_voided(uow, document_id, told, was)


def _to_tell(request: SignatureRequest) -> bool:
    """Who hears that a request lapsed: a signer, or a party who was sent a link."""
    if not request.email:
        return False
    if request.status is RequestStatus.SIGNED:
        return True
    return request.status in (RequestStatus.PENDING, RequestStatus.PAUSED) and request.sends > 0


def _tell_voided(
    uow: UnitOfWork,
    document_id: int,
    told: list[SignatureRequest],
    was: dict[int, RequestStatus],
) -> None:
    """One queued e-mail per party told, written in the voiding's transaction."""
    if not told:
        return
    document = uow.session.get(Document, document_id)
    case = uow.session.get(Case, document.case_id) if document else None
    assert document is not None and case is not None
    ask = coordinator_email(uow.session, told[0].version_id)
    label = case_label(uow.session, case)
    messages = []
    for request in told:
        text = mail.signatures_voided(
            name=greeting_name(uow.session, request),
            title=document.title,
            reference=label,
            signed=was[request.id] is RequestStatus.SIGNED,
            ask=ask,
        )
        messages.append(mail_queue.Outgoing(request.email or "", text.subject, text.body))
    mail_queue.enqueue(uow.session, messages, uow.now)
    uow.enqueue(Job.MAIL)


def void_for_new_version(uow: UnitOfWork, version: DocumentVersion, *, confirmed: bool) -> None:
    """Inside the unit of work that made `version`: the older versions' requests lapse
    (`confirmed`: the person who made it agreed that signatures given lapse too)."""
    _void_other_versions(uow, version.document_id, version.id, confirmed=confirmed)


def next_in_turn(version_id: int, *, deps: Deps) -> list[int]:
    """In an ordered signing, the requests whose turn it is now and who have no link yet."""
    with deps.db() as session:
        return requests_in_turn(session, version_id)


def requests_in_turn(session: Session, version_id: int) -> list[int]:
    """`next_in_turn` inside the caller's transaction (which may have just signed one)."""
    first = session.execute(
        select(SignatureRequest.id, SignatureRequest.position, SignatureRequest.sends)
        .where(
            SignatureRequest.version_id == version_id,
            SignatureRequest.status == RequestStatus.PENDING,
        )
        .order_by(SignatureRequest.position)
        .limit(1)
    ).first()
    if first is None or first.position == 0:  # nobody left, or everyone signs in parallel
        return []
    return [first.id] if first.sends == 0 else []


def manage_request(
    request_id: int,
    action: str,
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    days: int = 0,
    email: str | None = None,
) -> SignatureRequest:
    """Coordinators revoke, extend, resend (a new link, one more day) or replace a party's
    contact (history kept); a resent or new contact's invitation goes out after the commit.
    A request paused by another party's decline can only be revoked."""
    invite = action in {"resend", "contact"}
    if action == "resend":  # logged as the extension it is
        action, days = "extend", 1
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        request = session.get(SignatureRequest, request_id)
        if request is None:
            raise NotFound("signature request", request_id)
        uow.version(request.version_id, Action.WRITE, reported_as=("signature request", request_id))
        paused = request.status is RequestStatus.PAUSED
        if paused and action != "revoke":  # a new link would only show the pause
            raise Conflict("signing is paused because a party declined: make a new version")
        if request.status is not RequestStatus.PENDING and not paused:
            raise Conflict(f"this request is {request.status.label}; nothing to change")
        detail: dict[str, Any] = {}
        if action == "revoke":
            request.status, request.done_at = RequestStatus.REVOKED, now
        elif action == "extend":
            if not 1 <= days <= 90:
                raise ValidationFailed.one("days", "between 1 and 90")
            request.expires_at = max(request.expires_at, now) + timedelta(days=days)
            detail["expires_at"] = request.expires_at.isoformat()
        elif action == "contact":
            if not email or "@" not in email:
                raise ValidationFailed.one("email", "not an e-mail address")
            request.contact_history = [
                *request.contact_history,
                {"email": request.email, "until": now.isoformat()},
            ]
            request.email = email
        uow.audit(f"signing.{action}", "signature_request", request_id, detail)
        if invite:
            uow.enqueue(Job.INVITE, request_id)
    return request


def requests_for(version_id: int, *, deps: Deps, actor: Actor) -> list[SignatureRequest]:
    with reading(deps, actor) as uow:
        session = uow.session
        uow.version(version_id, Action.READ)
        return list(
            session.scalars(
                select(SignatureRequest)
                .where(SignatureRequest.version_id == version_id)
                .order_by(SignatureRequest.id)
            )
        )


def coordinator_email(session: Session, version_id: int) -> tuple[str, str] | None:
    version = session.get(DocumentVersion, version_id)
    document = session.get(Document, version.document_id) if version else None
    case = session.get(Case, document.case_id) if document else None
    user = session.get(User, case.coordinator_id) if case else None
    return (user.name, user.email) if user else None
