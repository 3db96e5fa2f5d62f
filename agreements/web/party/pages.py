"""The signing pages for parties: read the exact document version, then sign or decline once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from agreements.domain import consent, text
from agreements.domain.enums import RequestStatus, SigningRole
from agreements.domain.errors import Conflict, LinkUnusable, ValidationFailed
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures import codes, sign
from agreements.web.deps import DepsDep, EngineDep, NowDep
from agreements.web.party import summary
from agreements.web.shared import signatory
from agreements.web.shared.drawing import drawing
from agreements.web.shared.ratelimit import client_address, too_many
from agreements.web.shared.textguard import CheckedRoute, own_text_checks
from agreements.web.shared.views import BIG_DPI, HEADERS, WEB, html, page_png, pdf, pdf_download
from signing.tokens import LinkState

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)

_ASSETS = {"signing.css": "text/css", "signing.js": "text/javascript"}
_GONE = {
    LinkState.EXPIRED: (410, "Deze link werkt niet meer"),
    LinkState.USED: (410, "Deze link is al gebruikt"),
    LinkState.REVOKED: (410, "Deze link is ingetrokken"),
    LinkState.VOIDED: (410, "Er is een nieuwe versie van het document"),
    LinkState.UNKNOWN: (404, "Deze link kennen wij niet"),
}
# The service's field errors are in English for the API; parties read them in Dutch.
_ERRORS_NL = {
    "typed_name": "Typ uw volledige naam.",
    "reason": "Schrijf op waarom u niet tekent.",
    "consent_version": "De tekst over toestemming is veranderd. Laad de pagina opnieuw.",
}


def _open(token: str, deps: Deps, now: datetime) -> sign.LinkView | None:
    if not 20 <= len(token) <= 100:  # not one of ours: no need to ask the database
        return None
    return sign.open_link(token, deps=deps, now=now)


def _state_page(token: str, view: sign.LinkView | None, deps: Deps, now: datetime) -> HTMLResponse:
    if view is not None and (closed := _reading_over(view, deps, now)):
        return closed
    state = view.state if view is not None else LinkState.UNKNOWN
    status, heading = _GONE[state]
    if view is not None and state is LinkState.USED:
        declined = view.request.status is RequestStatus.DECLINED
        heading = "U heeft gezegd dat u niet tekent" if declined else "U heeft al ondertekend"
    return html(
        "link_state.html", status, deps, token=token, view=view, state=state, heading=heading,
        signed=view is not None and view.request.status is RequestStatus.SIGNED,
        sealed=view is not None and _sealed(view),
    )  # fmt: skip


def _reading_over(view: sign.LinkView, deps: Deps, now: datetime) -> HTMLResponse | None:
    """For a used link whose reading time is over: the page that says how to get a copy."""
    until = sign.readable_until(view, deps=deps)
    if view.state is not LinkState.USED or until is None or now < until:
        return None
    return html(
        "read_closed.html", 410, deps, view=view, until=until,
        declined=view.request.status is RequestStatus.DECLINED,
        coordinator=sign.link_coordinator(view, deps=deps),
    )  # fmt: skip


def _sealed(view: sign.LinkView) -> bool:
    """A signer's own sealed copy is theirs to fetch; a decliner's link gives none."""
    return view.request.status is RequestStatus.SIGNED and view.version.is_sealed


def _waiting_page(token: str, view: sign.LinkView, deps: Deps, status: int = 200) -> HTMLResponse:
    return html("waiting.html", status, deps, token=token, view=view)


@dataclass
class FormState:
    """What the party typed, kept when the form comes back with errors."""

    typed_name: str = ""
    consent: bool = False
    drawn: str = ""
    reason: str = ""
    function: str = ""  # for an organisation: the signer's function and mandate
    mandate_basis: str = ""
    mandate_detail: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def _form_page(token: str, view: sign.LinkView, deps: Deps, form: FormState) -> HTMLResponse:
    signs_for = signatory.context(view.request.id, deps)
    intro, promises = summary.promises(view, signs_for["organisation"])
    return html(
        "sign.html",
        422 if form.errors else 200,
        deps,
        token=token,
        view=view,
        form=form,
        signs_as=SigningRole.label_of(view.request.party_role),
        promises_intro=intro,
        promises=promises,
        breach=summary.breach(view.version.data, view.request.party_role),
        pages=range(1, (view.version.pages or 0) + 1),
        consent_text=consent.consent_text(deps.settings.consent_version, view.request.party_role),
        consent_version=deps.settings.consent_version,
        expires=deps.settings.day_of(view.request.expires_at),
        **signs_for,
    )


def _errors_nl(exc: ValidationFailed) -> dict[str, str]:
    return {
        e.field: _ERRORS_NL.get(e.field, "Dit kunnen wij niet verwerken. Probeer het opnieuw.")
        for e in exc.errors
    }


def _submit(
    token: str,
    deps: Deps,
    engine: DocumentEngine | None,
    now: datetime,
    data: sign.SignInput,
    form: FormState,
    reason: str | None,
) -> Response:
    """Call the service once (it looks the link up, and queues what follows: the next party,
    the seal, the coordinator's notice); every outcome becomes a page, success a redirect. A
    refusal reads the link again, as it stands after the rollback, for its page."""
    try:
        sign.sign_with_link(token, data, deps=deps, now=now, decline_reason=reason, engine=engine)
    except LinkUnusable:
        return _state_page(token, _open(token, deps, now), deps, now)
    except ValidationFailed as exc:
        view = _open(token, deps, now)
        if view is None or view.state is not LinkState.VALID:
            return _state_page(token, view, deps, now)
        form.errors = _errors_nl(exc)
        return _form_page(token, view, deps, form)
    except Conflict:  # not their turn yet, paused by a decline, or a one-time code first
        usable = _usable(token, deps, now)
        if isinstance(usable, Response):
            return usable
        return _waiting_page(token, usable, deps, 409)
    return RedirectResponse(f"/s/{token}/klaar", status_code=303, headers=HEADERS)


def _refused(token: str, deps: Deps, now: datetime, form: FormState) -> Response:
    """The form again with what was typed and where it is wrong, or why the link cannot be
    used now (that comes first, as it would have without the form's mistakes)."""
    view = _usable(token, deps, now)
    return view if isinstance(view, Response) else _form_page(token, view, deps, form)


def _usable(token: str, deps: Deps, now: datetime, waiting: int = 409) -> sign.LinkView | Response:
    """The view of a link that can be signed now, or the page that says why not."""
    view = _open(token, deps, now)
    if view is None or view.state is not LinkState.VALID:
        return _state_page(token, view, deps, now)
    if view.waiting_for_others:
        return _waiting_page(token, view, deps, waiting)
    if view.paused:  # another party declined: the coordinator decides what follows
        return html("paused.html", waiting, deps, token=token, view=view)
    if codes.needs_code(token, deps=deps, now=now):  # web/party/codes.py
        return RedirectResponse(f"/s/{token}/code", status_code=303, headers=HEADERS)
    return view


Text = Annotated[str, Form()]


@router.get("/s/{token}", response_class=HTMLResponse)
def signing_page(token: str, deps: DepsDep, now: NowDep) -> Response:
    """The signing page; opening it changes nothing, because mail scanners open links too."""
    view = _usable(token, deps, now, waiting=200)
    if isinstance(view, Response):
        return view
    start = signatory.prefill(view.request.id, deps)  # the contact person, not the organisation
    return _form_page(token, view, deps, FormState(typed_name=start.get("typed_name", "")))


@router.post("/s/{token}/sign", response_class=HTMLResponse)
@own_text_checks("typed_name", "consent", "consent_version", "drawn", *signatory.FIELDS)
def sign_post(
    token: str,
    request: Request,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    typed_name: Text = "",
    consent: Text = "",
    consent_version: Text = "",
    drawn: Text = "",
    function: Text = "",
    mandate_basis: Text = "",
    mandate_detail: Text = "",
) -> Response:
    """Sign: the typed name, the consent box and an optional drawn signature (for an
    organisation also the signer's function and mandate)."""
    if limited := too_many(request, deps, "sign"):
        return limited
    person = (function[:300], mandate_basis[:40], mandate_detail[:300])
    form = FormState(typed_name[:300], consent == "ja", drawn, "", *person)
    typed_name = text.normalise_line_ends(typed_name)
    if problem := signatory.name_error(typed_name, empty=_ERRORS_NL["typed_name"]):
        form.errors["typed_name"] = problem
    if not form.consent:
        form.errors["consent"] = "Zet een vinkje als u akkoord gaat. Anders kunt u niet tekenen."
    png, problem = drawing(drawn)
    if problem:
        form.errors["drawn"], form.drawn = problem, ""
    if view := _open(token, deps, now):
        form.errors.update(signatory.errors(view.request.party_role, *person))
    if form.errors:
        return _refused(token, deps, now, form)
    data = sign.SignInput(
        typed_name=typed_name,
        consent_version=consent_version,
        ip=client_address(request),
        user_agent=request.headers.get("user-agent"),
        drawn_png=png,
        function=function,
        mandate_basis=mandate_basis,
        mandate_detail=mandate_detail,
    )
    return _submit(token, deps, engine, now, data, form, None)


@router.post("/s/{token}/decline", response_class=HTMLResponse)
@own_text_checks("reason", "consent_version")
def decline(
    token: str,
    request: Request,
    deps: DepsDep,
    now: NowDep,
    reason: Text = "",
    consent_version: Text = "",
) -> Response:
    """Decline with a reason; the coordinator hears of it at once."""
    if limited := too_many(request, deps, "decline"):
        return limited
    reason = text.normalise_line_ends(reason)
    form = FormState(reason=reason[:2000])
    if not reason.strip():
        form.errors["reason"] = _ERRORS_NL["reason"]
    elif len(reason) > 2000:
        form.errors["reason"] = "Uw uitleg is te lang. Gebruik hoogstens 2000 tekens."
    elif refusal := text.find_refusal(reason):
        form.errors["reason"] = refusal.dutch()
    if form.errors:
        return _refused(token, deps, now, form)
    data = sign.SignInput(
        typed_name="",
        consent_version=consent_version,
        ip=client_address(request),
        user_agent=request.headers.get("user-agent"),
    )
    return _submit(token, deps, None, now, data, form, reason)


@router.get("/s/{token}/klaar", response_class=HTMLResponse)
def done(token: str, deps: DepsDep, now: NowDep) -> Response:
    """Thank you: what happens next, and the document the party signed."""
    view = _open(token, deps, now)
    if view is not None and view.state is LinkState.VALID:
        return RedirectResponse(f"/s/{token}", status_code=303, headers=HEADERS)
    if view is None or view.state is not LinkState.USED:
        return _state_page(token, view, deps, now)
    if closed := _reading_over(view, deps, now):
        return closed
    declined = view.request.status is RequestStatus.DECLINED
    return html(
        "done.html", 200, deps, token=token, view=view, declined=declined, sealed=_sealed(view)
    )


def _readable(token: str, deps: Deps, now: datetime) -> sign.LinkView | None:
    """The document is for a live link, or for the party who already used it."""
    view = _open(token, deps, now)
    if view is None or view.state not in (LinkState.VALID, LinkState.USED):
        return None
    return view


@router.get("/s/{token}/document.pdf")
def document_pdf(token: str, deps: DepsDep, engine: EngineDep, now: NowDep) -> Response:
    """The exact PDF version this link is for; once every party signed and it is sealed, the
    sealed file (the same as `ondertekend.pdf`), so that no link gives an unsealed copy of
    a signed document."""
    view = _readable(token, deps, now)
    if view is None:
        return _state_page(token, _open(token, deps, now), deps, now)
    if closed := _reading_over(view, deps, now):
        return closed
    if _sealed(view):
        data = sign.read_signed_copy(view, deps=deps, engine=engine, now=now)
        return pdf_download(data, f"{view.document.kind}-ondertekend.pdf")
    return pdf(engine, view.request.document_sha256, f"{view.document.kind}.pdf")


@router.get("/s/{token}/ondertekend.pdf")
def signed_pdf(token: str, deps: DepsDep, engine: EngineDep, now: NowDep) -> Response:
    """The sealed copy, only for a party who signed and only once it is sealed."""
    view = _open(token, deps, now)
    if view is not None and (closed := _reading_over(view, deps, now)):
        return closed
    if view is None or view.state is not LinkState.USED or not _sealed(view):
        return html("not_ready.html", 404, deps)
    data = sign.read_signed_copy(view, deps=deps, engine=engine, now=now)
    return pdf_download(data, f"{view.document.kind}-ondertekend.pdf")


@router.get("/s/{token}/pages/{number}.png")
def page_image(token: str, number: int, deps: DepsDep, engine: EngineDep, now: NowDep) -> Response:
    """One page of the exact PDF as an image, so a phone can show it without a PDF viewer."""
    view = _readable(token, deps, now)
    if view is None or not 1 <= number <= (view.version.pages or 0):
        return Response(status_code=404, headers=HEADERS)
    if closed := _reading_over(view, deps, now):
        return closed
    path = page_png(engine, view.request.document_sha256, number)
    return FileResponse(path, media_type="image/png", headers=HEADERS)


@router.get("/s/{token}/pagina-groot/{number}.png")
def big_page_image(
    token: str, number: int, deps: DepsDep, engine: EngineDep, now: NowDep
) -> Response:
    """The same page at twice the resolution: sharp on a phone, and for zooming in."""
    view = _readable(token, deps, now)
    if view is None or not 1 <= number <= (view.version.pages or 0):
        return Response(status_code=404, headers=HEADERS)
    if closed := _reading_over(view, deps, now):
        return closed
    path = page_png(engine, view.request.document_sha256, number, dpi=BIG_DPI)
    return FileResponse(path, media_type="image/png", headers=HEADERS)


@router.get("/assets/{name}")
def asset(name: str) -> Response:
    """The signing pages' stylesheet and script (files, so the CSP can forbid inline code)."""
    media = _ASSETS.get(name)
    if media is None:
        return Response(status_code=404)
    return FileResponse(
        WEB / "static" / name,
        media_type=media,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
