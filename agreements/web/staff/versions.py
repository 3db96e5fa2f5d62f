"""Staff pages for a document version: render progress, PDF, sending, signing one's own party."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from agreements.domain import consent
from agreements.domain.enums import DocumentStatus, RequestStatus, SigningRole
from agreements.domain.errors import Forbidden, ValidationFailed
from agreements.services.documents.read import FileRead, get_version, read_file
from agreements.services.signatures import sign, signers
from agreements.web.deps import DepsDep, EngineDep, NowDep, PathId
from agreements.web.shared import signatory
from agreements.web.shared.ratelimit import client_address
from agreements.web.shared.textguard import own_text_checks
from agreements.web.shared.views import HEADERS, page_png
from agreements.web.staff.common import (
    FormDep,
    Staff,
    StaffDep,
    StaffRoute,
    form_page,
    page,
    see_other,
)
from agreements.web.staff.forms import Errors, typed

router = APIRouter(include_in_schema=False, route_class=StaffRoute)
# The templates' party names that are no single role: every other organisation with promises.
_ROLES_NL = {
    "tenant": "huurder (elke huurder en vertegenwoordiger apart)",
    "others": "de andere organisaties met afspraken (zoals het buurtteam)",
}


@router.get("/versies/{version_id}")
def version_page(
    version_id: PathId, staff: StaffDep, deps: DepsDep, engine: EngineDep, gelukt: str = ""
) -> Response:
    """One version: its render status (the page reloads itself until done), the PDF, and who
    has signed."""
    version, document = get_version(version_id, deps=deps, actor=staff.actor)
    requests = sign.requests_for(version_id, deps=deps, actor=staff.actor)
    busy = version.status in (DocumentStatus.QUEUED, DocumentStatus.RENDERING)
    sendable = (
        version.status is DocumentStatus.READY
        and staff.may_send
        and all(r.status is RequestStatus.VOIDED for r in requests)
    )
    parties: tuple[str, ...] = ()
    if sendable:  # in the glossary's words: huurder, woningcorporatie, ...
        parties = tuple(
            _ROLES_NL.get(r) or SigningRole.label_of(r) for r in sign.signing_roles(version, engine)
        )
    return page(
        "versie.html",
        deps,
        staff,
        version=version,
        document=document,
        requests=requests,
        busy=busy,
        sendable=sendable,
        parties=parties,
        pages=range(1, (version.pages or 0) + 1),
        sealed=version.is_sealed,
        pending=any(r.status is RequestStatus.PENDING for r in requests),
        gelukt=gelukt[:20],
        signed_by=signers.signers_for(version_id, deps=deps, actor=staff.actor),
        signable={r.id for r in requests if sign.may_sign(staff.actor, r, staff.now)},
        code_roles=deps.settings.otp_required_roles if staff.may_send else set(),
    )


@router.get("/versies/{version_id}/document.pdf")
def version_pdf(
    version_id: PathId, staff: StaffDep, deps: DepsDep, engine: EngineDep, now: NowDep
) -> Response:
    """The version's PDF, the sealed file once every party signed (the read is logged)."""
    return _pdf(read_file(version_id, "pdf", deps=deps, engine=engine, actor=staff.actor, now=now))


@router.get("/versies/{version_id}/concept.pdf")
def version_concept_pdf(
    version_id: PathId, staff: StaffDep, deps: DepsDep, engine: EngineDep, now: NowDep
) -> Response:
    """The unsealed PDF of a version, named as the concept it is (the read is logged)."""
    return _pdf(
        read_file(
            version_id, "pdf", deps=deps, engine=engine, actor=staff.actor, now=now, concept=True
        )
    )


def _pdf(read: FileRead) -> Response:
    return Response(
        read.data,
        media_type="application/pdf",
        headers={
            **HEADERS,
            "Content-Disposition": f'inline; filename="{read.filename("pdf")}"',
        },
    )


@router.get("/versies/{version_id}/pagina/{number}.png")
def version_page_image(
    version_id: PathId, number: int, staff: StaffDep, deps: DepsDep, engine: EngineDep
) -> Response:
    """One page as an image: a preview without a PDF viewer (the CSP forbids frames)."""
    version, _ = get_version(version_id, deps=deps, actor=staff.actor)
    if version.pdf_sha256 is None or not 1 <= number <= (version.pages or 0):
        return Response(status_code=404, headers=HEADERS)
    path = page_png(engine, version.pdf_sha256, number)
    return FileResponse(path, media_type="image/png", headers=HEADERS)


@router.post("/versies/{version_id}/versturen")
def send(
    version_id: PathId,
    staff: StaffDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    data: FormDep,
) -> Response:
    """Ask every party the template names to sign this exact version; invitations follow."""
    version, _ = get_version(version_id, deps=deps, actor=staff.actor)
    if not staff.may_send:  # after the lookup: not found beats forbidden
        raise Forbidden("only coordinators send documents for signature")
    roles = sign.signing_roles(version, engine)
    sign.send_for_signature(
        version_id,
        roles,
        deps=deps,
        actor=staff.actor,
        now=now,
        ordered=data.get("ordered") == "ja",
    )
    return see_other(f"/versies/{version_id}?gelukt=verstuurd")


@router.get("/verzoeken/{request_id}/tekenen")
def sign_form(request_id: PathId, staff: StaffDep, deps: DepsDep) -> Response:
    """A staff member signs their own party here; in person, a tenant signs in the kiosk."""
    request, version, document = sign.request_to_sign(
        request_id, deps=deps, actor=staff.actor, now=staff.now
    )
    if sign.witnessing(staff.actor, request):
        return _to_kiosk(request_id)
    start = signers.form_for(request_id, deps=deps, actor=staff.actor)
    return _sign_page(staff, deps, request, version, document, start.prefill, {})


def _to_kiosk(request_id: int) -> Response:
    """In-person signing has one way: the kiosk, with page images, a drawing pad, no staff
    menu and the witness named by the full name the coordinator types."""
    return see_other(f"/verzoeken/{request_id}/kiosk")


def _sign_page(
    staff: Staff,
    deps: Any,
    request: Any,
    version: Any,
    document: Any,
    form: dict[str, str],
    errors: Errors,
) -> Response:
    return form_page(
        "tekenen.html",
        deps,
        staff,
        form,
        errors,
        request=request,
        version=version,
        document=document,
        consent_text=consent.consent_text(deps.settings.consent_version, request.party_role),
        consent_version=deps.settings.consent_version,
        pages=range(1, (version.pages or 0) + 1),
        **signatory.context(request.id, deps),
    )


@router.post("/verzoeken/{request_id}/tekenen")
@own_text_checks("typed_name", "consent", "consent_version", *signatory.FIELDS)
def sign_here(
    request_id: PathId, http: Request, staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep
) -> Response:
    """Record the signature of one's own party with the typed name and the consent."""
    form = typed(data, ["typed_name", "consent", *signatory.FIELDS])
    errors: Errors = {}
    name = form["typed_name"].strip()
    if problem := signatory.name_error(name, empty="Typ uw voornaam en achternaam."):
        errors["typed_name"] = problem
    if form["consent"] != "ja":
        errors["consent"] = "Zet een vinkje als u akkoord gaat."
    request, _, _ = sign.request_to_sign(request_id, deps=deps, actor=staff.actor, now=now)
    if sign.witnessing(staff.actor, request):
        return _to_kiosk(request_id)
    person = [form[name] for name in signatory.FIELDS]
    errors.update(signatory.errors(request.party_role, *person))
    if errors:
        return _refused(request_id, staff, deps, form, errors)
    sign_input = sign.SignInput(
        typed_name=name,
        consent_version=str(data.get("consent_version", ""))[:20],
        ip=client_address(http),
        user_agent=http.headers.get("user-agent"),
        function=form["function"],
        mandate_basis=form["mandate_basis"],
        mandate_detail=form["mandate_detail"],
    )
    try:
        outcome = sign.sign_as_staff(request_id, sign_input, deps=deps, actor=staff.actor, now=now)
    except ValidationFailed:
        errors["typed_name"] = "De tekst over toestemming is veranderd. Laad de pagina opnieuw."
        return _refused(request_id, staff, deps, form, errors)
    return see_other(f"/versies/{outcome.version_id}?gelukt=getekend")


def _refused(
    request_id: int, staff: Staff, deps: Any, form: dict[str, str], errors: Errors
) -> Response:
    """The signing form again, with what was typed and where it is wrong."""
    request, version, document = sign.request_to_sign(
        request_id, deps=deps, actor=staff.actor, now=staff.now
    )
    return _sign_page(staff, deps, request, version, document, form, errors)
