"""The staff pages' router: login and logout, the dashboard and the stylesheet."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response

from agreements.domain import text
from agreements.domain.errors import NotAuthenticated
from agreements.services.access import accounts
from agreements.services.cases import names
from agreements.services.context import Deps
from agreements.services.reminders import calendar
from agreements.services.work import work_for
from agreements.web.deps import SESSION_COOKIE, DepsDep, NowDep, set_session_cookie
from agreements.web.shared import views
from agreements.web.shared.ratelimit import PostLimiter, client_address
from agreements.web.shared.textguard import own_text_checks
from agreements.web.staff.common import (
    FormDep,
    Staff,
    StaffDep,
    StaffRoute,
    check_csrf,
    page,
    see_other,
)

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

_ASSETS = {"staff.css": "text/css", "staff.js": "text/javascript"}
Text = Annotated[str, Form()]


# The same words whether the account is unknown, the password wrong or the account locked:
# the page must not tell a stranger which addresses have an account.
REFUSED = (
    "Het e-mailadres of het wachtwoord klopt niet. Na te veel mislukte pogingen wordt een "
    "account een tijd geblokkeerd; dan lukt inloggen ook met het goede wachtwoord niet. "
    "Probeer het later opnieuw of vraag de beheerder het account te ontgrendelen."
)


def safe_next(target: str) -> str:
    # Only paths on this site: an open redirect would make the login page a phishing aid.
    target = target.replace("\\", "/")
    return target if target.startswith("/") and not target.startswith("//") else "/werk"


def too_many(request: Request, deps: DepsDep) -> str:
    """The Dutch refusal when this address tried too often (password and code alike)."""
    state = request.app.state
    limiter: PostLimiter | None = getattr(state, "staff_login_limiter", None)
    if limiter is None:
        limit = getattr(deps.settings, "login_attempts_per_minute", 10)
        limiter = state.staff_login_limiter = PostLimiter(limit)
    wait = limiter.retry_after("staff-login", client_address(request))
    return "" if wait is None else f"Te veel pogingen. Probeer het over {wait} seconden opnieuw."


@router.get("/login")
def login_form(deps: DepsDep, volgende: str = "/werk") -> Response:
    """The login form."""
    return page("login.html", deps, None, email="", error="", volgende=safe_next(volgende),
                organisation=deps.settings.oidc_enabled)  # fmt: skip


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
    email, volgende = email[:254], safe_next(volgende)
    again = {"email": email, "volgende": volgende, "organisation": deps.settings.oidc_enabled}
    if refusal := text.find_refusal(email, multiline=False):
        return page("login.html", deps, None, 422, **again, email_error=refusal.dutch(),
                    error="Dit e-mailadres kunnen wij niet gebruiken.")  # fmt: skip
    if error := too_many(request, deps):
        return page("login.html", deps, None, 429, **again, error=error)
    try:
        issued = accounts.login(email, password[:1000], deps=deps, now=now,
                                client=client_address(request), two_step=True)  # fmt: skip
    except NotAuthenticated:
        return page("login.html", deps, None, 401, **again, error=REFUSED)
    # With a second factor the session waits for the code; the role's set-up is asked for
    # by the first page (the route class sends the browser to it).
    step = f"/login/code?volgende={quote(volgende)}" if issued.code_pending else volgende
    response = see_other(step)
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
    return _dashboard(staff, deps)


def _dashboard(staff: Staff, deps: Deps, feed: str = "") -> Response:
    work = work_for(deps, staff.actor, staff.today)
    labels = names.case_labels(deps, work.case_ids)
    return page("werk.html", deps, staff, work=work, labels=labels, feed=feed)


@router.post("/werk/agenda")
def calendar_link(staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep) -> Response:
    """A coordinator's personal calendar link, shown once to copy into Outlook."""
    del data  # checked for its CSRF token
    token = calendar.new_feed_token(deps=deps, actor=staff.actor, now=now)
    return _dashboard(staff, deps, feed=calendar.feed_url(deps, token))


@router.get("/assets/staff/{name}")
def asset(name: str) -> Response:
    """The staff pages' stylesheet and script (files: the CSP forbids inline code)."""
    return views.asset(name, _ASSETS)
