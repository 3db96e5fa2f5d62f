"""Staff accounts and logins: argon2 password hashes, session and bearer tokens (HMAC only)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from agreements.db.models import AuthToken, Organisation, User
from agreements.domain.enums import OrganisationKind, Role
from agreements.domain.errors import Conflict, NotAuthenticated, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services import audit
from agreements.services.context import Deps

_hasher = PasswordHasher()
# Verifying against a dummy hash when the account is unknown keeps the timing the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 10
# A calendar link's token opens the feed only: it must never count as a login.
LOGIN_KINDS = ("session", "bearer")


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User


def token_digest(deps: Deps, token: str) -> str:
    return hmac.new(deps.token_key, token.encode(), hashlib.sha256).hexdigest()


def actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id, role=user.role, organisation_id=user.organisation_id, name=user.name
    )


def create_user(
    email: str,
    name: str,
    role: Role,
    password: str,
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    organisation_id: int | None = None,
    team_lead_id: int | None = None,
) -> User:
    """Add a staff user; partners must belong to an organisation (their scope)."""
    authorize(actor, Action.WRITE, Resource.USER)
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed.one("email", "not an e-mail address")
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed.one("password", f"at least {MIN_PASSWORD} characters")
    if role is Role.PARTNER and organisation_id is None:
        raise ValidationFailed.one("organisation_id", "a partner must belong to an organisation")
    with deps.db.begin() as session:
        if organisation_id is not None:
            org = session.get(Organisation, organisation_id)
            if org is None:
                raise ValidationFailed.one("organisation_id", "no such organisation")
            if role is Role.PARTNER and org.kind is OrganisationKind.COORDINATOR:
                raise ValidationFailed.one("role", "staff of the coordinator are coordinators")
        if team_lead_id is not None and session.get(User, team_lead_id) is None:
            raise ValidationFailed.one("team_lead_id", "no such user")
        if session.scalar(select(func.count()).where(User.email == email)):
            raise Conflict(f"a user with e-mail {email} already exists")
        user = User(
            email=email,
            name=name,
            role=role,
            organisation_id=organisation_id,
            password_hash=_hasher.hash(password),
            team_lead_id=team_lead_id,
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            deps,
            actor=actor,
            action="user.create",
            subject_type="user",
            subject_id=user.id,
            now=now,
            detail={"role": role.value},
        )
    return user


def login(email: str, password: str, *, deps: Deps, now: datetime, client: str = "") -> IssuedToken:
    """Check a password and open a session; every attempt is in the audit log."""
    with deps.db.begin() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        ok = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not ok or not user.active:
            audit.record(
                session,
                deps,
                actor="anonymous",
                action="auth.login_failed",
                subject_type="user",
                subject_id=user.id if user else "unknown",
                now=now,
                detail={"client": client[:64]},
            )
            failed = True
        else:
            failed = False
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            issued = _issue(
                session,
                deps,
                user,
                "session",
                "login",
                now,
                now + timedelta(hours=deps.settings.session_hours),
            )
            audit.record(
                session,
                deps,
                actor=actor_for(user),
                action="auth.login",
                subject_type="user",
                subject_id=user.id,
                now=now,
                detail={"client": client[:64]},
            )
    if failed:
        raise NotAuthenticated("wrong e-mail address or password")
    return issued


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _issue(
    session: object,
    deps: Deps,
    user: User,
    kind: str,
    name: str,
    now: datetime,
    expires_at: datetime,
) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    row = AuthToken(
        user_id=user.id,
        kind=kind,
        name=name,
        digest=token_digest(deps, token),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)  # type: ignore[attr-defined]
    return IssuedToken(token=token, expires_at=expires_at, user=user)


def create_bearer_token(
    name: str, days: int, *, deps: Deps, actor: Actor, now: datetime
) -> IssuedToken:
    """A long-lived token for an integration, acting as the user who made it."""
    if actor.user_id is None:
        raise ValidationFailed.one("user", "only a staff user can own a token")
    if not 1 <= days <= 366:
        raise ValidationFailed.one("days", "between 1 and 366")
    with deps.db.begin() as session:
        user = session.get(User, actor.user_id)
        assert user is not None
        issued = _issue(session, deps, user, "bearer", name, now, now + timedelta(days=days))
        audit.record(
            session,
            deps,
            actor=actor,
            action="auth.token_create",
            subject_type="user",
            subject_id=user.id,
            now=now,
            detail={"name": name},
        )
    return issued


def authenticate(token: str, *, deps: Deps, now: datetime) -> Actor:
    """The actor behind a session or bearer token, or NotAuthenticated."""
    with deps.db() as session:
        row = session.scalar(
            select(AuthToken).where(
                AuthToken.digest == token_digest(deps, token), AuthToken.kind.in_(LOGIN_KINDS)
            )
        )
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise NotAuthenticated("the login has expired or is not valid; log in again")
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            raise NotAuthenticated("this account is disabled")
        return actor_for(user)


def logout(token: str, *, deps: Deps, now: datetime) -> None:
    with deps.db.begin() as session:
        row = session.scalar(
            select(AuthToken).where(
                AuthToken.digest == token_digest(deps, token), AuthToken.kind.in_(LOGIN_KINDS)
            )
        )
        if row is not None and row.revoked_at is None:
            row.revoked_at = now
            audit.record(
                session,
                deps,
                actor=f"user:{row.user_id}",
                action="auth.logout",
                subject_type="user",
                subject_id=row.user_id,
                now=now,
            )


def actor_by_id(user_id: int, *, deps: Deps) -> Actor:
    """The actor a queued task acts as (tasks take ids, never whole objects)."""
    with deps.db() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise NotAuthenticated("this account no longer exists or is disabled")
        return actor_for(user)


def list_users(*, deps: Deps, actor: Actor) -> list[User]:
    authorize(actor, Action.READ, Resource.USER)
    with deps.db() as session:
        return list(session.scalars(select(User).order_by(User.id)))
