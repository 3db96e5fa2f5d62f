"""One-time codes: before a party signs from a link, a code that reached the same party a
second way (a separate e-mail, an SMS, or read out by the coordinator). Only the HMAC of a
code is stored; a code works `otp_minutes`, takes `otp_attempts` wrong tries, and a party
gets at most `MAX_SENT` codes by e-mail or SMS per request (then the coordinator helps)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agreements.db.models import Case, CaseRepresentative, Person, SignatureRequest, SigningCode
from agreements.domain.enums import RequestStatus, Role
from agreements.domain.errors import Conflict, Forbidden, NotFound
from agreements.domain.policy import Action, Actor
from agreements.services.context import Deps
from agreements.services.mail import send as mail
from agreements.services.signatures import sms
from agreements.services.signatures.links import LinkView, view_for_token
from agreements.services.uow import unit_of_work
from agreements.settings import Settings
from signing.evidence import Identification
from signing.tokens import LinkState, digests_equal, token_digest

MAX_SENT = 5
_HOW = {
    "email": Identification.LINK_EMAIL_CODE,
    "sms": Identification.LINK_SMS_CODE,
    "read_out": Identification.LINK_CODE_READ_OUT,
}
_PERSONAL = {"tenant", "representative"}  # their link comes by e-mail: e-mail is no second way


class CodeRefused(Conflict):
    """Why a code cannot be sent or used: "missing", "wrong", "expired", "locked",
    "too_soon" (wait `wait` seconds), "too_many_sent", "no_way" or "not_sent"."""

    def __init__(self, reason: str, *, left: int = 0, wait: int = 0) -> None:
        super().__init__(f"one-time code refused: {reason}")
        self.reason, self.left, self.wait = reason, left, wait


@dataclass(frozen=True)
class CodeState:
    """What the code page shows: the ways to get a code, and the newest code's state."""

    ways: tuple[str, ...]  # "email", "sms"; reading out is always possible
    email: str | None  # masked, for the page
    phone: str | None
    channel: str | None  # of the newest code
    expires_at: datetime | None
    verified: bool
    locked: bool
    expired: bool


def required(request: SignatureRequest, settings: Settings) -> bool:
    return request.party_role in settings.otp_required_roles


def _digest(request_id: int, code: str, key: bytes) -> str:
    return token_digest(f"signing-code:{request_id}:{code}", key)


def _newest(session: Session, request_id: int, lock: bool = False) -> SigningCode | None:
    query = (
        select(SigningCode)
        .where(SigningCode.request_id == request_id)
        .order_by(SigningCode.id.desc())
        .limit(1)
    )
    return session.scalar(query.with_for_update() if lock else query)


def _phone(session: Session, request: SignatureRequest, case: Case) -> str | None:
    if request.party_role == "tenant":
        return case.tenant.phone
    if request.party_role == "representative":
        people = session.scalars(
            select(Person)
            .join(CaseRepresentative, CaseRepresentative.person_id == Person.id)
            .where(CaseRepresentative.case_id == case.id)
        ).all()
        for person in people:
            if person.phone and (len(people) == 1 or person.email == request.email):
                return person.phone
    return None


def _ways(session: Session, view: LinkView, settings: Settings) -> tuple[str | None, str | None]:
    email = view.request.email if view.request.party_role not in _PERSONAL else None
    case = session.get(Case, view.document.case_id)
    assert case is not None
    phone = _phone(session, view.request, case) if sms.sender_for(settings) else None
    return email, phone


def _mask(value: str | None, keep: int) -> str | None:
    if not value:
        return None
    if "@" in value:
        name, _, host = value.partition("@")
        return f"{name[:1]}…@{host}"
    return "…" + value[-keep:]


def state(token: str, *, deps: Deps, now: datetime) -> tuple[LinkView, CodeState] | None:
    """The link and its code state; None when the link is unknown."""
    with deps.db() as session:
        view = view_for_token(session, deps, token, now)
        if view is None:
            return None
        email, phone = _ways(session, view, deps.settings)
        code = _newest(session, view.request.id)
    ways = tuple(w for w, v in (("email", email), ("sms", phone)) if v)
    return view, CodeState(
        ways=ways,
        email=_mask(email, 0),
        phone=_mask(phone, 2),
        channel=code.channel if code else None,
        expires_at=code.expires_at if code else None,
        verified=bool(code and code.verified_at),
        locked=bool(code and code.attempts >= deps.settings.otp_attempts),
        expired=bool(code and not code.verified_at and code.expires_at <= now),
    )


def _new_code(session: Session, deps: Deps, request_id: int, channel: str, now: datetime) -> str:
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        SigningCode(
            request_id=request_id,
            channel=channel,
            code_digest=_digest(request_id, code, deps.token_key),
            created_at=now,
            expires_at=now + timedelta(minutes=deps.settings.otp_minutes),
            attempts=0,
        )
    )
    return code


def send_code(token: str, channel: str, *, deps: Deps, now: datetime) -> None:
    """A fresh code to the party by e-mail or SMS; an older code stops working."""
    settings = deps.settings
    with unit_of_work(deps, "system:link", now) as uow:
        session = uow.session
        view = view_for_token(session, deps, token, now)
        if view is None or view.state is not LinkState.VALID:
            raise CodeRefused("missing")
        email, phone = _ways(session, view, settings)
        to = {"email": email, "sms": phone}.get(channel)
        if to is None:
            raise CodeRefused("no_way")
        request = view.request
        newest = _newest(session, request.id, lock=True)
        if newest is not None and newest.channel != "read_out":
            ready = newest.created_at + timedelta(seconds=settings.otp_resend_seconds)
            if now < ready:
                raise CodeRefused("too_soon", wait=max(1, int((ready - now).total_seconds())))
        sent = session.scalar(
            select(func.count(SigningCode.id)).where(
                SigningCode.request_id == request.id, SigningCode.channel != "read_out"
            )
        )
        if (sent or 0) >= MAX_SENT:
            raise CodeRefused("too_many_sent")
        code = _new_code(session, deps, request.id, channel, now)
        uow.audit("signing.code_sent", "signature_request", request.id, {"channel": channel})
        minutes = settings.otp_minutes
        try:
            if channel == "email":
                mail.send(settings, _code_mail(to, code, minutes))
            else:
                sender = sms.sender_for(settings)
                assert sender is not None
                sender.send(to, f"Uw code om te tekenen is {code}. Hij werkt {minutes} minuten.")
        except (mail.MailError, sms.SmsError):
            raise CodeRefused("not_sent") from None


def _code_mail(to: str, code: str, minutes: int) -> mail.Mail:
    body = (
        f"Goedendag,\n\nUw code om te tekenen is:\n\n{code}\n\n"
        f"Typ deze code op de pagina waar u tekent. De code werkt {minutes} minuten.\n"
        "Heeft u niet om een code gevraagd? Dan hoeft u niets te doen.\n\n"
        "Met vriendelijke groet,\nHet Vierde Huis"
    )
    return mail.Mail(to=to, subject="Uw code om te tekenen", body=body)


def read_out_code(
    request_id: int, *, deps: Deps, actor: Actor, now: datetime
) -> tuple[str, SignatureRequest]:
    """A code the coordinator reads out to the party (by phone or in person), and its request."""
    with unit_of_work(deps, actor, now) as uow:
        request = uow.session.get(SignatureRequest, request_id)
        if request is None:
            raise NotFound("signature request", request_id)
        uow.version(request.version_id, Action.READ, reported_as=("signature request", request_id))
        if actor.role is not Role.COORDINATOR:  # after the lookup: not found beats forbidden
            raise Forbidden("only a coordinator reads out a code")
        if request.status is not RequestStatus.PENDING:
            raise CodeRefused("missing")
        code = _new_code(uow.session, deps, request.id, "read_out", now)
        uow.audit("signing.code_read_out", "signature_request", request.id)
        return code, request


def check_code(token: str, code: str, *, deps: Deps, now: datetime) -> None:
    """Accept the party's code, or raise CodeRefused; a wrong try is counted (committed)."""
    refusal: CodeRefused | None = None
    with unit_of_work(deps, "system:link", now) as uow:
        view = view_for_token(uow.session, deps, token, now)
        if view is None or view.state is not LinkState.VALID:
            raise CodeRefused("missing")
        row = _newest(uow.session, view.request.id, lock=True)
        limit = deps.settings.otp_attempts
        if row is None:
            raise CodeRefused("missing")
        if row.verified_at is not None:
            return
        if row.attempts >= limit:
            raise CodeRefused("locked")
        if row.expires_at <= now:
            raise CodeRefused("expired")
        typed = "".join(ch for ch in code if ch.isdigit())
        if digests_equal(_digest(view.request.id, typed, deps.token_key), row.code_digest):
            row.verified_at = now
            uow.audit("signing.code_ok", "signature_request", view.request.id)
        else:
            row.attempts += 1
            left = limit - row.attempts
            refusal = CodeRefused("wrong" if left else "locked", left=left)
            uow.audit("signing.code_wrong", "signature_request", view.request.id, {"left": left})
    if refusal is not None:
        raise refusal


def identification(
    session: Session, request: SignatureRequest, settings: Settings, *, declining: bool
) -> Identification:
    """How a link signer was identified; raises CodeRefused("missing") when a code is
    required and none was accepted (a decline without one is a plain link decline)."""
    if not required(request, settings):
        return Identification.LINK
    row = _newest(session, request.id)
    if row is not None and row.verified_at is not None:
        return _HOW[row.channel]
    if declining:
        return Identification.LINK
    raise CodeRefused("missing")


def needs_code(token: str, *, deps: Deps, now: datetime) -> bool:
    """The party must still enter a code before the signing form is shown."""
    with deps.db() as session:
        view = view_for_token(session, deps, token, now)
        if view is None or not required(view.request, deps.settings):
            return False
        row = _newest(session, view.request.id)
        return row is None or row.verified_at is None
