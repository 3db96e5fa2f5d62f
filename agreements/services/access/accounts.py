"""Staff accounts and logins: argon2 password hashes, login tokens (HMAC only) and logout."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agreements.db.models import AuthToken, Organisation, User
from agreements.db.sessions import read_only
from agreements.domain import values
from agreements.domain.enums import OrganisationKind, Role
from agreements.domain.errors import (
    Conflict,
    NotAuthenticated,
    SecondFactorNeeded,
    ValidationFailed,
)
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.access import lockout, second_factor
from agreements.services.context import Deps
from agreements.services.inputs import one_line
from agreements.services.uow import UnitOfWork, unit_of_work

_hasher = PasswordHasher()
# Verifying against a dummy hash when the account is unknown keeps the timing the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 10
SESSION, BEARER, INTEGRATION = "session", "bearer", "integration"
# A calendar link's token opens the feed only: it must never count as a login.
LOGIN_KINDS = (SESSION, BEARER, INTEGRATION)
PENDING_MINUTES = 10  # between the password and the code
OIDC = "organisation"  # the name of a session opened through the organisation's provider


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User
    id: int
    kind: str
    code_pending: bool = False  # the password matched; the one-time code is to come


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
    try:
        email = values.normalise_email(email).lower()
    except ValueError as exc:
        raise ValidationFailed.one("email", str(exc)) from None
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


def login(
    email: str,
    password: str,
    *,
    deps: Deps,
    now: datetime,
    client: str = "",
    code: str | None = None,
    two_step: bool = False,
) -> IssuedToken:
    """Check a password (and the one-time code, when the account has a second factor) and
    open a session; every attempt is in the audit log. `two_step`: without a code, a session
    that waits for it (`confirm_code`); else a missing code is SecondFactorNeeded."""
    with unit_of_work(deps, "anonymous", now) as uow:
        session = uow.session
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        ok = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
        refusal = _refusal(deps, user, ok, now)
        enrolled = user is not None and refusal is None and second_factor.enrolled(user)
        if enrolled and code is not None:
            assert user is not None
            if not second_factor.code_matches(session, deps, user, code[:40], now):
                refusal = "wrong code"
        needed = refusal is None and enrolled and code is None and not two_step
        if refusal is not None:
            _failed(uow, deps, user, refusal, client, now)
        elif user is not None and needed:
            uow.audit("auth.login_failed", "user", user.id, {"reason": "no code"})
        elif user is not None:
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            issued = open_session(uow, deps, user, now, client, pending=enrolled and code is None)
    if refusal is not None:
        raise NotAuthenticated("wrong e-mail address or password")
    if needed:
        raise SecondFactorNeeded("code")
    return issued


def _refusal(deps: Deps, user: User | None, ok: bool, now: datetime) -> str | None:
    if user is None:
        return "unknown"
    if lockout.locked(deps, user, now):
        return "locked"  # even with the right password: the page says the same either way
    if not ok:
        return "wrong password"
    return None if user.active else "disabled"


def _failed(uow: UnitOfWork, deps: Deps, user: User | None, reason: str, client: str,
            now: datetime) -> None:  # fmt: skip
    detail = {"client": client[:64], "reason": reason}
    uow.audit("auth.login_failed", "user", user.id if user else "unknown", detail)
    if user is None or reason not in ("wrong password", "wrong code"):
        return
    if lockout.record_failure(uow.session, deps, user, now):
        uow.audit("auth.locked", "user", user.id, {"client": client[:64]})


def open_session(uow: UnitOfWork, deps: Deps, user: User, now: datetime, client: str, *,
          pending: bool = False, name: str = "login") -> IssuedToken:  # fmt: skip
    """The session of a login: full, or waiting for its code (for minutes only)."""
    hours = timedelta(minutes=PENDING_MINUTES) if pending else timedelta(
        hours=deps.settings.session_hours)  # fmt: skip
    issued = issue(uow.session, deps, user, SESSION, name, now, now + hours)
    if pending:
        uow.session.get_one(AuthToken, issued.id).code_pending = True
    else:
        lockout.clear_failures(uow.session, user)
    uow.actor = actor_for(user)  # known once the password matched
    event = "auth.password_ok" if pending else "auth.login"
    uow.audit(event, "user", user.id, {"client": client[:64], "via": name})
    return replace(issued, code_pending=pending)


def confirm_code(
    token: str, code: str, *, deps: Deps, now: datetime, client: str = ""
) -> IssuedToken:
    """The second step: the code for a session that waits for it; a new, full session."""
    with unit_of_work(deps, "anonymous", now) as uow:
        row = login_row(uow.session, deps, token)
        user = uow.session.get(User, row.user_id) if row is not None else None
        if row is None or user is None or not row.code_pending or not live(row, None, now):
            raise NotAuthenticated("the login has expired or is not valid; log in again")
        refusal = "locked" if lockout.locked(deps, user, now) else None
        if refusal is None and not second_factor.code_matches(uow.session, deps, user,
                                                              code[:40], now):  # fmt: skip
            refusal = "wrong code"
        if refusal is not None:
            _failed(uow, deps, user, refusal, client, now)
            if lockout.locked(deps, user, now):
                row.revoked_at = now  # locked: the password step again, after the lock
        else:
            row.revoked_at = now
            issued = open_session(uow, deps, user, now, client)
    if refusal is not None:
        raise NotAuthenticated("wrong code")
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


def authenticate(token: str, *, deps: Deps, now: datetime, enrolling: bool = False) -> Actor:
    """The actor behind a session, bearer or integration token, or NotAuthenticated;
    SecondFactorNeeded while the code is to come, or (unless `enrolling`: the enrolment
    pages) while the role requires a second factor that is not set up.
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
        if row.code_pending:
            raise SecondFactorNeeded("code")
        if not enrolling and _must_enrol(deps, row, parent, user):
            raise SecondFactorNeeded("enrol")
        return actor_for(user)


def _must_enrol(deps: Deps, row: AuthToken, parent: AuthToken | None, user: User) -> bool:
    login = parent if row.kind == BEARER and parent is not None else row
    if login.kind != SESSION or login.name == OIDC:  # the organisation's provider asks its own
        return False
    return second_factor.required(deps, user) and not second_factor.enrolled(user)


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


def change_password(
    user_id: int,
    new: str,
    *,
    deps: Deps,
    now: datetime,
    current: str | None = None,
    keep_token: str | None = None,
    actor: str | None = None,
) -> int:
    """A new password; every other login of the user (and the bearer tokens made from them)
    ends. The user's own change gives `current` and keeps its session (`keep_token`); an
    admin's reset (`current` None) ends them all. How many logins ended."""
    if len(new) < MIN_PASSWORD:
        raise ValidationFailed.one("password", f"at least {MIN_PASSWORD} characters")
    with unit_of_work(deps, actor or f"user:{user_id}", now) as uow:
        user = uow.session.get(User, user_id)
        if user is None:
            raise NotAuthenticated("this account no longer exists")
        if current is not None and not _password_matches(user.password_hash, current):
            raise ValidationFailed.one("current", "wrong password")
        user.password_hash = _hasher.hash(new)
        kept = login_row(uow.session, deps, keep_token) if keep_token else None
        logins = uow.session.scalars(
            select(AuthToken).where(
                AuthToken.user_id == user_id,
                AuthToken.kind == SESSION,
                AuthToken.revoked_at.is_(None),
            )
        ).all()
        ended = [row for row in logins if kept is None or row.id != kept.id]
        for row in ended:
            end(uow.session, row, now)
        uow.audit("auth.password_changed", "user", user_id, {"logins_ended": len(ended)})
    return len(ended)
