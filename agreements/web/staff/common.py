"""What every staff page shares: the session, CSRF, the layout and the pages for errors."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from agreements.domain.enums import Role
from agreements.domain.errors import (
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
    PartiesDiffer,
    SecondFactorNeeded,
    ValidationFailed,
)
from agreements.domain.policy import Action, Actor, Resource, allowed
from agreements.services.access import accounts, kiosk
from agreements.services.context import Deps
from agreements.services.documents.read import list_documents
from agreements.services.records import DocumentVersion
from agreements.web.deps import SESSION_COOKIE, DepsDep, NowDep
from agreements.web.shared import csrf
from agreements.web.shared.textguard import CheckedRoute
from agreements.web.shared.views import HEADERS, html
from agreements.web.staff.forms import missing_nl


class BadCsrf(Exception):
    """A POST without the session's CSRF token: perhaps another site's form."""


class InKiosk(Exception):
    """A staff page asked by a session in kiosk mode: the tenant holds the tablet."""


class StaffRoute(CheckedRoute):
    """Turns the service's errors into HTML pages (the API keeps its problem+json)."""

    def refused(self, request: Request, status: int, heading: str, reason: str) -> Response:
        return _problem(request, status, heading, f"{reason} Ga terug en pas het aan.")

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SecondFactorNeeded as exc:  # the code, or first the set-up the role needs
                step = "/login/code" if exc.step == "code" else "/tweestaps"
                return RedirectResponse(_after(request, step), status_code=303, headers=HEADERS)
            except NotAuthenticated:
                return RedirectResponse(_after(request, "/login"), status_code=303, headers=HEADERS)
            except NotFound:
                return _problem(
                    request,
                    404,
                    "Niet gevonden",
                    "Deze pagina bestaat niet, of u mag hem niet zien.",
                )
            except Forbidden:
                return _problem(
                    request, 403, "Dit mag u niet", "Uw rol geeft geen toegang tot deze handeling."
                )
            except InKiosk:  # only the kiosk pages; the way back asks for the password
                return RedirectResponse("/kiosk", status_code=303, headers=HEADERS)
            except BadCsrf:
                return _problem(
                    request,
                    403,
                    "Formulier verlopen",
                    "Het formulier is verlopen "
                    "of komt niet van deze site. Ga terug, laad de pagina opnieuw "
                    "en probeer het nog eens.",
                )
            except ValidationFailed as exc:  # a document's data is incomplete, say
                said = getattr(exc, "message_nl", None)  # SumsDisagree says it in Dutch
                return _problem(request, 422, "Dit kan nog niet", said or " ".join(
                    missing_nl(e.field) for e in exc.errors))  # fmt: skip
            except Conflict as exc:
                said = exc.message_nl if isinstance(exc, PartiesDiffer) else None
                return _problem(request, 409, "Dat kan nu niet", said or _conflict_nl(str(exc)))

        return handle


def _after(request: Request, step: str) -> str:
    """A sign-in step that goes on to the page asked for."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return step if target == "/werk" else f"{step}?volgende={quote(target)}"


def _conflict_nl(message: str) -> str:
    if "not ready" in message:
        return "Het document is nog niet klaar. Wacht tot het voorbeeld klaar is."
    if "already sent" in message:
        return "Deze versie is al verstuurd om te tekenen."
    if "cannot be signed" in message:
        return "Dit verzoek kan niet meer worden getekend: het is al afgehandeld of verlopen."
    if "signed by every party" in message:
        return (
            "Iedereen heeft de vorige versie ondertekend. Die wordt nu verzegeld. "
            "Over een paar minuten kunt u een nieuwe versie maken."
        )
    if "paused" in message:
        return (
            "Een partij heeft geweigerd te tekenen. Daarom kan niemand deze versie nu tekenen. "
            "Maak een nieuwe versie als de afspraken zijn aangepast."
        )
    if "voids the signatures" in message:
        return (
            "Er is al getekend. Maak een nieuwe versie via de overeenkomst: "
            "daar ziet u eerst wie er tekende."
        )
    if "only a draft" in message:
        return "Alleen een concept kan worden gewijzigd. Deze overeenkomst is al verstuurd."
    return "Dat kan niet in de huidige stand van zaken. Laad de pagina opnieuw."


def _problem(request: Request, status: int, heading: str, text: str) -> HTMLResponse:
    deps: Deps = request.app.state.deps
    return html("staff/problem.html", status, deps, heading=heading, text=text, staff=None)


@dataclass(frozen=True)
class Staff:
    """The logged-in staff member of this request, and what their role may do."""

    actor: Actor
    token: str
    csrf: str
    today: date
    now: datetime

    @property
    def is_coordinator(self) -> bool:
        return self.actor.role in (Role.COORDINATOR, Role.ADMIN)

    @property
    def may_send(self) -> bool:
        """Drafting and sending are the coordinators' work; partners and legal only read."""
        return self.is_coordinator

    @property
    def is_partner(self) -> bool:
        return self.actor.role is Role.PARTNER

    def may(self, action: Action, resource: Resource) -> bool:
        return allowed(self.actor.role, action, resource)

    @property
    def sees_care_notes(self) -> bool:
        return self.may(Action.READ, Resource.CARE_NOTES)


def staff_session(request: Request, deps: DepsDep, now: NowDep) -> Staff:
    """The session cookie's actor; without one the route class sends the browser to /login;
    in kiosk mode to the kiosk (`kiosk_session` is the kiosk pages' own)."""
    staff = kiosk_session(request, deps, now)
    if kiosk.kiosk_of(staff.token, deps=deps) is not None:
        raise InKiosk
    return staff


def kiosk_session(request: Request, deps: DepsDep, now: NowDep) -> Staff:
    """The session cookie's actor, in kiosk mode or not."""
    return _session(request, deps, now)


def enrolling_session(request: Request, deps: DepsDep, now: NowDep) -> Staff:
    """The session of the second factor's set-up: also before a role's required set-up."""
    return _session(request, deps, now, enrolling=True)


def _session(request: Request, deps: Deps, now: datetime, *, enrolling: bool = False) -> Staff:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token or len(token) > 200:
        raise NotAuthenticated("no session")
    actor = accounts.authenticate(token, deps=deps, now=now, enrolling=enrolling)
    return Staff(
        actor=actor,
        token=token,
        csrf=csrf.token_for(token, deps.settings),
        today=deps.today(now),
        now=now,
    )


StaffDep = Annotated[Staff, Depends(staff_session)]
KioskStaffDep = Annotated[Staff, Depends(kiosk_session)]
EnrollingStaffDep = Annotated[Staff, Depends(enrolling_session)]


def check_csrf(staff: Staff, submitted: str, deps: Deps) -> None:
    if not csrf.valid(staff.token, submitted, deps.settings):
        raise BadCsrf


def versions_of(
    subject_type: str, subject_id: int, case_id: int, staff: Staff, deps: Deps
) -> list[DocumentVersion]:
    """The versions made of one agreement's or review's documents, oldest first."""
    return [
        version
        for document, versions in list_documents(case_id, deps=deps, actor=staff.actor)
        if document.subject_type == subject_type and document.subject_id == subject_id
        for version in versions
    ]


def page(name: str, deps: Deps, staff: Staff | None, status: int = 200, **context: Any) -> Response:
    """A staff page from `web/html/staff` with the security headers of every page."""
    return html(f"staff/{name}", status, deps, staff=staff, **context)


def form_page(
    name: str, deps: Deps, staff: Staff, form: dict[str, str], errors: Any, **context: Any
) -> Response:
    """A staff form again or for the first time: 422 with the Dutch errors beside what was
    typed, 200 when there are none."""
    return page(name, deps, staff, 422 if errors else 200, form=form, errors=errors, **context)


def see_other(url: str) -> RedirectResponse:
    """After a successful POST: the browser fetches the result with GET (no double submits)."""
    return RedirectResponse(url, status_code=303, headers=HEADERS)


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


async def posted_form(request: Request, staff: StaffDep, deps: DepsDep) -> FormData:
    """A staff page's POSTed form, its CSRF token checked before the handler runs (the form
    is read in the event loop; the sync handlers then run in the thread pool)."""
    form = await request.form()
    check_csrf(staff, str(form.get("csrf", "")), deps)
    return form


async def kiosk_form(request: Request, staff: KioskStaffDep, deps: DepsDep) -> FormData:
    """The kiosk's POSTed form: the same check, for the session in kiosk mode."""
    form = await request.form()
    check_csrf(staff, str(form.get("csrf", "")), deps)
    return form


FormDep = Annotated[FormData, Depends(posted_form)]
KioskFormDep = Annotated[FormData, Depends(kiosk_form)]


def require_write(staff: Staff, resource: Resource) -> None:
    if not staff.may(Action.WRITE, resource):
        raise Forbidden("read only")
