"""The one-time code page before a link signer signs: get a code a second way, type it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from agreements.services.context import Deps
from agreements.services.signatures import codes
from agreements.web.deps import DepsDep, NowDep
from agreements.web.shared.ratelimit import too_many
from agreements.web.shared.textguard import CheckedRoute, own_text_checks
from agreements.web.shared.views import HEADERS, html
from signing.tokens import LinkState

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
Text = Annotated[str, Form()]

_SENT = {
    "email": "Wij hebben een e-mail met de code gestuurd naar {email}.",
    "sms": "Wij hebben een sms met de code gestuurd naar het nummer dat eindigt op {phone}.",
}
_REFUSED = {
    "missing": "Vraag eerst een code. Kies hieronder hoe u de code wilt krijgen.",
    "expired": "Deze code werkt niet meer: hij is verlopen. Vraag een nieuwe code.",
    "too_soon": "U heeft net een code gevraagd. Wacht {wait} seconden en probeer het opnieuw.",
    "too_many_sent": "U heeft al veel codes gevraagd. Bel de coördinator: die leest een code voor.",
    "no_way": "Op deze manier kunnen wij u geen code sturen. Kies een andere manier.",
    "not_sent": "Het versturen van de code lukte niet. Probeer het over een paar minuten "
    "opnieuw, of bel de coördinator.",
}


@dataclass
class CodeForm:
    code: str = ""
    notice: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def _page(token: str, deps: Deps, now: datetime, form: CodeForm, status: int = 200) -> Response:
    found = codes.state(token, deps=deps, now=now)
    if found is None or found[0].state is not LinkState.VALID:
        return RedirectResponse(f"/s/{token}", status_code=303, headers=HEADERS)
    view, state = found
    if state.locked:
        return html("code_locked.html", 429, deps, token=token, view=view, state=state)
    status = 422 if form.errors and status == 200 else status
    return html("code.html", status, deps, token=token, view=view, state=state, form=form)


@router.get("/s/{token}/code", response_class=HTMLResponse)
def code_page(token: str, deps: DepsDep, now: NowDep, verstuurd: str = "") -> Response:
    """Where the party asks for a code and types it; opening it sends nothing."""
    if not codes.needs_code(token, deps=deps, now=now):
        return RedirectResponse(f"/s/{token}", status_code=303, headers=HEADERS)
    form = CodeForm()
    found = codes.state(token, deps=deps, now=now)
    if found and verstuurd in _SENT:
        form.notice = _SENT[verstuurd].format(email=found[1].email, phone=found[1].phone)
    return _page(token, deps, now, form)


@router.post("/s/{token}/code/send", response_class=HTMLResponse)
@own_text_checks("channel")
def send(token: str, request: Request, deps: DepsDep, now: NowDep, channel: Text = "") -> Response:
    """Send a fresh code by e-mail or SMS (at most one a minute, a few per request)."""
    if limited := too_many(request, deps, "code-send"):
        return limited
    try:
        codes.send_code(token, channel, deps=deps, now=now)
    except codes.CodeRefused as exc:
        form = CodeForm(errors={"channel": _REFUSED.get(exc.reason, _REFUSED["no_way"])})
        form.errors["channel"] = form.errors["channel"].format(wait=exc.wait)
        return _page(token, deps, now, form, 429 if exc.reason == "too_soon" else 422)
    return RedirectResponse(f"/s/{token}/code?verstuurd={channel}", 303, headers=HEADERS)


@router.post("/s/{token}/code", response_class=HTMLResponse)
@own_text_checks("code")
def check(token: str, request: Request, deps: DepsDep, now: NowDep, code: Text = "") -> Response:
    """Check the typed code; right: on to the signing page, wrong: counted, typed kept."""
    if limited := too_many(request, deps, "code"):
        return limited
    form = CodeForm(code=code[:20])
    if not code.strip():
        form.errors["code"] = "Typ de code van 6 cijfers."
        return _page(token, deps, now, form)
    try:
        codes.check_code(token, code, deps=deps, now=now)
    except codes.CodeRefused as exc:
        if exc.reason == "wrong":
            form.errors["code"] = (
                f"Deze code klopt niet. Kijk goed en typ hem opnieuw. U mag het nog "
                f"{exc.left} keer proberen."
            )
        else:
            form.errors["code"] = _REFUSED.get(exc.reason, _REFUSED["missing"])
        return _page(token, deps, now, form)
    return RedirectResponse(f"/s/{token}", status_code=303, headers=HEADERS)
