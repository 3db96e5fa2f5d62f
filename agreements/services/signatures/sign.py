"""Use cases for signing: a party signs or declines through their link, staff from their
session or as witness of an in-person signing; exactly once, whatever races."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from agreements.db.models import (
    Document,
    DocumentVersion,
    Signature,
    SignatureRequest,
    User,
)
from agreements.domain import consent, text
from agreements.domain.enums import FinishStatus, RequestStatus, Role
from agreements.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    LinkUnusable,
    NotFound,
    ValidationFailed,
)
from agreements.domain.policy import Action, Actor
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.jobs import Job
from agreements.services.signatures import codes, signers
from agreements.services.signatures.links import (  # re-exported: one way in for callers
    LinkView,
    issue_link,
    link_coordinator,
    lock_request,
    new_link,
    not_yet_their_turn,
    open_link,
    read_signed_copy,
    readable_until,
    view_for_token,
)
from agreements.services.signatures.parties import PartySpec
from agreements.services.signatures.requests import (  # re-exported: one way in for callers
    coordinator_email,
    manage_request,
    next_in_turn,
    requests_for,
    requests_in_turn,
    send_for_signature,
    signing_roles,
    void_for_new_version,
)
from agreements.services.signatures.state import signed_requests
from agreements.services.uow import UnitOfWork, reading, unit_of_work
from signing.evidence import Identification, RepresentativeCapacity, SignatureEvidence
from signing.tokens import LinkState

PAUSED = "signing is paused: another party declined this version; the coordinator decides"
_CAPACITY = {
    "bewindvoerder": RepresentativeCapacity.ADMINISTRATOR,
    "mentor": RepresentativeCapacity.MENTOR,
    "curator": RepresentativeCapacity.CURATOR,
}


@dataclass(frozen=True)
class SignInput:
    typed_name: str
    consent_version: str
    ip: str | None = None
    user_agent: str | None = None
    drawn_png: bytes | None = None  # the drawn signature; the use case stores it
    # Who signs for an organisation: their function and on what authority (a MandateBasis
    # value and the detail that shows it); required when the party is an organisation.
    function: str = ""
    mandate_basis: str = ""
    mandate_detail: str = ""


@dataclass(frozen=True)
class Outcome:
    request_id: int
    version_id: int
    complete: bool  # every party signed: the worker can finish the document
    declined: bool = False


def sign_with_link(
    token: str,
    data: SignInput,
    *,
    deps: Deps,
    now: datetime,
    decline_reason: str | None = None,
    engine: DocumentEngine | None = None,
) -> Outcome:
    """Sign (or decline) through a link: exactly once, even when requests race. The link is
    looked up here, once, under its document's lock; a drawn signature is stored through
    `engine` once the signature is sure to count."""
    with unit_of_work(deps, "system:link", now) as uow:
        view = view_for_token(uow.session, deps, token, now, lock=True)
        if view is None:
            raise LinkUnusable(LinkState.UNKNOWN)
        if view.state is not LinkState.VALID:
            raise LinkUnusable(view.state)
        if view.waiting_for_others:
            raise Conflict("het is nog niet uw beurt: eerst tekenen de andere partijen")
        if view.paused:
            raise Conflict(PAUSED)
        how = codes.identification(  # a one-time code first, where the role needs one
            uow.session, view.request, deps.settings, declining=decline_reason is not None
        )
        return _record(
            uow,
            view.request,
            data,
            how,
            decline_reason=decline_reason,
            engine=engine,
        )


def witnessing(actor: Actor, request: SignatureRequest) -> bool:
    """A coordinator signing someone else's request witnesses that party signing in person."""
    return actor.role is Role.COORDINATOR and request.user_id != actor.user_id


def staff_signing(
    actor: Actor, request: SignatureRequest, now: datetime, *, witness: bool | None = None
) -> Identification:
    """How `actor` may sign `request` from a staff session now: for their own party, or (a
    coordinator) as witness of the tenant or representative signing in person; `witness`
    None: as `witnessing` says. Raises Forbidden or Conflict when they may not."""
    if witness is None:
        witness = witnessing(actor, request)
    if request.status is RequestStatus.PAUSED:
        raise Conflict(PAUSED)
    if witness:
        if actor.role is not Role.COORDINATOR:
            raise Forbidden("only a coordinator can witness an in-person signing")
        # Organisations sign for themselves; only the tenant (or the representative who
        # signs with the tenant) signs in person on the coordinator's tablet.
        if request.party_role not in {"tenant", "representative"}:
            raise Forbidden("only the tenant or the representative signs in person")
        how = Identification.IN_PERSON
    else:
        mine = request.user_id == actor.user_id or (
            actor.role is Role.PARTNER and request.organisation_id == actor.organisation_id
        )
        if not mine:
            raise Forbidden("this request is for another party")
        how = Identification.STAFF_SESSION
    if request.status is not RequestStatus.PENDING or request.expires_at <= now:
        raise Conflict(f"this request cannot be signed ({request.status.label})")
    return how


def may_sign(actor: Actor, request: SignatureRequest, now: datetime) -> bool:
    """Whether `staff_signing` lets `actor` sign `request` now (the page offers it if so)."""
    try:
        staff_signing(actor, request, now)
    except DomainError:
        return False
    return True


def request_to_sign(
    request_id: int, *, deps: Deps, actor: Actor, now: datetime
) -> tuple[SignatureRequest, DocumentVersion, Document]:
    """The request a staff member is about to sign, with its version and document; not found
    outside the actor's scope, refused as `staff_signing` says."""
    with reading(deps, actor, now) as uow:
        request, version, document = _staff_request(uow, request_id)
        staff_signing(actor, request, now)
        return request, version, document


def _staff_request(
    uow: UnitOfWork, request_id: int
) -> tuple[SignatureRequest, DocumentVersion, Document]:
    request = uow.session.get(SignatureRequest, request_id)
    if request is None:
        raise NotFound("signature request", request_id)
    version, document, _ = uow.version(
        request.version_id, Action.READ, reported_as=("signature request", request_id)
    )
    return request, version, document


def sign_as_staff(
    request_id: int,
    data: SignInput,
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    witness: bool = False,
    decline_reason: str | None = None,
    witness_name: str = "",
    engine: DocumentEngine | None = None,
) -> Outcome:
    """Staff sign for their organisation from their session, or (`witness`) a coordinator
    witnesses an in-person signing; the evidence names `witness_name`, the full name the
    witness typed (an account's name, "Coordinator", names nobody)."""
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        _, document, _ = _staff_request(uow, request_id)
        request = lock_request(
            session, document.id, select(SignatureRequest).where(SignatureRequest.id == request_id)
        )
        how = staff_signing(actor, request, now, witness=witness)
        if witness and not witness_name.strip():
            raise ValidationFailed.one("witness_name", "name the witness: their full name")
        if not_yet_their_turn(session, request):
            raise Conflict("it is not this party's turn yet: earlier parties sign first")
        return _record(
            uow,
            request,
            data,
            how,
            witness=actor if witness else None,
            signer=None if witness else actor,
            decline_reason=decline_reason,
            witness_name=witness_name,
            engine=engine,
        )


def _record(
    uow: UnitOfWork,
    request: SignatureRequest,
    data: SignInput,
    how: Identification,
    *,
    witness: Actor | None = None,
    signer: Actor | None = None,
    decline_reason: str | None = None,
    engine: DocumentEngine | None = None,
    witness_name: str = "",
) -> Outcome:
    session, deps, now = uow.session, uow.deps, uow.now
    declined = decline_reason is not None
    if data.drawn_png is not None and engine is None:
        raise TypeError("a drawn signature needs the document engine's store")
    if declined and not decline_reason.strip():  # type: ignore[union-attr]
        raise ValidationFailed.one("reason", "say why you do not sign")
    if not declined and not data.typed_name.strip():
        raise ValidationFailed.one("typed_name", "type your full name")
    # The text policy before anything is stored: the evidence page must always render.
    field, value = ("reason", decline_reason) if declined else ("typed_name", data.typed_name)
    refusal = text.find_refusal(value or "", multiline=declined)
    if refusal is not None:
        raise ValidationFailed.one(field, refusal.english())
    if data.consent_version != deps.settings.consent_version:
        raise ValidationFailed.one("consent_version", "the consent text has changed: reload")
    drawn = hashlib.sha256(data.drawn_png).hexdigest() if data.drawn_png else None
    organisation, person = signers.for_organisation(
        session, request, (data.function, data.mandate_basis, data.mandate_detail), declined
    )
    account = session.get(User, signer.user_id) if signer and signer.user_id else None
    try:
        evidence = SignatureEvidence(
            party_role=request.party_role,
            party_name=request.party_name,
            identified_by=how,
            document_sha256=request.document_sha256,
            signed_at=now,
            consent_text=consent.consent_text(data.consent_version, request.party_role),
            consent_version=data.consent_version,
            typed_name=data.typed_name.strip(),
            ip=data.ip,
            user_agent=(data.user_agent or "")[:300],
            representative_capacity=_CAPACITY.get(request.capacity or ""),
            drawn_signature_sha256=drawn,
            witness_name=witness_name.strip() if witness else None,
            declined=declined,
            decline_reason=decline_reason.strip() if decline_reason else None,
            organisation=organisation,
            signatory_function=person.function if person else None,
            signatory_mandate=person.mandate if person else None,
            signed_in_as=f"{account.name} ({account.email})" if account else None,
        )
    except ValueError as exc:
        raise ValidationFailed.one("signature", str(exc)) from None
    # The caller holds the document's lock: signatures of one version take turns, so the
    # last of two parties signing at the same moment sees that everyone has signed
    # (PostgreSQL's READ COMMITTED would otherwise let both see the other still pending: no
    # seal ever), and no new version voids this request half-way.
    # The status check in the WHERE clause is what makes signing happen exactly once.
    changed = session.execute(
        update(SignatureRequest)
        .where(SignatureRequest.id == request.id, SignatureRequest.status == RequestStatus.PENDING)
        .values(
            status=RequestStatus.DECLINED if declined else RequestStatus.SIGNED,
            done_at=now,
            decline_reason=decline_reason or "",
        )
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        raise LinkUnusable(LinkState.USED)
    if data.drawn_png and engine is not None:  # in the transaction: no signature without it
        engine.store.put(data.drawn_png)
    session.add(
        Signature(
            request_id=request.id,
            document_sha256=request.document_sha256,
            evidence=evidence.as_dict(),
            evidence_sha256=evidence.sha256(),
            drawn_png_sha256=drawn,
            witness_user_id=witness.user_id if witness else None,
            created_at=now,
        )
    )
    uow.audit(  # the entry names the party, whoever held the pen
        "signing.declined" if declined else "signing.signed",
        "signature_request",
        request.id,
        {"evidence_sha256": evidence.sha256(), "how": how.value},
        by=f"party:{request.party_role}",
    )
    complete = not declined and signed_requests(session, request.version_id) is not None
    if complete:
        version = session.get(DocumentVersion, request.version_id)
        assert version is not None
        version.finish_status = FinishStatus.PENDING
    # What follows, once committed: the coordinator hears of a refusal, a complete version
    # is sealed, in an ordered signing the next party is invited.
    if declined:
        _pause_the_others(uow, request)
        uow.enqueue(Job.DECLINED, request.id)
    elif complete:
        uow.enqueue(Job.FINISH, request.version_id)
    else:
        for next_id in requests_in_turn(session, request.version_id):
            uow.enqueue(Job.INVITE, next_id)
    return Outcome(request.id, request.version_id, complete, declined)


def _pause_the_others(uow: UnitOfWork, declined: SignatureRequest) -> None:
    """A decline stops the version: nobody else signs what one party refused, until the
    coordinator makes a new version (which voids the paused requests with the rest)."""
    paused = uow.session.execute(
        update(SignatureRequest)
        .where(
            SignatureRequest.version_id == declined.version_id,
            SignatureRequest.id != declined.id,
            SignatureRequest.status == RequestStatus.PENDING,
        )
        .values(status=RequestStatus.PAUSED)
        .execution_options(synchronize_session="fetch")
    ).rowcount  # type: ignore[attr-defined]
    if paused:
        uow.audit(
            "signing.paused",
            "document_version",
            declined.version_id,
            {"requests": paused, "declined_request": declined.id},
        )


__all__ = [
    "LinkUnusable",
    "LinkView",
    "Outcome",
    "PartySpec",
    "SignInput",
    "coordinator_email",
    "issue_link",
    "link_coordinator",
    "manage_request",
    "may_sign",
    "new_link",
    "next_in_turn",
    "open_link",
    "read_signed_copy",
    "readable_until",
    "request_to_sign",
    "requests_for",
    "send_for_signature",
    "sign_as_staff",
    "sign_with_link",
    "signing_roles",
    "staff_signing",
    "void_for_new_version",
    "witnessing",
]
