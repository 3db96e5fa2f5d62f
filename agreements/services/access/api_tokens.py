"""Bearer and integration tokens: made, listed and revoked by their owner or an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from agreements.db.models import AuthToken, User
from agreements.domain.errors import NotAuthenticated, NotFound, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, allowed, authorize
from agreements.services.access.accounts import (
    BEARER,
    INTEGRATION,
    LOGIN_KINDS,
    IssuedToken,
    end,
    issue,
    live,
    login_row,
)
from agreements.services.context import Deps
from agreements.services.uow import unit_of_work


@dataclass(frozen=True)
class TokenInfo:
    """A live token as its owner or an admin sees it; never the token itself."""

    id: int
    kind: str
    name: str
    user_id: int
    created_by: int | None
    parent_id: int | None
    created_at: datetime
    expires_at: datetime
    current: bool


def create_token(
    name: str,
    days: int,
    *,
    via: str,
    deps: Deps,
    actor: Actor,
    now: datetime,
    integration: bool = False,
    user_id: int | None = None,
) -> IssuedToken:
    """A bearer token that ends with the login `via`, or (admins) an integration token.

    A bearer token lives at most `days` and never longer than the login it was made from;
    an integration token belongs to no login, only an admin makes one (for any active
    user), and it lives at most `settings.integration_token_days`.
    """
    if actor.user_id is None:
        raise ValidationFailed.one("user", "only a staff user can own a token")
    if integration:
        authorize(actor, Action.WRITE, Resource.USER)
        longest = deps.settings.integration_token_days
        if days > longest:
            raise ValidationFailed.one("days", f"an integration token lives at most {longest} days")
    elif user_id not in (None, actor.user_id):
        raise ValidationFailed.one("user_id", "only an integration token is made for someone else")
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        parent = _parent(session, deps, via, now)
        owner = session.get(User, user_id or actor.user_id)
        if owner is None or not owner.active:
            raise ValidationFailed.one("user_id", "no such active user")
        if integration:
            made = issue(session, deps, owner, INTEGRATION, name, now,
                         now + timedelta(days=days), created_by=actor.user_id)  # fmt: skip
        else:
            expires = min(now + timedelta(days=days), parent.expires_at)
            made = issue(session, deps, owner, BEARER, name, now, expires, parent_id=parent.id)
        uow.audit("auth.token_create", "user", owner.id,
                  {"token": made.id, "kind": made.kind, "name": name,
                   "expires_at": made.expires_at.isoformat()})  # fmt: skip
    return made


def _parent(session: Session, deps: Deps, via: str, now: datetime) -> AuthToken:
    """The login a new bearer token hangs from: the session (or integration token) itself."""
    row = login_row(session, deps, via)
    if row is not None and row.kind == BEARER and row.parent_id is not None:
        row = session.get(AuthToken, row.parent_id)
    if row is None or not live(row, None, now):
        raise NotAuthenticated("the login has expired or is not valid; log in again")
    return row


def list_tokens(
    *, via: str, deps: Deps, actor: Actor, now: datetime, user_id: int | None = None
) -> list[TokenInfo]:
    """The live login, bearer and integration tokens of the actor (admins: of `user_id`)."""
    owner = actor.user_id if user_id is None else user_id
    if owner != actor.user_id:
        authorize(actor, Action.READ, Resource.USER)
    parent = aliased(AuthToken)
    with deps.db() as session:
        current = login_row(session, deps, via)
        rows = session.execute(
            select(AuthToken, parent)
            .outerjoin(parent, parent.id == AuthToken.parent_id)
            .where(
                AuthToken.user_id == owner,
                AuthToken.kind.in_(LOGIN_KINDS),
                AuthToken.revoked_at.is_(None),
                AuthToken.expires_at > now,
                or_(AuthToken.parent_id.is_(None), parent.revoked_at.is_(None)),
            )
            .order_by(AuthToken.id)
        ).all()
        return [
            TokenInfo(
                id=row.id,
                kind=row.kind,
                name=row.name,
                user_id=row.user_id,
                created_by=row.created_by,
                parent_id=row.parent_id,
                created_at=row.created_at,
                expires_at=row.expires_at,
                current=current is not None and row.id == current.id,
            )
            for row, up in rows
            if live(row, up, now)
        ]


def revoke_token(token_id: int, *, deps: Deps, actor: Actor, now: datetime) -> None:
    """End a live token (and the bearer tokens made from it): its owner's or an admin's act.

    Someone else's token is reported missing, exactly like one that does not exist.
    """
    with unit_of_work(deps, actor, now) as uow:
        row = uow.session.get(AuthToken, token_id)
        mine = row is not None and row.user_id == actor.user_id
        if (
            row is None
            or row.kind not in LOGIN_KINDS
            or not (mine or allowed(actor.role, Action.WRITE, Resource.USER))
            or row.revoked_at is not None
            or row.expires_at <= now
        ):
            raise NotFound("token", token_id)
        ended = end(uow.session, row, now)
        detail = {"token": row.id, "kind": row.kind, "tokens_ended": ended}
        uow.audit("auth.token_revoke", "user", row.user_id, detail)
