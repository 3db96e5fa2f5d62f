"""The legal page of one case: each agreement's route, its judgment in full, the findings of
the link-integrity report, and the decision an ageing judgment needs (who, when, why)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from agreements.domain.errors import Forbidden
from agreements.domain.route import JudgmentChoice, months_old
from agreements.services import inputs as i
from agreements.services.cases import agreements, case_file, cases
from agreements.services.legal import decisions
from agreements.services.legal import integrity as legal
from agreements.web.deps import DepsDep, EngineDep, NowDep, PathId
from agreements.web.shared.textguard import ALL_FIELDS, own_text_checks
from agreements.web.staff.common import FormDep, Staff, StaffDep, StaffRoute, form_page, see_other
from agreements.web.staff.forms import Errors, Field, nested, typed, validate

router = APIRouter(include_in_schema=False, route_class=StaffRoute)

FIELDS = [
    Field(
        "choice",
        "Besluit",
        "select",
        options={"": "Kies het besluit"} | {c.value: c.label for c in JudgmentChoice},
    ),
    Field(
        "reason",
        "Waarom",
        "textarea",
        hint="De afweging in een paar zinnen: dit komt in het dossier en in het logboek.",
    ),
]


def _page(
    case_id: int,
    staff: Staff,
    deps: Any,
    engine: Any,
    now: Any,
    form: dict[str, str],
    errors: Errors,
    gelukt: str = "",
) -> Response:
    case = cases.get_case(case_id, deps=deps, actor=staff.actor, now=now, log=False)
    actor = staff.actor
    found = agreements.list_agreements(deps=deps, actor=actor, case_id=case_id).items
    judgments = {
        j.id: j for j in case_file.judgments.list(deps=deps, actor=actor, case_id=case_id).items
    }
    rows = legal.integrity_report(
        deps=deps,
        actor=actor,
        now=now,
        filters=legal.Filters(include_drafts=True, case_id=case_id),
        seal_check="stored",
        store=engine.store,
        audit_as="legal.case_page",
    )
    items = [
        {
            "agreement": a,
            "judgment": judgments.get(a.eviction_judgment_id),
            "row": next((r for r in rows if r.agreement_id == a.id), None),
            "decisions": decisions.list_decisions(a.id, deps=deps, actor=actor, now=now),
        }
        for a in found
    ]
    return form_page(
        "juridisch_zaak.html",
        deps,
        staff,
        form,
        errors,
        case=case,
        items=items,
        current=items[-1] if items else None,
        may_decide=decisions.may_record(case, actor),
        age=deps.settings.judgment_age,
        months_old=months_old,
        fields=FIELDS,
        gelukt=gelukt[:20],
    )


@router.get("/juridisch/zaken/{case_id}")
def case_legal_page(
    case_id: PathId,
    staff: StaffDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    gelukt: str = "",
) -> Response:
    """The case as legal staff check it, and the form for the judgment decision."""
    return _page(case_id, staff, deps, engine, now, {}, {}, gelukt)


@router.post("/juridisch/zaken/{case_id}/besluit")
@own_text_checks(ALL_FIELDS)  # through JudgmentDecisionIn
def record_decision(
    case_id: PathId, staff: StaffDep, deps: DepsDep, engine: EngineDep, now: NowDep, data: FormDep
) -> Response:
    """Record the decision on the current agreement's judgment; keep what was typed on errors."""
    form = typed(data, [f.name for f in FIELDS])
    # The case first: another organisation's case is not found, like a missing one.
    cases.get_case(case_id, deps=deps, actor=staff.actor, now=now, log=False)
    found = agreements.list_agreements(deps=deps, actor=staff.actor, case_id=case_id).items
    if not found:
        raise Forbidden("the case has no agreement to decide on")
    parsed, errors = validate(i.JudgmentDecisionIn, nested(form))
    if "choice" in errors:
        errors["choice"] = "Kies een besluit."
    if "reason" in errors and form["reason"].strip():
        errors["reason"] = "Schrijf op waarom: minstens tien tekens."
    if parsed is None:
        return _page(case_id, staff, deps, engine, now, form, errors)
    decisions.record_decision(found[-1].id, parsed, deps=deps, actor=staff.actor, now=now)
    return see_other(f"/juridisch/zaken/{case_id}?gelukt=besluit")
