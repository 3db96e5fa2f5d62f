"""Use cases for signing: requests per party, links, signing and declining, exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agreements.db.models import (
    Agreement,
    Case,
    Document,
    DocumentVersion,
    Organisation,
    Person,
    Signature,
    SignatureRequest,
    User,
)
from agreements.domain.enums import (
    AgreementStatus,
    DocumentStatus,
    FinishStatus,
    PartyRole,
    RequestStatus,
    Role,
)
from agreements.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource
from agreements.services import audit
from agreements.services.context import Deps
from agreements.services.scope import case_for
from signing.evidence import Identification, RepresentativeCapacity, SignatureEvidence
from signing.tokens import LinkClaim, LinkState, StoredLink, link_state, new_token, token_digest

CONSENT_TEXT = (
    "Ik heb dit document gelezen. Ik ga akkoord met de afspraken die erin staan. Ik weet dat "
    "de partijen gegevens over mij met elkaar delen om mij te helpen, zoals in het document "
    "staat."
)
# Party roles of the templates (kinds.json) and where the service finds each party.
_ROLE_FOR_PARTY = {
    "corporation": PartyRole.HOUSING_CORPORATION,
    "coordinator": PartyRole.COORDINATOR,
    "municipality": PartyRole.MUNICIPALITY,
}
_CAPACITY = {
    "bewindvoerder": RepresentativeCapacity.ADMINISTRATOR,
    "mentor": RepresentativeCapacity.MENTOR,
    "curator": RepresentativeCapacity.CURATOR,
}
OPEN = (RequestStatus.PENDING,)


@dataclass(frozen=True)
class PartySpec:
    role: str
    name: str
    email: str | None
    organisation_id: int | None = None
    user_id: int | None = None
    capacity: str | None = None


def _parties(session: Session, case: Case, roles: tuple[str, ...]) -> list[PartySpec]:
    specs: list[PartySpec] = []
    for role in roles:
        if role == "tenant":
            specs.append(PartySpec("tenant", case.tenant.name, case.tenant.email))
            for rep in case.representatives:
                person = session.get(Person, rep.person_id)
                assert person is not None
                specs.append(
                    PartySpec("representative", person.name, person.email, capacity=rep.kind.value)
                )
        elif role == "coordinator":
            user = session.get(User, case.coordinator_id)
            assert user is not None
            specs.append(
                PartySpec(
                    role,
                    user.name,
                    user.email,
                    user_id=user.id,
                    organisation_id=user.organisation_id,
                )
            )
        else:
            specs.append(_organisation_party(session, case, role))
    return specs


def _organisation_party(session: Session, case: Case, role: str) -> PartySpec:
    party_role = _ROLE_FOR_PARTY.get(role)
    party = next((p for p in case.parties if p.role is party_role), None) if party_role else None
    if party is None:
        raise ValidationFailed.one("parties", f"the case has no party for the role {role!r}")
    org = session.get(Organisation, party.organisation_id)
    assert org is not None
    contact = session.get(Person, party.contact_person_id) if party.contact_person_id else None
    return PartySpec(
        role,
        contact.name if contact else org.name,
        (contact.email if contact else None) or org.email,
        organisation_id=org.id,
    )


def send_for_signature(
    version_id: int,
    roles: tuple[str, ...],
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    ordered: bool = False,
) -> list[SignatureRequest]:
    """One request per party for this exact version; returns those to invite now."""
    with deps.db.begin() as session:
        version, document, case = _version_for(session, version_id, actor, Action.WRITE)
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
        _void_other_versions(session, deps, document.id, version_id, actor, now)
        expires = now + timedelta(days=deps.settings.signature_days)
        requests = []
        for position, spec in enumerate(_parties(session, case, roles), start=1):
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
            if agreement is not None and agreement.status is AgreementStatus.DRAFT:
                agreement.status = AgreementStatus.OUT_FOR_SIGNATURE
        session.flush()
        audit.record(
            session,
            deps,
            actor=actor,
            action="signing.send",
            subject_type="document_version",
            subject_id=version_id,
            now=now,
            detail={
                "case": case.id,
                "parties": [r.party_role for r in requests],
                "ordered": ordered,
            },
        )
        return [r for r in requests if r.position <= 1]


def _version_for(
    session: Session, version_id: int, actor: Actor, action: Action
) -> tuple[DocumentVersion, Document, Case]:
    version = session.get(DocumentVersion, version_id)
    if version is None:
        raise NotFound("document version", version_id)
    document = session.get(Document, version.document_id)
    assert document is not None
    try:
        case = case_for(session, actor, document.case_id, action, Resource.AGREEMENT)
    except NotFound:
        raise NotFound("document version", version_id) from None
    return version, document, case


def _void_other_versions(
    session: Session, deps: Deps, document_id: int, keep: int, actor: Actor | str, now: datetime
) -> None:
    """A new version means everyone signs again: requests for older versions lapse."""
    others = select(DocumentVersion.id).where(
        DocumentVersion.document_id == document_id, DocumentVersion.id != keep
    )
    voided = session.execute(
        update(SignatureRequest)
        .where(
            SignatureRequest.version_id.in_(others),
            SignatureRequest.status.in_(
                [RequestStatus.PENDING, RequestStatus.SIGNED, RequestStatus.DECLINED]
            ),
        )
        .values(status=RequestStatus.VOIDED, done_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if voided:
        audit.record(
            session,
            deps,
            actor=actor,
            action="signing.void",
            subject_type="document",
            subject_id=document_id,
            now=now,
            detail={"requests": voided, "kept_version": keep},
        )


def void_for_new_version(
    session: Session, deps: Deps, version: DocumentVersion, actor: Actor | str, now: datetime
) -> None:
    _void_other_versions(session, deps, version.document_id, version.id, actor, now)


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


def _view(
    session: Session, deps: Deps, token: str, now: datetime, lock: bool = False
) -> LinkView | None:
    query = select(SignatureRequest).where(
        SignatureRequest.token_digest == token_digest(token, deps.token_key)
    )
    request = session.scalar(query.with_for_update() if lock else query)
    if request is None:
        return None
    version = session.get(DocumentVersion, request.version_id)
    assert version is not None
    document = session.get(Document, version.document_id)
    case = session.get(Case, document.case_id) if document else None
    assert document is not None and case is not None
    state = _state(request, token, deps, now)
    waiting = False
    if state is LinkState.VALID and request.position > 1:
        waiting = bool(
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
        )
    return LinkView(request, version, document, case.reference or str(case.id), state, waiting)


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
        request = session.scalar(
            select(SignatureRequest).where(SignatureRequest.id == request_id).with_for_update()
        )
        if request is None:
            raise NotFound("signature request", request_id)
        _version_for(session, request.version_id, actor, Action.READ)
        if witness:
            if actor.role is not Role.COORDINATOR:
                raise Forbidden("only a coordinator can witness an in-person signing")
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
    complete = False
    if not declined:
        left = session.scalar(
            select(SignatureRequest.id)
            .where(
                SignatureRequest.version_id == request.version_id,
                SignatureRequest.status != RequestStatus.SIGNED,
                SignatureRequest.status != RequestStatus.VOIDED,
            )
            .limit(1)
        )
        if left is None:
            version = session.get(DocumentVersion, request.version_id)
            assert version is not None
            version.finish_status = FinishStatus.PENDING
            complete = True
    return Outcome(request.id, request.version_id, complete, declined)


def next_in_turn(version_id: int, *, deps: Deps) -> list[int]:
    """In an ordered signing, the requests whose turn it is now and who have no link yet."""
    with deps.db() as session:
        pending = list(
            session.scalars(
                select(SignatureRequest)
                .where(
                    SignatureRequest.version_id == version_id,
                    SignatureRequest.status == RequestStatus.PENDING,
                )
                .order_by(SignatureRequest.position)
            )
        )
        if not pending or pending[0].position == 0:
            return []
        first = pending[0]
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
    """Coordinators revoke, extend, or replace a party's contact (history kept)."""
    with deps.db.begin() as session:
        request = session.get(SignatureRequest, request_id)
        if request is None:
            raise NotFound("signature request", request_id)
        _version_for(session, request.version_id, actor, Action.WRITE)
        if request.status is not RequestStatus.PENDING:
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
        audit.record(
            session,
            deps,
            actor=actor,
            action=f"signing.{action}",
            subject_type="signature_request",
            subject_id=request_id,
            now=now,
            detail=detail,
        )
        return request


def requests_for(version_id: int, *, deps: Deps, actor: Actor) -> list[SignatureRequest]:
    with deps.db() as session:
        _version_for(session, version_id, actor, Action.READ)
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
