"""The kiosk (issue 13): the tenant signs in person on the coordinator's tablet.

The coordinator starts it from the version page and names the witness (a full name). The
session is then in kiosk mode: the staff pages send it back here (`common.staff_session`),
and the way back asks for the coordinator's own password.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from agreements.domain import consent, text
from agreements.domain.errors import Conflict, ValidationFailed
from agreements.services.access import kiosk
from agreements.services.signatures import sign
from agreements.services.signatures.links import LinkView
from agreements.web.deps import DepsDep, EngineDep, NowDep, PathId
from agreements.web.party import summary
from agreements.web.shared import signatory, views
from agreements.web.shared.drawing import drawing
from agreements.web.shared.ratelimit import client_address
from agreements.web.shared.textguard import own_text_checks
from agreements.web.shared.views import HEADERS, html, page_png
from agreements.web.staff.common import (
    FormDep,
    KioskFormDep,
    Staff,
    StaffDep,
    StaffRoute,
    form_page,
    kiosk_session,
    see_other,
)
from agreements.web.staff.forms import Errors, typed

router = APIRouter(include_in_schema=False, route_class=StaffRoute)
_ASSETS = {"kiosk.css": "text/css", "kiosk.js": "text/javascript"}


def _kiosk(request: Request, deps: Any, now: Any) -> tuple[Staff, kiosk.Kiosk | None]:
    staff = kiosk_session(request, deps, now)
    return staff, kiosk.kiosk_of(staff.token, deps=deps)


@router.get("/verzoeken/{request_id}/kiosk")
def start_form(request_id: PathId, staff: StaffDep, deps: DepsDep) -> Response:
    """Who witnesses: the coordinator's full name, filled in from the account."""
    request, version, document = _witnessed(request_id, staff, deps)
    # A full name has a first and a last name; a login name ("Coordinator") is typed over.
    name = staff.actor.name.strip()
    form = {"witness_name": name if " " in name else ""}
    return _start_page(staff, deps, request, version, document, form, {})


def _witnessed(request_id: int, staff: Staff, deps: Any) -> tuple[Any, Any, Any]:
    request, version, document = sign.request_to_sign(
        request_id, deps=deps, actor=staff.actor, now=staff.now
    )
    if not sign.witnessing(staff.actor, request):
        raise Conflict("this request cannot be signed in person here")
    sign.staff_signing(staff.actor, request, staff.now, witness=True)
    return request, version, document


def _start_page(
    staff: Staff, deps: Any, request: Any, version: Any, document: Any, form: Any, errors: Errors
) -> Response:
    return form_page(
        "kiosk_start.html", deps, staff, form, errors,
        request=request, version=version, document=document,
    )  # fmt: skip


def witness_error(name: str) -> str | None:
    """The Dutch reason a witness's name cannot be used, or None."""
    if not name:
        return "Typ uw voornaam en achternaam. U bent de getuige."
    if len(name) > 200:
        return "De naam is te lang: hoogstens 200 tekens."
    if refusal := text.find_refusal(text.normalise_line_ends(name), multiline=False):
        return refusal.dutch()
    return None


@router.post("/verzoeken/{request_id}/kiosk")
@own_text_checks("witness_name")
def start(
    request_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep
) -> Response:
    """Into kiosk mode for this request, with the witness's full name."""
    form = typed(data, ["witness_name"])
    request, version, document = _witnessed(request_id, staff, deps)
    name = " ".join(form["witness_name"].split())
    if problem := witness_error(name):
        return _start_page(staff, deps, request, version, document, form, {"witness_name": problem})
    kiosk.start(staff.token, request_id, name, deps=deps, now=now)
    return see_other("/kiosk")


@router.get("/kiosk")
def kiosk_page(http: Request, deps: DepsDep, now: NowDep) -> Response:
    """The tenant's page: the document, what they promise, and signing; afterwards thanks."""
    staff, here = _kiosk(http, deps, now)
    if here is None:
        return see_other("/werk")
    return _page(staff, here, deps, {}, {})


def _page(staff: Staff, here: kiosk.Kiosk, deps: Any, form: Any, errors: Errors) -> Response:
    try:
        request, version, document = sign.request_to_sign(
            here.request_id, deps=deps, actor=staff.actor, now=staff.now
        )
    except Conflict:  # signed (or no longer open): the tenant is done
        return html("staff/kiosk_klaar.html", 200, deps, staff=staff, errors={})
    view = cast(LinkView, SimpleNamespace(request=request, version=version))
    intro, promises = summary.promises(view)
    return html(
        "staff/kiosk.html",
        422 if errors else 200,
        deps,
        staff=staff,
        request=request,
        version=version,
        document=document,
        form=form,
        errors=errors,
        promises_intro=intro,
        promises=promises,
        breach=summary.breach(version.data, request.party_role),
        pages=range(1, (version.pages or 0) + 1),
        consent_text=consent.consent_text(deps.settings.consent_version, request.party_role),
        consent_version=deps.settings.consent_version,
    )


@router.get("/kiosk/pagina/{number}.png")
def page_image(
    number: int, http: Request, deps: DepsDep, engine: EngineDep, now: NowDep
) -> Response:
    """One page of the version the tenant signs, as an image."""
    staff, here = _kiosk(http, deps, now)
    if here is None:
        return Response(status_code=404, headers=HEADERS)
    request, version, _ = sign.request_to_sign(
        here.request_id, deps=deps, actor=staff.actor, now=staff.now
    )
    if not 1 <= number <= (version.pages or 0):
        return Response(status_code=404, headers=HEADERS)
    path = page_png(engine, request.document_sha256, number)
    return FileResponse(path, media_type="image/png", headers=HEADERS)


@router.post("/kiosk/tekenen")
@own_text_checks("typed_name", "consent", "consent_version", "drawn")
def sign_here(
    http: Request, deps: DepsDep, engine: EngineDep, now: NowDep, data: KioskFormDep
) -> Response:
    """The tenant signs; the evidence names the witness the coordinator gave."""
    staff, here = _kiosk(http, deps, now)
    if here is None:
        return see_other("/werk")
    form = typed(data, ["typed_name", "consent", "drawn"])
    errors: Errors = {}
    name = form["typed_name"].strip()
    if problem := signatory.name_error(name, empty="Typ uw voornaam en achternaam."):
        errors["typed_name"] = problem
    png, problem = drawing(form["drawn"])
    if problem:
        errors["drawn"] = problem
        form["drawn"] = ""
    if form["consent"] != "ja":
        errors["consent"] = "Zet een vinkje als u akkoord gaat."
    if errors:
        return _page(staff, here, deps, form, errors)
    sign_input = sign.SignInput(
        typed_name=name,
        consent_version=str(data.get("consent_version", ""))[:20],
        ip=client_address(http),
        user_agent=http.headers.get("user-agent"),
        drawn_png=png,
    )
    try:
        sign.sign_as_staff(
            here.request_id, sign_input, deps=deps, actor=staff.actor, now=now,
            witness=True, witness_name=here.witness, engine=engine,
        )  # fmt: skip
    except ValidationFailed:
        errors["typed_name"] = "De tekst over toestemming is veranderd. Lees hem opnieuw."
        return _page(staff, here, deps, form, errors)
    return see_other("/kiosk")


@router.get("/kiosk/verlaten")
def leave_form(http: Request, deps: DepsDep, now: NowDep) -> Response:
    """The coordinator's way back: their password."""
    staff, here = _kiosk(http, deps, now)
    if here is None:
        return see_other("/werk")
    return html("staff/kiosk_uit.html", 200, deps, staff=staff, errors={})


@router.post("/kiosk/verlaten")
def leave(http: Request, deps: DepsDep, now: NowDep, data: KioskFormDep) -> Response:
    """Back to the staff pages with the coordinator's password; a wrong one stays here."""
    staff, here = _kiosk(http, deps, now)
    if here is None:
        return see_other("/werk")
    try:
        kiosk.leave(staff.token, str(data.get("password", ""))[:1000], deps=deps, now=now)
    except kiosk.WrongPassword as exc:
        error = (
            "U heeft te vaak een verkeerd wachtwoord getypt. Wacht 5 minuten."
            if exc.locked
            else "Dit wachtwoord klopt niet. Geef de tablet terug aan de coördinator."
        )
        status = 429 if exc.locked else 401
        return html("staff/kiosk_uit.html", status, deps, staff=staff, errors={"password": error})
    return see_other("/werk")


@router.get("/assets/kiosk/{name}")
def asset(name: str) -> Response:
    """The kiosk's stylesheet and script (files: the CSP forbids inline code)."""
    return views.asset(name, _ASSETS)
