"""Staff pages for cases: the list with search and filters, the case page, a new case."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from agreements.domain.enums import (
    CaseStatus,
    ReminderStatus,
    RepresentativeKind,
)
from agreements.domain.errors import Forbidden, ValidationFailed
from agreements.domain.policy import Resource
from agreements.services import inputs as i
from agreements.services.audit import trail
from agreements.services.cases import agreements, case_file, cases, names
from agreements.services.context import read_only
from agreements.services.documents.read import list_documents
from agreements.services.reminders import sweep as reminders
from agreements.services.signatures import sign
from agreements.services.work import work_for
from agreements.web.deps import DepsDep, NowDep, PathId
from agreements.web.shared.textguard import ALL_FIELDS, own_text_checks
from agreements.web.staff.common import (
    FormDep,
    Staff,
    StaffDep,
    StaffRoute,
    form_page,
    months_between,
    page,
    require_write,
    see_other,
)
from agreements.web.staff.forms import Errors, Field, nested, service_errors, typed, validate

router = APIRouter(include_in_schema=False, route_class=StaffRoute)
PER_PAGE = 20


@router.get("/zaken")
def case_list(
    staff: StaffDep,
    deps: DepsDep,
    now: NowDep,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    coordinator: Annotated[str, Query(max_length=12)] = "",
    todo: Annotated[str, Query(max_length=3)] = "",
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Cases the actor may see: search by tenant, street, postcode or reference; filter."""
    chosen = CaseStatus(status) if status in CaseStatus._value2member_map_ else None
    coordinator_id = int(coordinator) if coordinator.isdigit() and int(coordinator) > 0 else None
    query = q.strip() or None
    offset = (pagina - 1) * PER_PAGE
    work = work_for(deps, staff.actor, staff.today)
    search = partial(
        cases.list_cases,
        deps=deps,
        actor=staff.actor,
        now=now,
        status=chosen,
        coordinator_id=coordinator_id,
        q=query,
    )
    if todo == "ja":
        # "Something to do" is not a column: filter the (small) visible set, then page it.
        items = [c for c in search(limit=10_000).items if c.id in work.case_ids]
        total, items = len(items), items[offset : offset + PER_PAGE]
    else:
        found = search(limit=PER_PAGE, offset=offset)
        total, items = found.total, found.items
    pages = max(1, -(-total // PER_PAGE))
    filters = {"q": q, "status": status, "coordinator": coordinator, "todo": todo}
    return page(
        "zaken.html",
        deps,
        staff,
        items=items,
        total=total,
        pagina=pagina,
        pages=pages,
        filters=filters,
        todo_ids=work.case_ids,
        statuses=CaseStatus,
        coordinators=names.coordinators(deps),
    )


def case_context(case_id: int, staff: Staff, deps: Any, now: Any) -> dict[str, Any]:
    # Some fifteen queries, and none writes (the reads' audit entries are staged on the
    # side): on SQLite they run beside a writer instead of queueing for its lock.
    with read_only():
        return _read_case_context(case_id, staff, deps, now)


def _read_case_context(case_id: int, staff: Staff, deps: Any, now: Any) -> dict[str, Any]:
    actor = staff.actor
    case = cases.get_case(case_id, deps=deps, actor=actor, now=now)
    orgs = names.organisations(deps)
    persons = names.people(
        deps, [r.person_id for r in case.representatives] + [c.person_id for c in case.co_tenants]
    )
    judgments = case_file.judgments.list(deps=deps, actor=actor, case_id=case_id).items
    docs = []
    for document, versions in list_documents(case_id, deps=deps, actor=actor):
        rows = [(v, sign.requests_for(v.id, deps=deps, actor=actor)) for v in versions]
        docs.append((document, list(reversed(rows))))
    return {
        "case": case,
        "parties": [(orgs.get(p.organisation_id, "?"), p.role.label) for p in case.parties],
        "representatives": [
            (persons.get(r.person_id, "?"), r.kind.label) for r in case.representatives
        ],
        "co_tenants": [persons.get(c.person_id, "?") for c in case.co_tenants],
        "contracts": case_file.tenancy_contracts.list(
            deps=deps, actor=actor, case_id=case_id
        ).items,
        "judgments": [(j, months_between(j.judgment_date, staff.today)) for j in judgments],
        "age": deps.settings.judgment_age,
        "arrangements": case_file.payment_arrangements.list(
            deps=deps, actor=actor, case_id=case_id
        ).items,
        "agreements": agreements.list_agreements(deps=deps, actor=actor, case_id=case_id).items,
        "documents": docs,
        "reviews": agreements.list_reviews(
            deps=deps, actor=actor, case_id=case_id, limit=100
        ).items,
        "reminders": reminders.for_actor(
            deps=deps, actor=actor, case_id=case_id, statuses=list(ReminderStatus)
        ),
        # The case's own trail; partners are not shown who else read or changed it.
        "audit": [] if staff.is_partner else trail.for_case(deps, case_id),
        "care_notes": cases.read_care_notes(case_id, deps=deps, actor=actor, now=now)
        if staff.sees_care_notes
        else None,
        "orgs": orgs,
        "upload_limit": f"{deps.settings.max_upload_bytes / 1_048_576:.0f} MB",
        "coordinator": names.coordinators(deps).get(case.coordinator_id, "?"),
    }


@router.get("/zaken/nieuw")
def new_case_form(staff: StaffDep, deps: DepsDep) -> Response:
    """A new case: the tenant, the address, the term and the parties."""
    require_write(staff, Resource.CASE)
    return _new_case_page(staff, deps, {}, {}, [])


_NEW_CASE = [
    Field("tenant.name", "Naam van de huurder", autocomplete="off"),
    Field(
        "tenant.date_of_birth",
        "Geboortedatum",
        "date",
        required=False,
        hint="Nodig voor de overeenkomst.",
    ),
    Field(
        "tenant.email",
        "E-mailadres van de huurder",
        "email",
        required=False,
        hint="Hier komt de link om te tekenen.",
    ),
    Field("tenant.phone", "Telefoonnummer", "tel", required=False),
    Field("address.street", "Straat"),
    Field("address.house_number", "Huisnummer", hint="Met toevoeging, zoals 101 bis."),
    Field("address.postcode", "Postcode", hint="Zoals 3551 CA."),
    Field("address.city", "Plaats"),
    Field("start_date", "Begin van het traject", "date"),
    Field("planned_end_date", "Geplande einddatum", "date", hint="Twee tot vier jaar later."),
    Field(
        "representative.name",
        "Naam van de wettelijk vertegenwoordiger",
        required=False,
        hint="Alleen als de huurder een bewindvoerder, mentor of curator heeft.",
    ),
    Field(
        "representative.kind",
        "Soort vertegenwoordiger",
        "select",
        required=False,
        options={"": "Geen"} | {k.value: k.label for k in RepresentativeKind},
    ),
    Field(
        "representative.email",
        "E-mailadres van de vertegenwoordiger",
        "email",
        required=False,
        hint="Hier komt de link om te tekenen en het ondertekende document.",
    ),
    Field(
        "co_tenant.name",
        "Naam van de medehuurder",
        required=False,
        autocomplete="off",
        hint="Alleen als iemand de woning samen met de huurder huurt. Hij of zij tekent zelf.",
    ),
    Field(
        "co_tenant.email",
        "E-mailadres van de medehuurder",
        "email",
        required=False,
        hint="Hier komt de eigen link om te tekenen.",
    ),
]


def _new_case_page(
    staff: Staff, deps: Any, form: dict[str, str], errors: Errors, chosen: list[int]
) -> Response:
    return form_page(
        "zaak_nieuw.html",
        deps,
        staff,
        form,
        errors,
        fields=_NEW_CASE,
        organisations=names.organisations(deps),
        chosen=chosen,
    )


@router.post("/zaken/nieuw")
@own_text_checks(ALL_FIELDS)  # through PersonIn and CaseIn, the API's models
def create_case(staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep) -> Response:
    """Create the tenant and the case in one go; nothing is made unless both are valid."""
    require_write(staff, Resource.CASE)
    form = typed(data, [f.name for f in _NEW_CASE])
    chosen = [int(str(v)) for v in data.getlist("parties") if str(v).isdigit()][:20]
    values = nested(form)
    tenant_in = {**values.get("tenant", {}), "address": values.get("address")}
    person, errors = validate(i.PersonIn, tenant_in)
    errors = {f"tenant.{k}": v for k, v in errors.items() if not k.startswith("address")}
    case_values = {
        "tenant_id": 1,  # a stand-in: the person is made only when everything is valid
        "address": values.get("address", {}),
        "start_date": values.get("start_date"),
        "planned_end_date": values.get("planned_end_date"),
        "parties": [{"organisation_id": org} for org in chosen],
    }
    case_in, case_errors = validate(i.CaseIn, {k: v for k, v in case_values.items() if v})
    errors |= case_errors
    rep = values.get("representative", {})
    guardian_in = None
    if bool(rep.get("name")) != bool(rep.get("kind")):
        field = "representative.kind" if rep.get("name") else "representative.name"
        errors[field] = "Vul de naam én de soort vertegenwoordiger in, of laat beide leeg."
    elif rep.get("name"):
        guardian_in, rep_errors = validate(
            i.PersonIn, {"name": rep["name"], "email": rep.get("email") or None}
        )
        errors |= {f"representative.{k}": v for k, v in rep_errors.items()}
    if rep.get("email") and not rep.get("name"):
        errors["representative.name"] = "Vul de naam van de vertegenwoordiger in."
    co = values.get("co_tenant", {})
    co_tenant_in = None
    if co.get("name") or co.get("email"):
        co_in = {"name": co.get("name"), "email": co.get("email") or None}
        co_in["address"] = values.get("address")
        co_tenant_in, co_errors = validate(i.PersonIn, {k: v for k, v in co_in.items() if v})
        errors |= {f"co_tenant.{k}": v for k, v in co_errors.items() if not k.startswith("address")}
    if errors or person is None or case_in is None:
        return _new_case_page(staff, deps, form, errors, chosen)
    try:
        guardian = (guardian_in, rep["kind"]) if guardian_in is not None else None
        case = cases.register_case(
            person,
            case_in,
            deps=deps,
            actor=staff.actor,
            now=now,
            representative=guardian,
            co_tenants=(co_tenant_in,) if co_tenant_in is not None else (),
        )
    except ValidationFailed as exc:
        names = [f.name for f in _NEW_CASE] + ["parties"]
        return _new_case_page(staff, deps, form, service_errors(exc, names), chosen)
    return see_other(f"/zaken/{case.id}?gelukt=zaak")


@router.get("/zaken/{case_id}")
def case_page(
    case_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep, gelukt: str = ""
) -> Response:
    """Everything about one case, for the roles that may see it."""
    context = case_context(case_id, staff, deps, now)
    return page("zaak.html", deps, staff, gelukt=gelukt[:20], **context)


@router.post("/zaken/{case_id}/zorgnotities")
@own_text_checks(ALL_FIELDS)  # through CareNotesIn, the API's model
def save_care_notes(
    case_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep
) -> Response:
    """Care notes: special-category data, written and read only by coordinators."""
    typed_text = str(data.get("text", ""))
    notes, errors = validate(i.CareNotesIn, {"text": typed_text})
    if notes is None:  # the case page again, the error at the notes and the text kept
        context = case_context(case_id, staff, deps, now)
        if context["care_notes"] is None:
            raise Forbidden("care notes are for coordinators")
        context["care_notes"] = typed_text[:20_000]
        return page("zaak.html", deps, staff, 422, notes_error=errors.get("text"), **context)
    cases.write_care_notes(case_id, notes, deps=deps, actor=staff.actor, now=now)
    return see_other(f"/zaken/{case_id}?gelukt=notities#zorgnotities")
