"""Signing links: a fresh link per invitation (its token only in the mail), and what a link
shows: its request, the exact version, whether it can be used and until when it reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from agreements.db.models import Case, Document, DocumentVersion, SignatureRequest
from agreements.domain.enums import RequestStatus
from agreements.domain.errors import Conflict
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures.requests import coordinator_email
from agreements.services.signatures.state import lock_document
from agreements.services.uow import UnitOfWork, unit_of_work
from signing.tokens import LinkClaim, LinkState, StoredLink, link_state, new_token, token_digest


def issue_link(request_id: int, *, deps: Deps, now: datetime) -> tuple[SignatureRequest, str]:
    """A fresh link for a pending request; an older link of the same request stops working."""
    with unit_of_work(deps, "system:mail", now) as uow:
        request = uow.session.get(SignatureRequest, request_id)
        if request is None or request.status is not RequestStatus.PENDING:
            raise Conflict("only a pending request can get a link")
        return request, new_link(uow, request, now)


def new_link(uow: UnitOfWork, request: SignatureRequest, now: datetime) -> str:
    """Inside the caller's unit of work: the token itself exists only in what is mailed.
    The audit entry is the mail system's, at `now` (a reminder's link: the reminder's time)."""
    token = new_token()
    request.token_digest = token_digest(token, uow.deps.token_key)
    request.sent_at, request.sends = now, request.sends + 1
    uow.audit("signing.link", "signature_request", request.id, by="system:mail", at=now)
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

    @property
    def paused(self) -> bool:
        """Another party declined this version: the link shows, but signing waits."""
        return self.request.status is RequestStatus.PAUSED


def open_link(token: str, *, deps: Deps, now: datetime) -> LinkView | None:
    """Read-only: opening a link (mail scanners do) changes nothing."""
    with deps.db() as session:
        return view_for_token(session, deps, token, now)


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


def read_signed_copy(view: LinkView, *, deps: Deps, engine: DocumentEngine, now: datetime) -> bytes:
    """The sealed copy a party who signed fetches through their link; the read is logged,
    as every read of a sealed document is."""
    digest = view.version.sealed_sha256
    if digest is None:
        raise Conflict("the document is not sealed yet")
    with unit_of_work(deps, f"party:{view.request.party_role}", now) as uow:
        uow.audit(
            "document.read_sealed",
            "document_version",
            view.version.id,
            {"case": view.document.case_id, "request": view.request.id},
        )
    return engine.store.get(digest)


def view_for_token(
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
        request = lock_request(session, version.document_id, query)
    document = session.get(Document, version.document_id)
    case = session.get(Case, document.case_id) if document else None
    assert document is not None and case is not None
    state = _state(request, token, deps, now)
    waiting = state is LinkState.VALID and not_yet_their_turn(session, request)
    return LinkView(request, version, document, case.reference or str(case.id), state, waiting)


def not_yet_their_turn(session: Session, request: SignatureRequest) -> bool:
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


def lock_request(
    session: Session, document_id: int, query: Select[SignatureRequest]
) -> SignatureRequest:
    """The request, read again once its document is locked (the document first, always:
    voiding takes the same locks in the same order), so its status is the committed one."""
    lock_document(session, document_id)
    request = session.scalar(query.with_for_update().execution_options(populate_existing=True))
    assert request is not None  # requests are never deleted
    return request
