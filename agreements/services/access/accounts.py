"""Staff accounts and logins: argon2 password hashes, login tokens (HMAC only) and logout."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agreements.db.models import AuthToken, Organisation, User
from agreements.db.sessions import read_only
from agreements.domain.enums import OrganisationKind, Role
from agreements.domain.errors import Conflict, NotAuthenticated, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.context import Deps
from agreements.services.inputs import one_line
from agreements.services.uow import unit_of_work

_hasher = PasswordHasher()
# Verifying against a dummy hash when the account is unknown keeps the timing the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 10
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")  # as the API's `Email`, matched in full
SESSION, BEARER, INTEGRATION = "session", "bearer", "integration"
# A calendar link's token opens the feed only: it must never count as a login.
LOGIN_KINDS = (SESSION, BEARER, INTEGRATION)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User
    id: int
    kind: str


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
    function: str | None = None,
) -> User:
    """Add a staff user; partners must belong to an organisation (their scope)."""
    authorize(actor, Action.WRITE, Resource.USER)
    # The text policy here, not only in the API's model: the CLI calls this directly.
    email = one_line("email", email, max_length=254).lower()
    name = one_line("name", name, max_length=200)
    if function is not None:
        function = one_line("function", function, max_length=100, required=False) or None
    if not _EMAIL.fullmatch(email):
        raise ValidationFailed.one("email", "not an e-mail address")
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed.one("password", f"at least {MIN_PASSWORD} characters")
    if role is Role.PARTNER and organisation_id is None:
        raise ValidationFailed.one("organisation_id", "a partner must belong to an organisation")
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
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
            function=function,
            role=role,
            organisation_id=organisation_id,
            password_hash=_hasher.hash(password),
            team_lead_id=team_lead_id,
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        uow.audit("user.create", "user", user.id, {"role": role.value})
    return user


def login(email: str, password: str, *, deps: Deps, now: datetime, client: str = "") -> IssuedToken:
    """Check a password and open a session; every attempt is in the audit log."""
    with unit_of_work(deps, "anonymous", now) as uow:
        session = uow.session
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        ok = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not ok or not user.active:
            subject = user.id if user else "unknown"
            uow.audit("auth.login_failed", "user", subject, {"client": client[:64]})
            failed = True
        else:
            failed = False
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            issued = issue(
                session,
                deps,
                user,
                SESSION,
                "login",
                now,
                now + timedelta(hours=deps.settings.session_hours),
            )
            uow.actor = actor_for(user)  # known once the password matched
            uow.audit("auth.login", "user", user.id, {"client": client[:64]})
    if failed:
        raise NotAuthenticated("wrong e-mail address or password")
    return issued


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue(
    session: Session,
    deps: Deps,
    user: User,
    kind: str,
    name: str,
    now: datetime,
    expires_at: datetime,
    *,
    parent_id: int | None = None,
    created_by: int | None = None,
) -> IssuedToken:
    """A new token row (its HMAC only); the token itself is returned once, here."""
    token = secrets.token_urlsafe(32)
    row = AuthToken(
        user_id=user.id,
        kind=kind,
        name=name,
        digest=token_digest(deps, token),
        created_at=now,
        expires_at=expires_at,
        parent_id=parent_id,
        created_by=user.id if created_by is None else created_by,
    )
    session.add(row)
    session.flush()
    return IssuedToken(token=token, expires_at=expires_at, user=user, id=row.id, kind=kind)


def live(row: AuthToken | None, parent: AuthToken | None, now: datetime) -> bool:
    """A login token works while it and the login it was made from are neither ended."""
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return False
    if row.kind == BEARER:
        return parent is not None and live(parent, None, now)
    return True


def login_row(session: Session, deps: Deps, token: str) -> AuthToken | None:
    return session.scalar(
        select(AuthToken).where(
            AuthToken.digest == token_digest(deps, token), AuthToken.kind.in_(LOGIN_KINDS)
        )
    )


def authenticate(token: str, *, deps: Deps, now: datetime) -> Actor:
    """The actor behind a session, bearer or integration token, or NotAuthenticated.
    Only reads: every request asks it, and on SQLite it must not queue behind a writer."""
    with read_only(), deps.db() as session:
        row = login_row(session, deps, token)
        parent = session.get(AuthToken, row.parent_id) if row and row.parent_id else None
        if not live(row, parent, now):
            raise NotAuthenticated("the login has expired or is not valid; log in again")
        assert row is not None
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            raise NotAuthenticated("this account is disabled")
        return actor_for(user)


def logout(token: str, *, deps: Deps, now: datetime) -> None:
    """End a login and every bearer token made from it."""
    with unit_of_work(deps, "anonymous", now) as uow:
        row = login_row(uow.session, deps, token)
        if row is not None and row.revoked_at is None:
            ended = end(uow.session, row, now)
            uow.actor = f"user:{row.user_id}"  # whose login the token is
            detail = {"token": row.id, "kind": row.kind, "tokens_ended": ended}
            uow.audit("auth.logout", "user", row.user_id, detail)


def end(session: Session, row: AuthToken, now: datetime) -> int:
    """Revoke a token and the live tokens made from it; how many children ended."""
    row.revoked_at = now
    children = session.scalars(
        select(AuthToken).where(AuthToken.parent_id == row.id, AuthToken.revoked_at.is_(None))
    ).all()
    for child in children:
        child.revoked_at = now
    return len(children)


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


def has_admin(*, deps: Deps) -> bool:
    """Whether any admin account exists (so set-up knows whether to make the first one)."""
    with read_only(), deps.db() as session:
        return bool(session.scalar(select(func.count()).where(User.role == Role.ADMIN)))


def organisation_named(name: str, *, deps: Deps) -> int | None:
    """The id of the organisation with exactly this name, if there is one."""
    with read_only(), deps.db() as session:
        return session.scalar(select(Organisation.id).where(Organisation.name == name))


def user_with_email(email: str, *, deps: Deps) -> int | None:
    """The id of the account with this e-mail address (case-insensitive), if there is one."""
    with read_only(), deps.db() as session:
        return session.scalar(select(User.id).where(User.email == email.lower()))
