"""Use cases for signing: requests per party, links, signing and declining, exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from agreements.db.models import (
    Case,
    Document,
    DocumentVersion,
    Signature,
    SignatureRequest,
)
from agreements.domain import text
from agreements.domain.enums import (
    FinishStatus,
    RequestStatus,
    Role,
)
from agreements.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from agreements.domain.policy import Action, Actor
from agreements.services.audit import log as audit
from agreements.services.context import Deps
from agreements.services.signatures.requests import (  # re-exported: one way in for callers
    PartySpec,
    coordinator_email,
    manage_request,
    next_in_turn,
    requests_for,
    send_for_signature,
    version_for,
    void_for_new_version,
)
from agreements.services.signatures.state import lock_document, signed_requests
from signing.evidence import Identification, RepresentativeCapacity, SignatureEvidence
from signing.tokens import LinkClaim, LinkState, StoredLink, link_state, new_token, token_digest

CONSENT_TEXT = (
    "Ik heb dit document gelezen. Ik ga akkoord met de afspraken die erin staan. Ik weet dat "
    "de partijen gegevens over mij met elkaar delen om mij te helpen, zoals in het document "
    "staat."
)
_CAPACITY = {
    "bewindvoerder": RepresentativeCapacity.ADMINISTRATOR,
    "mentor": RepresentativeCapacity.MENTOR,
    "curator": RepresentativeCapacity.CURATOR,
}


def issue_link(request_id: int, *, deps: Deps, now: datetime) -> tuple[SignatureRequest, str]:
    """A fresh link for a pending request; an older link of the same request stops working."""
    with deps.db.begin() as session:
        request = session.get(SignatureRequest, request_id)
        if request is None or request.status is not RequestStatus.PENDING:
            raise Conflict("only a pending request can get a link")
        return request, new_link(session, deps, request, now)


def new_link(session: Session, deps: Deps, request: SignatureRequest, now: datetime) -> str:
    """Inside the caller's transaction: the token itself exists only in what is mailed."""
    token = new_token()
    request.token_digest = token_digest(token, deps.token_key)
    request.sent_at, request.sends = now, request.sends + 1
    audit.record(
        session,
        deps,
        actor="system:mail",
        action="signing.link",
        subject_type="signature_request",
        subject_id=request.id,
        now=now,
    )
    return token


@dataclass(frozen=True)
class LinkView:
    """What a party's link shows: the request, its document version and the link's state."""

    request: SignatureRequest
    version: DocumentVersion
    document: Document
    case_reference: str
    state: LinkState
    waiting_for_others: bool


def open_link(token: str, *, deps: Deps, now: datetime) -> LinkView | None:
    """Read-only: opening a link (mail scanners do) changes nothing."""
    with deps.db() as session:
        return _view(session, deps, token, now)


def readable_until(view: LinkView, *, deps: Deps) -> datetime | None:
    """Until when a link shows its document: a pending link until it expires; a used one for
    `signed_link_days` after the party's answer or, if later, the seal; None: not at all."""
    if view.state is LinkState.VALID:
        return view.request.expires_at
    if view.state is not LinkState.USED or view.request.done_at is None:
        return None
    ended = max(view.request.done_at, view.version.sealed_at or view.request.done_at)
    return ended + timedelta(days=deps.settings.signed_link_days)


def link_coordinator(view: LinkView, *, deps: Deps) -> tuple[str, str] | None:
    """The name and e-mail of the case's coordinator: whom a party asks for a copy."""
    with deps.db() as session:
        return coordinator_email(session, view.version.id)


def _view(
    session: Session, deps: Deps, token: str, now: datetime, lock: bool = False
) -> LinkView | None:
    query = select(SignatureRequest).where(
        SignatureRequest.token_digest == token_digest(token, deps.token_key)
    )
    request = session.scalar(query)
    if request is None:
        return None
    version = session.get(DocumentVersion, request.version_id)
    assert version is not None
    if lock:
        request = _lock(session, version.document_id, query)
    document = session.get(Document, version.document_id)
    case = session.get(Case, document.case_id) if document else None
    assert document is not None and case is not None
    state = _state(request, token, deps, now)
    waiting = state is LinkState.VALID and _not_yet_their_turn(session, request)
    return LinkView(request, version, document, case.reference or str(case.id), state, waiting)


def _not_yet_their_turn(session: Session, request: SignatureRequest) -> bool:
    """In an ordered signing, someone earlier in the order has not signed yet."""
    if request.position <= 1:
        return False
    return (
        session.scalar(
            select(SignatureRequest.id)
            .where(
                SignatureRequest.version_id == request.version_id,
                SignatureRequest.position < request.position,
                SignatureRequest.position > 0,
                SignatureRequest.status != RequestStatus.SIGNED,
            )
            .limit(1)
        )
        is not None
    )


def _state(request: SignatureRequest, token: str, deps: Deps, now: datetime) -> LinkState:
    claim = LinkClaim(
        str(request.id), request.party_role, request.document_sha256, request.expires_at
    )
    done = (
        request.done_at
        if request.status in (RequestStatus.SIGNED, RequestStatus.DECLINED)
        else None
    )
    stored = StoredLink(
        request.token_digest or "",
        claim,
        used_at=done,
        revoked_at=request.done_at if request.status is RequestStatus.REVOKED else None,
        voided_at=request.done_at if request.status is RequestStatus.VOIDED else None,
    )
    return link_state(token, stored, key=deps.token_key, now=now)


def _lock(session: Session, document_id: int, query: Select[SignatureRequest]) -> SignatureRequest:
    """The request, read again once its document is locked (the document first, always:
    voiding takes the same locks in the same order), so its status is the committed one."""
    lock_document(session, document_id)
    request = session.scalar(query.with_for_update().execution_options(populate_existing=True))
    assert request is not None  # requests are never deleted
    return request


@dataclass(frozen=True)
class SignInput:
    typed_name: str
    consent_version: str
    ip: str | None = None
    user_agent: str | None = None
    drawn_png_sha256: str | None = None


@dataclass(frozen=True)
class Outcome:
    request_id: int
    version_id: int
    complete: bool  # every party signed: the worker can finish the document
    declined: bool = False


class LinkUnusable(Exception):
    """The link cannot be used (state says why); the page shows the Dutch text."""

    def __init__(self, state: LinkState) -> None:
        self.state = state
        super().__init__(state.description_nl)


def sign_with_link(
    token: str, data: SignInput, *, deps: Deps, now: datetime, decline_reason: str | None = None
) -> Outcome:
    """Sign (or decline) through a link: exactly once, even when requests race."""
    with deps.db.begin() as session:
        view = _view(session, deps, token, now, lock=True)
        if view is None:
            raise LinkUnusable(LinkState.UNKNOWN)
        if view.state is not LinkState.VALID:
            raise LinkUnusable(view.state)
        if view.waiting_for_others:
            raise Conflict("het is nog niet uw beurt: eerst tekenen de andere partijen")
        return _record(
            session,
            deps,
            view.request,
            data,
            Identification.LINK,
            now,
            decline_reason=decline_reason,
        )


def sign_as_staff(
    request_id: int,
    data: SignInput,
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    witness: bool = False,
    decline_reason: str | None = None,
) -> Outcome:
    """Staff sign for their organisation from their session, or witness an in-person signing."""
    with deps.db.begin() as session:
        request = session.get(SignatureRequest, request_id)
        if request is None:
            raise NotFound("signature request", request_id)
        _, document, _ = version_for(
            session,
            request.version_id,
            actor,
            Action.READ,
            reported_as=("signature request", request_id),
        )
        request = _lock(
            session, document.id, select(SignatureRequest).where(SignatureRequest.id == request_id)
        )
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
        if _not_yet_their_turn(session, request):
            raise Conflict("it is not this party's turn yet: earlier parties sign first")
        return _record(
            session,
            deps,
            request,
            data,
            how,
            now,
            witness=actor if witness else None,
            decline_reason=decline_reason,
        )


def _record(
    session: Session,
    deps: Deps,
    request: SignatureRequest,
    data: SignInput,
    how: Identification,
    now: datetime,
    *,
    witness: Actor | None = None,
    decline_reason: str | None = None,
) -> Outcome:
    declined = decline_reason is not None
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
    try:
        evidence = SignatureEvidence(
            party_role=request.party_role,
            party_name=request.party_name,
            identified_by=how,
            document_sha256=request.document_sha256,
            signed_at=now,
            consent_text=CONSENT_TEXT,
            consent_version=data.consent_version,
            typed_name=data.typed_name.strip(),
            ip=data.ip,
            user_agent=(data.user_agent or "")[:300],
            representative_capacity=_CAPACITY.get(request.capacity or ""),
            drawn_signature_sha256=data.drawn_png_sha256,
            witness_name=witness.name if witness else None,
            declined=declined,
            decline_reason=decline_reason.strip() if decline_reason else None,
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
    session.add(
        Signature(
            request_id=request.id,
            document_sha256=request.document_sha256,
            evidence=evidence.as_dict(),
            evidence_sha256=evidence.sha256(),
            drawn_png_sha256=data.drawn_png_sha256,
            witness_user_id=witness.user_id if witness else None,
            created_at=now,
        )
    )
    audit.record(
        session,
        deps,
        actor=f"party:{request.party_role}",
        action="signing.declined" if declined else "signing.signed",
        subject_type="signature_request",
        subject_id=request.id,
        now=now,
        detail={"evidence_sha256": evidence.sha256(), "how": how.value},
    )
    complete = not declined and signed_requests(session, request.version_id) is not None
    if complete:
        version = session.get(DocumentVersion, request.version_id)
        assert version is not None
        version.finish_status = FinishStatus.PENDING
    return Outcome(request.id, request.version_id, complete, declined)


__all__ = [
    "CONSENT_TEXT",
    "LinkUnusable",
    "LinkView",
    "Outcome",
    "PartySpec",
    "SignInput",
    "coordinator_email",
    "issue_link",
    "link_coordinator",
    "manage_request",
    "new_link",
    "next_in_turn",
    "open_link",
    "readable_until",
    "requests_for",
    "send_for_signature",
    "sign_as_staff",
    "sign_with_link",
    "void_for_new_version",
]
