"""Logging in and out, bearer and integration tokens (made, listed, revoked), staff accounts."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from agreements.domain.enums import Role
from agreements.services.access import accounts, api_tokens
from agreements.services.inputs import Email, Id, Input, LoginEmail, Name, Short
from agreements.services.records import User
from agreements.web.deps import (
    SESSION_COOKIE,
    ActorDep,
    CredentialDep,
    DepsDep,
    NowDep,
    OptId,
    PathId,
    client_address,
    set_session_cookie,
)
from agreements.web.problems import responses
from agreements.web.schemas import TokenOut, UserOut
from agreements.web.shared.ratelimit import PostLimiter

router = APIRouter(tags=["auth"])


class LoginIn(Input):
    email: LoginEmail
    password: Annotated[str, Field(min_length=1, max_length=200)]
    code: Annotated[
        str | None,
        Field(
            max_length=40,
            description="The code from the authenticator app (or a recovery code) when the "
            "account has a second factor; without it such a login is 401.",
        ),
    ] = None


class TokenIn(Input):
    name: Short
    days: Annotated[
        int,
        Field(
            strict=True,
            ge=1,
            le=366,
            description="Longest life; a bearer token also ends with the login it is made "
            "from, an integration token lives at most `integration_token_days`.",
        ),
    ] = 90
    integration: Annotated[
        bool,
        Field(
            strict=True,
            description="Admins only: a token for an integration that does not end with "
            "this login.",
        ),
    ] = False
    user_id: Annotated[
        Id | None, Field(description="Admins, integration tokens: the user it acts as.")
    ] = None


TokenKind = Literal["session", "bearer", "integration"]


class NewTokenOut(TokenOut):
    id: int
    kind: TokenKind


class TokenInfoOut(BaseModel):
    """A live token; the token itself is shown only once, when it is made."""

    id: int
    kind: TokenKind
    name: str
    user_id: int
    created_by: int | None
    parent_id: int | None = Field(description="The login a bearer token ends with.")
    created_at: datetime
    expires_at: datetime
    current: bool = Field(description="The token this request was made with.")


class UserIn(Input):
    email: Email
    name: Name
    role: Role
    password: Annotated[str, Field(min_length=10, max_length=200)]
    organisation_id: Id | None = None
    team_lead_id: Id | None = None
    function: Short | None = None


class MeOut(BaseModel):
    user_id: int | None
    name: str
    role: Role
    organisation_id: int | None


_limiter_lock = threading.Lock()


def _login_limiter(request: Request, per_minute: int) -> PostLimiter:
    # Per app (each test app has its own) and per process; per client address, so guessing
    # passwords for many accounts from one address is slowed down as well.
    with _limiter_lock:
        limiter: PostLimiter | None = getattr(request.app.state, "login_limiter", None)
        if limiter is None:
            limiter = request.app.state.login_limiter = PostLimiter(per_minute)
        return limiter


def _token_out(issued: accounts.IssuedToken) -> NewTokenOut:
    return NewTokenOut(
        token=issued.token,
        expires_at=issued.expires_at,
        user=UserOut.model_validate(issued.user),
        id=issued.id,
        kind=issued.kind,
    )


@router.post("/auth/login", response_model=NewTokenOut, responses=responses(401, 429))
def login(
    body: LoginIn, request: Request, response: Response, deps: DepsDep, now: NowDep
) -> NewTokenOut:
    """Log in with e-mail and password; sets the session cookie and returns the token too."""
    client = client_address(request)
    wait = _login_limiter(request, deps.settings.login_attempts_per_minute).retry_after(
        "login", client
    )
    if wait is not None:
        raise HTTPException(
            429, "Too many login attempts; try again later", headers={"Retry-After": str(wait)}
        )
    issued = accounts.login(
        body.email, body.password, deps=deps, now=now, client=client, code=body.code
    )
    set_session_cookie(response, issued.token, deps)
    return _token_out(issued)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(response: Response, deps: DepsDep, now: NowDep, token: CredentialDep) -> None:
    """End the current login and the bearer tokens made from it (or revoke the token used)."""
    if token:
        accounts.logout(token, deps=deps, now=now)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/auth/me", response_model=MeOut)
def me(actor: ActorDep) -> MeOut:
    """Who is logged in."""
    return MeOut(
        user_id=actor.user_id,
        name=actor.name,
        role=actor.role,
        organisation_id=actor.organisation_id,
    )


@router.post(
    "/auth/tokens",
    response_model=NewTokenOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(403),
)
def create_token(
    body: TokenIn, actor: ActorDep, deps: DepsDep, now: NowDep, via: CredentialDep
) -> NewTokenOut:
    """Make a bearer token (it ends with this login) or, as admin, an integration token."""
    return _token_out(
        api_tokens.create_token(
            body.name,
            body.days,
            via=via,
            deps=deps,
            actor=actor,
            now=now,
            integration=body.integration,
            user_id=body.user_id,
        )
    )


@router.get("/auth/tokens", response_model=list[TokenInfoOut], responses=responses(403))
def list_tokens(
    actor: ActorDep,
    deps: DepsDep,
    now: NowDep,
    via: CredentialDep,
    user_id: OptId = None,
) -> list[TokenInfoOut]:
    """Your live logins and tokens; admins may ask for another user's with `user_id`."""
    found = api_tokens.list_tokens(via=via, deps=deps, actor=actor, now=now, user_id=user_id)
    return [TokenInfoOut.model_validate(info, from_attributes=True) for info in found]


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: PathId, actor: ActorDep, deps: DepsDep, now: NowDep) -> None:
    """End one of your tokens (admins: anyone's) and the bearer tokens made from it."""
    api_tokens.revoke_token(token_id, deps=deps, actor=actor, now=now)


@router.get("/users", response_model=list[UserOut], responses=responses(403))
def list_users(actor: ActorDep, deps: DepsDep) -> list[User]:
    """Staff accounts (admins only)."""
    return accounts.list_users(deps=deps, actor=actor)


@router.post(
    "/users",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(403, 409),
)
def create_user(body: UserIn, actor: ActorDep, deps: DepsDep, now: NowDep) -> User:
    """Add a staff account (admins only)."""
    return accounts.create_user(
        body.email,
        body.name,
        body.role,
        body.password,
        deps=deps,
        actor=actor,
        now=now,
        organisation_id=body.organisation_id,
        team_lead_id=body.team_lead_id,
        function=body.function,
    )
