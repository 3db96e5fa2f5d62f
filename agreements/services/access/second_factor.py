"""The staff's second factor: TOTP secrets (encrypted), enrolment with a QR code, one-use
codes that work once, and recovery codes (HMAC only, each usable once)."""

from __future__ import annotations

import base64
import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import RecoveryCode, User
from agreements.domain.errors import Conflict, NotFound, ValidationFailed
from agreements.services.context import Deps, NotesCipher
from agreements.services.uow import unit_of_work

STEP = 30  # seconds; what every authenticator app uses
RECOVERY_CODES = 10


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the QR code (an SVG data URI) and the secret typed."""

    secret: str
    qr_data_uri: str


def required(deps: Deps, user: User) -> bool:
    return user.role.value in deps.settings.second_factor_roles


def enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None


def _cipher(deps: Deps) -> NotesCipher:
    # Its own key, derived from the secret key: a leaked notes key opens no second factor.
    return NotesCipher(deps.settings.key("second-factor"))


def _recovery_digest(deps: Deps, code: str) -> str:
    normal = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(deps.settings.key("recovery-codes"), normal.encode(), "sha256").hexdigest()


def start(user_id: int, *, deps: Deps, now: datetime) -> Enrolment:
    """A new secret for the user (not yet switched on), or the one waiting for its code."""
    with unit_of_work(deps, f"user:{user_id}", now) as uow:
        user = _user(uow.session, user_id)
        if enrolled(user):
            raise Conflict("the second factor is already on")
        if user.totp_secret_encrypted is None:
            user.totp_secret_encrypted = _cipher(deps).encrypt(pyotp.random_base32())
        secret = _cipher(deps).decrypt(user.totp_secret_encrypted)
        email = user.email
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=email, issuer_name=deps.settings.second_factor_issuer
    )
    return Enrolment(secret=secret, qr_data_uri=_qr(uri))


def _qr(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def confirm(user_id: int, code: str, *, deps: Deps, now: datetime) -> list[str]:
    """Switch the second factor on with a first code from the app; the recovery codes, shown
    once (only their HMACs are kept)."""
    with unit_of_work(deps, f"user:{user_id}", now) as uow:
        user = _user(uow.session, user_id)
        if enrolled(user) or user.totp_secret_encrypted is None:
            raise Conflict("no enrolment is waiting for its code")
        if not totp_matches(deps, user, code, now):
            raise ValidationFailed.one("code", "wrong code")
        user.totp_enabled_at = now
        codes = _new_recovery_codes(uow.session, deps, user, now)
        uow.audit("auth.second_factor_on", "user", user.id, {})
    return codes


def _new_recovery_codes(session: Session, deps: Deps, user: User, now: datetime) -> list[str]:
    for old in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(7)).decode().lower()[:10]
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, digest=_recovery_digest(deps, raw),
                                 created_at=now))  # fmt: skip
    return codes


def totp_matches(deps: Deps, user: User, code: str, now: datetime) -> bool:
    """A code of the previous, this or the next time step that was not used before; marks
    its step used (the caller's transaction commits that)."""
    code = code.replace(" ", "").strip()
    if user.totp_secret_encrypted is None or not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(_cipher(deps).decrypt(user.totp_secret_encrypted))
    current = int(now.timestamp()) // STEP
    for step in (current - 1, current, current + 1):
        if step > user.totp_last_step and hmac.compare_digest(totp.at(step * STEP), code):
            user.totp_last_step = step
            return True
    return False


def code_matches(session: Session, deps: Deps, user: User, code: str, now: datetime) -> bool:
    """A code from the app, or one of the unused recovery codes (then used up)."""
    if totp_matches(deps, user, code, now):
        return True
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.digest == _recovery_digest(deps, code[:40]),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now
    return True


def reset(user_id: int, *, deps: Deps, now: datetime, actor: str = "system:cli") -> None:
    """Switch the second factor off (a lost phone and no recovery codes): an admin's act;
    the next login sets it up again where the role requires it."""
    with unit_of_work(deps, actor, now) as uow:
        user = _user(uow.session, user_id)
        user.totp_secret_encrypted = None
        user.totp_enabled_at = None
        for old in uow.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id)):
            uow.session.delete(old)
        uow.audit("auth.second_factor_reset", "user", user_id, {})


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


@dataclass(frozen=True)
class State:
    """The account page's view of a user's second factor."""

    enrolled: bool
    required: bool
    since: datetime | None
    recovery_codes_left: int


def state(user_id: int, *, deps: Deps) -> State:
    with deps.db() as session:
        user = _user(session, user_id)
        left = session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
            )
        ).all()
        return State(enrolled(user), required(deps, user), user.totp_enabled_at, len(left))
