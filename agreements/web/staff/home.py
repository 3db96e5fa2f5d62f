"""The staff pages' router: login and logout, the dashboard and the stylesheet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from agreements.domain import text
from agreements.domain.errors import NotAuthenticated
from agreements.services.access import accounts
from agreements.services.cases import names
from agreements.services.work import work_for
from agreements.web.deps import SESSION_COOKIE, DepsDep, NowDep, set_session_cookie
from agreements.web.shared import views
from agreements.web.shared.ratelimit import PostLimiter, client_address
from agreements.web.shared.textguard import own_text_checks
from agreements.web.staff.common import StaffDep, StaffRoute, check_csrf, page, see_other

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

_ASSETS = {"staff.css": "text/css", "staff.js": "text/javascript"}
Text = Annotated[str, Form()]


def _next(target: str) -> str:
    # Only paths on this site: an open redirect would make the login page a phishing aid.
    return target if target.startswith("/") and not target.startswith("//") else "/werk"


def _login_limiter(request: Request, per_minute: int) -> PostLimiter:
    state = request.app.state
    limiter: PostLimiter | None = getattr(state, "staff_login_limiter", None)
    if limiter is None:
        limiter = state.staff_login_limiter = PostLimiter(per_minute)
    return limiter


@router.get("/login")
def login_form(deps: DepsDep, volgende: str = "/werk") -> Response:
    """The login form."""
    return page("login.html", deps, None, email="", error="", volgende=_next(volgende))


@router.post("/login")
@own_text_checks("email", "password")  # the password is only hashed, never stored or searched
def login(
    request: Request,
    deps: DepsDep,
    now: NowDep,
    email: Text = "",
    password: Text = "",
    volgende: Text = "/werk",
) -> Response:
    """Check the password, set the session cookie and go where the user was heading."""
    email = email[:254]
    if refusal := text.find_refusal(email, multiline=False):
        return page("login.html", deps, None, 422, email=email, volgende=_next(volgende),
                    error="Dit e-mailadres kunnen wij niet gebruiken.",
                    email_error=refusal.dutch())  # fmt: skip
    limit = getattr(deps.settings, "login_attempts_per_minute", 10)
    wait = _login_limiter(request, limit).retry_after("staff-login", client_address(request))
    if wait is not None:
        error = f"Te veel pogingen. Probeer het over {wait} seconden opnieuw."
        return page("login.html", deps, None, 429, email=email, error=error, volgende=volgende)
    try:
        issued = accounts.login(
            email, password[:1000], deps=deps, now=now, client=client_address(request)
        )
    except NotAuthenticated:
        error = "Het e-mailadres of het wachtwoord klopt niet."
        return page("login.html", deps, None, 401, email=email, error=error, volgende=volgende)
    response = see_other(_next(volgende))
    set_session_cookie(response, issued.token, deps)
    return response


@router.post("/logout")
def logout(staff: StaffDep, deps: DepsDep, now: NowDep, csrf: Text = "") -> Response:
    """End the session."""
    check_csrf(staff, csrf, deps)
    accounts.logout(staff.token, deps=deps, now=now)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/werk")
def dashboard(staff: StaffDep, deps: DepsDep) -> Response:
    """What is due this week and what is overdue, over the cases the actor may see."""
    work = work_for(deps, staff.actor, staff.today)
    labels = names.case_labels(deps, work.case_ids)
    return page("werk.html", deps, staff, work=work, labels=labels)


@router.get("/assets/staff/{name}")
def asset(name: str) -> Response:
    """The staff pages' stylesheet and script (files: the CSP forbids inline code)."""
    return views.asset(name, _ASSETS)
