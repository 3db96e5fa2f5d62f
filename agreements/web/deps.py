"""Request dependencies: the service's collaborators, the clock and the logged-in actor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agreements.domain.errors import NotAuthenticated
from agreements.domain.policy import Actor
from agreements.services import auth
from agreements.services.context import Deps

SESSION_COOKIE = "agreements_session"
_bearer = HTTPBearer(auto_error=False, description="A bearer token from POST /api/v1/auth/tokens")


def get_deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


def get_now() -> datetime:
    """The only place the web app reads the clock; tests override it."""
    return datetime.now(UTC)


def credential(request: Request, bearer: HTTPAuthorizationCredentials | None) -> str | None:
    if bearer is not None:
        return bearer.credentials
    return request.cookies.get(SESSION_COOKIE)


def current_actor(
    request: Request,
    deps: Annotated[Deps, Depends(get_deps)],
    now: Annotated[datetime, Depends(get_now)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    token = credential(request, bearer)
    if not token:
        raise NotAuthenticated("log in first (session cookie or bearer token)")
    return auth.authenticate(token, deps=deps, now=now)


DepsDep = Annotated[Deps, Depends(get_deps)]
NowDep = Annotated[datetime, Depends(get_now)]
ActorDep = Annotated[Actor, Depends(current_actor)]
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")]
