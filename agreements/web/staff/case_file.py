"""Staff forms for a case file: tenancy contract, eviction judgment, payment arrangement."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from agreements.domain.enums import (
    OrganisationKind,
    PaymentFrequency,
)
from agreements.domain.errors import NotFound, ValidationFailed
from agreements.domain.policy import Resource
from agreements.services import inputs as i
from agreements.services.cases import case_file, cases, names
from agreements.web.deps import DepsDep, EngineDep, NowDep, PathId
from agreements.web.shared.textguard import ALL_FIELDS, own_text_checks
from agreements.web.staff.cases import case_context
from agreements.web.staff.common import (
    FormDep,
    Staff,
    StaffDep,
    StaffRoute,
    check_csrf,
    form_page,
    page,
    require_write,
    see_other,
)
from agreements.web.staff.forms import Errors, Field, nested, service_errors, typed, validate
from templates.errors import PdfRejected

router = APIRouter(include_in_schema=False, route_class=StaffRoute)


# The case file: one form per kind, validated by the API's model for that kind.
def _record_fields(kind: str, deps: Any) -> list[Field]:
    if kind == "huurovereenkomst":
        corporations = names.organisations(deps, OrganisationKind.HOUSING_CORPORATION)
        return [
            Field("contract_number", "Nummer van de huurovereenkomst"),
            Field("address.street", "Straat"),
            Field("address.house_number", "Huisnummer"),
            Field("address.postcode", "Postcode", hint="Zoals 3551 CA."),
            Field("address.city", "Plaats"),
            Field("start_date", "Ingangsdatum", "date"),
            Field(
                "end_date",
                "Einddatum",
                "date",
                required=False,
                hint="Alleen bij een tijdelijke huurovereenkomst.",
            ),
            Field(
                "landlord_id",
                "Verhuurder",
                "select",
                options={"": "Kies de woningcorporatie"}
                | {str(k): v for k, v in corporations.items()},
            ),
            Field("monthly_rent", "Huur per maand (euro)", hint="Zoals 687,45."),
        ]
    if kind == "vonnis":
        return [
            Field("court", "Rechtbank", hint="Zoals Rechtbank Midden-Nederland, kanton Utrecht."),
            Field("case_number", "Zaaknummer", hint="Zoals de rechtbank het schreef."),
            Field("judgment_date", "Datum van het vonnis", "date"),
            Field("served_date", "Datum van betekening", "date", required=False),
            Field("ecli", "ECLI", required=False, hint="Alleen als het vonnis gepubliceerd is."),
            Field("operative_decision", "Beslissing (dictum)", "textarea"),
            Field("suspension_conditions", "Voorwaarden waaronder niet wordt ontruimd", "textarea"),
        ]
    organisations = names.organisations(deps)
    return [
        Field("arrears", "Achterstand (euro)", hint="Zoals 2.843,10."),
        Field("instalment", "Bedrag per termijn (euro)"),
        Field(
            "frequency", "Hoe vaak", "select", options={f.value: f.label for f in PaymentFrequency}
        ),
        Field("start_date", "Eerste termijn", "date"),
        Field("number_of_terms", "Aantal termijnen", "number"),
        Field("iban", "IBAN van de schuldeiser"),
        Field(
            "creditor_id",
            "Schuldeiser",
            "select",
            options={"": "Kies de schuldeiser"} | {str(k): v for k, v in organisations.items()},
        ),
    ]


_RECORDS: dict[str, tuple[str, type[i.Input], Any, Resource]] = {
    "huurovereenkomst": (
        "Huurovereenkomst",
        i.TenancyContractIn,
        case_file.tenancy_contracts,
        Resource.TENANCY_CONTRACT,
    ),
    "vonnis": ("Ontruimingsvonnis", i.JudgmentIn, case_file.judgments, Resource.JUDGMENT),
    "betalingsregeling": (
        "Betalingsregeling",
        i.PaymentArrangementIn,
        case_file.payment_arrangements,
        Resource.PAYMENT_ARRANGEMENT,
    ),
}


def _record_page(
    kind: str,
    case_id: int,
    staff: Staff,
    deps: Any,
    now: Any,
    form: dict[str, str],
    errors: Errors,
) -> Response:
    case = cases.get_case(case_id, deps=deps, actor=staff.actor, now=now, log=False)
    title = _RECORDS[kind][0]
    return form_page(
        "dossierstuk.html",
        deps,
        staff,
        form,
        errors,
        case=case,
        kind=kind,
        title=title,
        fields=_record_fields(kind, deps),
    )


def _known(kind: str) -> None:
    if kind not in _RECORDS:
        raise NotFound("page", kind)


@router.get("/zaken/{case_id}/dossier/{kind}")
def record_form(
    case_id: PathId, kind: str, staff: StaffDep, deps: DepsDep, now: NowDep
) -> Response:
    """A form for the tenancy contract, the judgment or the payment arrangement."""
    _known(kind)
    case = cases.get_case(case_id, deps=deps, actor=staff.actor, now=now, log=False)
    require_write(staff, _RECORDS[kind][3])  # after the lookup: not found beats forbidden
    form = {"frequency": "monthly"}
    if kind == "huurovereenkomst":  # usually the same address as the case
        form |= {
            f"address.{k}": getattr(case, k) or ""
            for k in ("street", "house_number", "postcode", "city")
        }
        form["landlord_id"] = next(
            (str(p.organisation_id) for p in case.parties if p.role.value == "housing_corporation"),
            "",
        )
    if kind == "betalingsregeling":
        form["creditor_id"] = next(
            (str(p.organisation_id) for p in case.parties if p.role.value == "housing_corporation"),
            "",
        )
    return _record_page(kind, case_id, staff, deps, now, form, {})


@router.post("/zaken/{case_id}/dossier/{kind}")
@own_text_checks(ALL_FIELDS)  # through the API's model of the record
def save_record(
    case_id: PathId, kind: str, staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep
) -> Response:
    """Validate as the API does; keep what was typed when something is wrong."""
    _known(kind)
    _, model, use_case, resource = _RECORDS[kind]
    cases.get_case(case_id, deps=deps, actor=staff.actor, now=now, log=False)
    require_write(staff, resource)  # after the lookup: not found beats forbidden
    fields = _record_fields(kind, deps)
    form = typed(data, [f.name for f in fields])
    parsed, errors = validate(model, {**nested(form), "case_id": case_id})
    if parsed is not None:
        try:
            use_case.create(parsed, deps=deps, actor=staff.actor, now=now)
        except ValidationFailed as exc:
            errors = service_errors(exc, [f.name for f in fields])
    if errors:
        return _record_page(kind, case_id, staff, deps, now, form, errors)
    return see_other(f"/zaken/{case_id}?gelukt={kind}")


# The signed lease and the judgment as PDFs: annexes of the agreement's package.
_UPLOADS: dict[str, Any] = {
    "huurovereenkomst": (case_file.tenancy_contracts, "contracts"),
    "vonnis": (case_file.judgments, "judgments"),
}
# The API's reasons (templates.assemble.sanitize_pdf) in Dutch, by a word they contain.
_REFUSED_NL = [
    ("empty", "Het bestand is leeg. Kies de PDF opnieuw."),
    ("larger than", "Het bestand is te groot: hoogstens {limit}."),
    ("not a PDF", "Dit is geen PDF-bestand. Kies een PDF, zoals een scan van het getekende stuk."),
    ("encrypted", "De PDF is beveiligd met een wachtwoord. Sla hem zonder wachtwoord op."),
    ("pages; at most", "De PDF heeft te veel pagina's: hoogstens 500."),
    ("longer than", "Het lezen van de PDF duurde te lang. Druk hem af naar een nieuwe PDF."),
    ("form", "Het ingevulde formulier in deze PDF kan niet worden bewaard. Druk hem eerst af "
     "naar een nieuwe PDF."),
]  # fmt: skip


def _refused_nl(reason: str, limit: str) -> str:
    for word, text in _REFUSED_NL:
        if word in reason:
            return text.format(limit=limit)
    return "De PDF is beschadigd en kan niet worden gelezen. Druk hem af naar een nieuwe PDF."


@router.post("/zaken/{case_id}/dossier/{kind}/{row_id}/pdf")
async def upload_pdf(
    request: Request,
    case_id: PathId,
    kind: str,
    row_id: PathId,
    staff: StaffDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
) -> Response:
    """The signed lease or the judgment as a PDF; a refused file keeps the case page, with
    the reason in Dutch at the form it came from."""
    if kind not in _UPLOADS:
        raise NotFound("page", kind)
    use_case, listed = _UPLOADS[kind]
    context = await run_in_threadpool(case_context, case_id, staff, deps, now)
    rows = [row[0] if isinstance(row, tuple) else row for row in context[listed]]
    if row_id not in {row.id for row in rows}:
        raise NotFound(kind, row_id)
    require_write(staff, use_case.resource)
    form = await request.form(max_files=1, max_fields=5)
    check_csrf(staff, str(form.get("csrf", "")), deps)
    upload = form.get("bestand")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        await run_in_threadpool(
            partial(case_file.attach_pdf, use_case, row_id, data),
            deps=deps,
            store=engine.store,
            actor=staff.actor,
            now=now,
        )
    except PdfRejected as exc:
        error = {
            "kind": kind,
            "row": row_id,
            "text": _refused_nl(str(exc), context["upload_limit"]),
        }
        return page("zaak.html", deps, staff, 422, upload_error=error, **context)
    return see_other(f"/zaken/{case_id}?gelukt={kind}-pdf#dossier-kop")
