"""Staff pages for drafting an agreement: its data, the template and the preview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from agreements.domain import text
from agreements.domain.enums import PartyRole, SigningRole
from agreements.domain.errors import NotFound, SignaturesWouldLapse, ValidationFailed
from agreements.domain.policy import Resource
from agreements.domain.route import LegalRoute
from agreements.services import inputs as i
from agreements.services.cases import agreements, case_file, cases, readiness
from agreements.services.documents.request import request_document
from agreements.services.records import Agreement
from agreements.web.deps import DepsDep, EngineDep, NowDep, PathId
from agreements.web.shared.textguard import ALL_FIELDS, own_text_checks
from agreements.web.staff.common import (
    FormDep,
    Staff,
    StaffDep,
    StaffRoute,
    form_page,
    page,
    require_write,
    see_other,
    versions_of,
)
from agreements.web.staff.forms import (
    Errors,
    Field,
    gap_links,
    missing_nl,
    missing_parties_nl,
    nested,
    service_errors,
    typed,
    validate,
)

router = APIRouter(include_in_schema=False, route_class=StaffRoute)


def _roles(case: Any) -> list[PartyRole]:
    """Who can promise something: the tenant, a representative, and each party of the case."""
    present = {p.role for p in case.parties}
    roles = [PartyRole.TENANT] + ([PartyRole.REPRESENTATIVE] if case.representatives else [])
    return roles + [r for r in PartyRole if r in present]


def _agreement_fields(case: Any, staff: Staff, deps: Any) -> list[Field]:
    actor = staff.actor
    contracts = case_file.tenancy_contracts.list(deps=deps, actor=actor, case_id=case.id).items
    judgments = case_file.judgments.list(deps=deps, actor=actor, case_id=case.id).items
    fields = [
        Field(
            "tenancy_contract_id",
            "Huurovereenkomst",
            "select",
            options={
                str(c.id): f"{c.contract_number} ({c.street} {c.house_number})" for c in contracts
            },
        ),
        Field(
            "eviction_judgment_id",
            "Ontruimingsvonnis",
            "select",
            options={str(j.id): f"{j.case_number}, {j.court}" for j in judgments},
        ),
        Field(
            "legal_route",
            "Juridische route",
            "select",
            options={"": "Kies de route"} | {r.value: r.label for r in LegalRoute},
            hint="Ontbindt het vonnis de huurovereenkomst, dan loopt die niet door. De tekst "
            "van de overeenkomst volgt de route.",
        ),
        Field("start_date", "Begindatum", "date"),
        Field("end_date", "Einddatum", "date", hint="Twee tot vier jaar na de begindatum."),
        Field(
            "reason",
            "Waarom deze overeenkomst?",
            "textarea",
            required=False,
            hint="In eenvoudige taal (B1): de huurder leest dit ook.",
        ),
    ]
    for role in _roles(case):
        fields.append(
            Field(
                f"obligations.{role.value}",
                f"Afspraken voor: {role.label}",
                "textarea",
                required=role is PartyRole.TENANT,
                hint="Eén afspraak per regel.",
            )
        )
    return fields


def _agreement_data(
    form: dict[str, str], roles: list[PartyRole]
) -> tuple[dict[str, Any], list[str]]:
    """The API's shape: obligations as a list, and which form field each item came from."""
    values = {k: v for k, v in nested(form).items() if k != "obligations"}
    obligations, origin = [], []
    for role in roles:
        # Only newlines split: splitlines() would also take U+2028 and control characters,
        # which the text policy refuses rather than silently reading as line ends.
        typed_lines = text.normalise_line_ends(form.get(f"obligations.{role.value}", ""))
        for line in typed_lines.split("\n"):
            if line.strip():
                obligations.append({"party": role.value, "text": line.strip()})
                origin.append(f"obligations.{role.value}")
    values["obligations"] = obligations
    return values, origin


def _obligation_errors(errors: Errors, origin: list[str], roles: list[PartyRole]) -> Errors:
    out: Errors = {}
    for name, message in errors.items():
        parts = name.split(".")
        if parts[0] == "obligations":
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
            name = origin[index] if 0 <= index < len(origin) else f"obligations.{roles[0].value}"
        out.setdefault(name, message)
    return out


def _agreement_form(
    case: Any,
    agreement: Agreement | None,
    staff: Staff,
    deps: Any,
    form: dict[str, str],
    errors: Errors,
) -> Response:
    return form_page(
        "overeenkomst_form.html",
        deps,
        staff,
        form,
        errors,
        case=case,
        agreement=agreement,
        fields=_agreement_fields(case, staff, deps),
    )


@router.get("/zaken/{case_id}/overeenkomst")
def new_agreement(case_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep) -> Response:
    """Draft an agreement: the links to the contract and judgment, the term, the promises."""
    case = cases.get_case(case_id, deps=deps, actor=staff.actor, now=now, log=False)
    require_write(staff, Resource.AGREEMENT)  # after the lookup: not found beats forbidden
    form = {
        "start_date": case.start_date.isoformat(),
        "end_date": case.planned_end_date.isoformat(),
    }
    for field in _agreement_fields(case, staff, deps)[:2]:
        form[field.name] = next(reversed(list(field.options)), "")  # the newest record
    return _agreement_form(case, None, staff, deps, form, {})


def _save_agreement(
    case: Any, agreement: Agreement | None, staff: Staff, deps: Any, now: Any, data: Any
) -> Response:
    fields, roles = _agreement_fields(case, staff, deps), _roles(case)
    form = typed(data, [f.name for f in fields])
    values, origin = _agreement_data(form, roles)
    # Optional in the API for older clients; on this page the route is always chosen.
    chosen: Errors = {} if form.get("legal_route") else {"legal_route": "Kies de route."}
    errors: Errors = {}
    try:
        if agreement is None:
            parsed, errors = validate(i.AgreementIn, {**values, "case_id": case.id})
            if parsed is not None and not chosen:
                agreement = agreements.create_agreement(
                    parsed, deps=deps, actor=staff.actor, now=now
                )
        else:
            values.setdefault("reason", "")
            patch, errors = validate(i.AgreementPatch, values)
            if patch is not None and not chosen:
                agreements.update_agreement(
                    agreement.id, patch, deps=deps, actor=staff.actor, now=now
                )
    except ValidationFailed as exc:
        errors = service_errors(exc, [f.name for f in fields] + ["obligations"])
        if parties := missing_parties_nl(e.field for e in exc.errors):
            errors["formulier"] = parties
    errors = {**chosen, **errors}
    if errors or agreement is None:
        errors = _obligation_errors(errors, origin, roles)
        return _agreement_form(case, agreement, staff, deps, form, errors)
    return see_other(f"/overeenkomsten/{agreement.id}?gelukt=opgeslagen")


@router.post("/zaken/{case_id}/overeenkomst")
@own_text_checks(ALL_FIELDS)  # through AgreementIn or AgreementPatch
def create_agreement(
    case_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep
) -> Response:
    """Save the new draft, validated exactly as the API validates it."""
    case = cases.get_case(case_id, deps=deps, actor=staff.actor, now=now, log=False)
    require_write(staff, Resource.AGREEMENT)
    return _save_agreement(case, None, staff, deps, now, data)


def _loaded(agreement_id: int, staff: Staff, deps: Any, now: Any) -> tuple[Agreement, Any]:
    agreement = agreements.get_agreement(agreement_id, deps=deps, actor=staff.actor, now=now)
    case = cases.get_case(agreement.case_id, deps=deps, actor=staff.actor, now=now, log=False)
    return agreement, case


@router.get("/overeenkomsten/{agreement_id}/bewerken")
def edit_agreement(agreement_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep) -> Response:
    """Change a draft; what was signed is never changed here."""
    agreement, case = _loaded(agreement_id, staff, deps, now)
    require_write(staff, Resource.AGREEMENT)
    form = {
        "tenancy_contract_id": str(agreement.tenancy_contract_id),
        "eviction_judgment_id": str(agreement.eviction_judgment_id),
        "start_date": agreement.start_date.isoformat(),
        "end_date": agreement.end_date.isoformat(),
        "reason": agreement.reason,
        "legal_route": agreement.legal_route.value if agreement.legal_route else "",
    }
    for role in _roles(case):
        lines = [o.text for o in agreement.obligations if o.party is role]
        form[f"obligations.{role.value}"] = "\n".join(lines)
    return _agreement_form(case, agreement, staff, deps, form, {})


@router.post("/overeenkomsten/{agreement_id}/bewerken")
@own_text_checks(ALL_FIELDS)  # through AgreementIn or AgreementPatch
def update_agreement(
    agreement_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep
) -> Response:
    """Save the changed draft (AgreementPatch)."""
    agreement, case = _loaded(agreement_id, staff, deps, now)
    require_write(staff, Resource.AGREEMENT)
    return _save_agreement(case, agreement, staff, deps, now, data)


def _templates(engine: Any, kind: str) -> dict[str, str]:
    catalogue = engine.catalogue
    return {
        f"{v.name}:{v.version}": f"{v.title} (sjabloonversie {v.version})"
        for name in catalogue.names()
        for v in reversed(catalogue.versions(name))
        if v.kind == kind
    }


@router.get("/overeenkomsten/{agreement_id}")
def agreement_page(
    agreement_id: PathId,
    staff: StaffDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    gelukt: str = "",
    missing: list[str] | None = None,
) -> Response:
    """The agreement: its data, its document versions, and making a preview."""
    agreement, case = _loaded(agreement_id, staff, deps, now)
    versions = versions_of("agreement", agreement.id, case.id, staff, deps)
    gaps = [g.field for g in readiness.agreement_gaps(case)]
    return page(
        "overeenkomst.html",
        deps,
        staff,
        422 if missing else 200,
        agreement=agreement,
        case=case,
        versions=list(reversed(versions)),
        templates=_templates(engine, "agreement"),
        gelukt=gelukt[:20],
        missing=missing or [],
        checklist=gap_links(case.id, gaps),
    )


def confirm_new_version(
    exc: SignaturesWouldLapse,
    staff: Staff,
    deps: Any,
    *,
    case: Any,
    action: str,
    back: tuple[str, str],
    keep: dict[str, str],
) -> Response:
    """The page that asks before signatures lapse: who signed and when, and what follows;
    its button posts `keep` to `action` again, with the confirmation."""
    return page(
        "nieuwe_versie.html",
        deps,
        staff,
        case=case,
        signers=exc.signers,
        roles={r.value: r.label for r in SigningRole},
        action=action,
        back_url=back[0],
        back_label=back[1],
        keep=keep,
    )


def _render(
    subject: str,
    subject_id: int,
    staff: Staff,
    deps: Any,
    engine: Any,
    now: Any,
    template: str = "",
    confirm_void: bool = False,
) -> Response:
    name, _, number = template.partition(":")
    version = request_document(
        subject,
        subject_id,
        deps=deps,
        engine=engine,
        actor=staff.actor,
        now=now,
        template=name or None,
        template_version=int(number) if number.isdigit() else None,
        confirm_void=confirm_void,
    )
    return see_other(f"/versies/{version.id}")


@router.post("/overeenkomsten/{agreement_id}/voorbeeld")
def preview(
    agreement_id: PathId,
    staff: StaffDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    data: FormDep,
) -> Response:
    """Ask for a new version (a render in the worker); its page shows the progress. When
    someone signed the current one, a page first asks to confirm that their signatures lapse."""
    template = str(data.get("template", ""))[:120]
    if template and template not in _templates(engine, "agreement"):
        raise NotFound("template", template)
    confirmed = data.get("confirm_void") == "ja"
    try:
        return _render("agreement", agreement_id, staff, deps, engine, now, template, confirmed)
    except SignaturesWouldLapse as exc:
        agreement, case = _loaded(agreement_id, staff, deps, now)
        url = f"/overeenkomsten/{agreement.id}"
        return confirm_new_version(
            exc,
            staff,
            deps,
            case=case,
            action=f"{url}/voorbeeld",
            back=(url, "Overeenkomst"),
            keep={"template": template},
        )
    except ValidationFailed as exc:  # incomplete data, or checks that refuse it (in Dutch)
        said = getattr(exc, "message_nl", None)
        missing = [e.reason if said else missing_nl(e.field) for e in exc.errors]
        return agreement_page(agreement_id, staff, deps, engine, now, missing=missing)
