"""The steps of staff sign-in after the password: the code from the app, setting the second
factor up (its recovery codes shown once), and the account page with the password change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from agreements.domain.errors import Conflict, NotAuthenticated, ValidationFailed
from agreements.services.access import accounts, second_factor
from agreements.web.deps import SESSION_COOKIE, DepsDep, NowDep, set_session_cookie
from agreements.web.shared.ratelimit import client_address
from agreements.web.shared.textguard import own_text_checks
from agreements.web.staff.common import (
    EnrollingStaffDep,
    StaffDep,
    StaffRoute,
    check_csrf,
    page,
    see_other,
)
from agreements.web.staff.home import safe_next, too_many

router = APIRouter(include_in_schema=False, route_class=StaffRoute)
Text = Annotated[str, Form()]
WRONG_CODE = (
    "De code klopt niet. Typ de nieuwste code uit uw app, of een herstelcode. Na te veel "
    "mislukte pogingen wordt het account een tijd geblokkeerd; log dan later opnieuw in."
)
NO_HEADERS = {"Cache-Control": "no-store"}  # a secret or recovery codes: never cached


@router.get("/login/code")
def code_form(deps: DepsDep, volgende: str = "/werk") -> Response:
    """The second step: the code from the app."""
    return page("login_code.html", deps, None, error="", volgende=safe_next(volgende))


@router.post("/login/code")
@own_text_checks("code")
def code(
    request: Request, deps: DepsDep, now: NowDep, code: Text = "", volgende: Text = "/werk"
) -> Response:
    """Check the code; the full session replaces the one that waited for it."""
    volgende = safe_next(volgende)
    if error := too_many(request, deps):
        return page("login_code.html", deps, None, 429, error=error, volgende=volgende)
    token = request.cookies.get(SESSION_COOKIE, "")[:200]
    try:
        issued = accounts.confirm_code(
            token, code[:40], deps=deps, now=now, client=client_address(request)
        )
    except NotAuthenticated:
        return page("login_code.html", deps, None, 401, error=WRONG_CODE, volgende=volgende)
    response = see_other(volgende)
    set_session_cookie(response, issued.token, deps)
    return response


@router.get("/tweestaps")
def enrol_form(staff: EnrollingStaffDep, deps: DepsDep, now: NowDep, volgende: str = "/werk"
               ) -> Response:  # fmt: skip
    """Setting up the second factor: the QR code for the app, then a first code."""
    return _enrol_page(staff, deps, now, safe_next(volgende))


def _enrol_page(staff: EnrollingStaffDep, deps: DepsDep, now: NowDep, volgende: str,
                error: str = "") -> Response:  # fmt: skip
    user_id = staff.actor.user_id or 0
    try:
        enrolment = second_factor.start(user_id, deps=deps, now=now)
    except Conflict:  # already on
        return see_other("/account")
    required = second_factor.state(user_id, deps=deps).required
    response = page("tweestaps.html", deps, None, 422 if error else 200, enrolment=enrolment,
                    csrf=staff.csrf, required=required, error=error, volgende=volgende)  # fmt: skip
    response.headers.update(NO_HEADERS)
    return response


@router.post("/tweestaps")
@own_text_checks("code")
def enrol(staff: EnrollingStaffDep, deps: DepsDep, now: NowDep, csrf: Text = "",
          code: Text = "", volgende: Text = "/werk") -> Response:  # fmt: skip
    """Switch the second factor on with a first code; the recovery codes, shown once."""
    check_csrf(staff, csrf, deps)
    volgende = safe_next(volgende)
    try:
        codes = second_factor.confirm(staff.actor.user_id or 0, code[:40], deps=deps, now=now)
    except ValidationFailed:
        error = "De code klopt niet. Typ de code van 6 cijfers die de app nu toont."
        return _enrol_page(staff, deps, now, volgende, error)
    except Conflict:
        return see_other("/account")
    response = page("herstelcodes.html", deps, None, codes=codes, volgende=volgende)
    response.headers.update(NO_HEADERS)
    return response


@router.get("/account")
def account(staff: StaffDep, deps: DepsDep, gelukt: str = "") -> Response:
    """The second factor's state and the password change."""
    return _account_page(staff, deps, 200, gelukt=gelukt, errors={})


def _account_page(staff: StaffDep, deps: DepsDep, status: int, **context: object) -> Response:
    state = second_factor.state(staff.actor.user_id or 0, deps=deps)
    return page("account.html", deps, staff, status, state=state, **context)


@router.post("/account/wachtwoord")
@own_text_checks("huidig", "nieuw", "herhaling")  # passwords are only hashed, never stored
def change_password(
    staff: StaffDep,
    deps: DepsDep,
    now: NowDep,
    csrf: Text = "",
    huidig: Text = "",
    nieuw: Text = "",
    herhaling: Text = "",
) -> Response:
    """A new password; the user's other logins end, this one stays."""
    check_csrf(staff, csrf, deps)
    errors: dict[str, str] = {}
    if nieuw != herhaling:
        errors["herhaling"] = "De twee nieuwe wachtwoorden zijn niet gelijk."
    elif len(nieuw) < accounts.MIN_PASSWORD:
        errors["nieuw"] = f"Kies een wachtwoord van minstens {accounts.MIN_PASSWORD} tekens."
    if not errors:
        try:
            accounts.change_password(staff.actor.user_id or 0, nieuw[:1000], deps=deps, now=now,
                                     current=huidig[:1000], keep_token=staff.token)  # fmt: skip
            return see_other("/account?gelukt=wachtwoord")
        except ValidationFailed:
            errors["huidig"] = "Uw huidige wachtwoord klopt niet."
    return _account_page(staff, deps, 422, gelukt="", errors=errors)
