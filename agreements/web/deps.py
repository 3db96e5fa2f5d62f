"""Request dependencies: the service's collaborators, the clock and the logged-in actor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator

from agreements.domain.errors import NotAuthenticated
from agreements.domain.policy import Actor
from agreements.domain.values import refuse_unsafe_text
from agreements.services.access import accounts, kiosk
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.inputs import MAX_ID

SESSION_COOKIE = "agreements_session"
_bearer = HTTPBearer(
    auto_error=False,
    description="A login or bearer token from POST /api/v1/auth/login or /auth/tokens",
)


def get_deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


def get_engine(request: Request) -> DocumentEngine:
    engine: DocumentEngine = request.app.state.engine
    return engine


def get_now() -> datetime:
    """The only place the web app reads the clock; tests override it."""
    return datetime.now(UTC)


def client_address(request: Request) -> str:
    """The address rate limits, audit entries and signing evidence record for a request.

    The connecting peer, unless it is one of `settings.trusted_proxies`: then uvicorn has put
    the client named in X-Forwarded-For in its place (`web.server`). Never read the header
    here: without a trusted proxy in front, anyone can write it.
    """
    return request.client.host if request.client else "unknown"


def set_session_cookie(response: Response, token: str, deps: Deps) -> None:
    """The login's cookie, for the API and the staff pages alike (never read by scripts)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=deps.settings.secure_cookies,
        max_age=deps.settings.session_hours * 3600,
    )


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
    actor = accounts.authenticate(token, deps=deps, now=now)
    if bearer is None and kiosk.kiosk_of(token, deps=deps) is not None:
        raise NotAuthenticated("this session is in kiosk mode (a tenant holds the tablet)")
    return actor


def current_credential(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The token this request logged in with (after `current_actor` accepted it)."""
    return credential(request, bearer) or ""


DepsDep = Annotated[Deps, Depends(get_deps)]
EngineDep = Annotated[DocumentEngine, Depends(get_engine)]
NowDep = Annotated[datetime, Depends(get_now)]
ActorDep = Annotated[Actor, Depends(current_actor)]
CredentialDep = Annotated[str, Depends(current_credential)]
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")]


def _safe_search(value: str | None) -> str | None:
    return None if value is None else refuse_unsafe_text(value, multiline=False)


PathId = Annotated[int, Path(gt=0, le=MAX_ID, description="An id")]
TaskId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]  # a queued job
OptId = Annotated[int | None, Query(gt=0, le=MAX_ID)]
Search = Annotated[
    str | None,
    Query(max_length=200, description="Text to search for"),
    AfterValidator(_safe_search),
]
