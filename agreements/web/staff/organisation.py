"""Sign-in through the organisation's identity provider (OpenID Connect): away and back."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from agreements.domain.errors import NotAuthenticated, NotFound
from agreements.services.access import organisation_login
from agreements.web.deps import DepsDep, NowDep, set_session_cookie
from agreements.web.shared.ratelimit import client_address
from agreements.web.shared.views import HEADERS
from agreements.web.staff.common import StaffRoute, page, see_other
from agreements.web.staff.home import safe_next

router = APIRouter(include_in_schema=False, route_class=StaffRoute)
STATE_COOKIE = "agreements_oidc"
NO_GROUP = (
    "U bent bij uw organisatie ingelogd, maar u staat niet in een groep die toegang geeft tot "
    "deze site. Vraag de beheerder van uw organisatie om toegang."
)
FAILED = "Inloggen via uw organisatie lukte niet. Probeer het opnieuw of log in met uw wachtwoord."


@router.get("/login/organisatie")
def away(deps: DepsDep, now: NowDep, volgende: str = "/werk") -> Response:
    """To the organisation's identity provider, with state, nonce and PKCE."""
    if not deps.settings.oidc_enabled:
        raise NotFound("page", "/login/organisatie")
    try:
        start = organisation_login.begin(safe_next(volgende), deps=deps, now=now)
    except NotAuthenticated:
        return _refused(deps, 502, FAILED)
    response = RedirectResponse(start.url, status_code=303, headers=HEADERS)
    response.set_cookie(STATE_COOKIE, start.state, max_age=organisation_login.STATE_SECONDS,
                        httponly=True, samesite="lax", secure=deps.settings.secure_cookies,
                        path="/login/organisatie")  # fmt: skip
    return response


@router.get(organisation_login.CALLBACK)
def back(request: Request, deps: DepsDep, now: NowDep, code: str = "", state: str = "") -> Response:
    """Back from the provider: the code exchanged, the ID token checked, the group mapped."""
    if not deps.settings.oidc_enabled:
        raise NotFound("page", organisation_login.CALLBACK)
    cookie = request.cookies.get(STATE_COOKIE, "")
    if not (code and state and cookie):
        return _refused(deps, 401, FAILED)
    try:
        issued, volgende = organisation_login.finish(cookie[:4000], code[:2000], state[:200],
            deps=deps, now=now, client_address=client_address(request))  # fmt: skip
    except organisation_login.NoGroup:
        return _refused(deps, 403, NO_GROUP)
    except NotAuthenticated:
        return _refused(deps, 401, FAILED)
    response = see_other(safe_next(volgende))
    response.delete_cookie(STATE_COOKIE, path="/login/organisatie")
    set_session_cookie(response, issued.token, deps)
    return response


def _refused(deps: DepsDep, status: int, error: str) -> Response:
    return page("login.html", deps, None, status, email="", error=error, volgende="/werk",
                organisation=deps.settings.oidc_enabled)  # fmt: skip
