"""Staff pages for reviews: record a quarterly review (ReviewPatch) and make its minutes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from agreements.domain.enums import ReviewOutcome
from agreements.domain.errors import SignaturesWouldLapse, ValidationFailed
from agreements.domain.policy import Resource
from agreements.services.cases import agreements, cases
from agreements.services.documents.request import request_document
from agreements.services.review_inputs import ReviewPatch
from agreements.web.deps import DepsDep, EngineDep, NowDep, PathId
from agreements.web.shared.textguard import ALL_FIELDS, own_text_checks
from agreements.web.staff.common import (
    FormDep,
    Staff,
    StaffDep,
    StaffRoute,
    form_page,
    require_write,
    see_other,
    versions_of,
)
from agreements.web.staff.drafting import confirm_new_version
from agreements.web.staff.forms import Errors, remap, service_errors, typed, validate

router = APIRouter(include_in_schema=False, route_class=StaffRoute)
ATTENDEE_ROWS, ACTION_ROWS = 6, 3
PROGRESS = ["gaat goed", "zorgen", "niet nagekomen", "niet besproken"]
_ROWS = {
    "attendees": (ATTENDEE_ROWS, ("name", "role", "organisation")),
    "actions": (ACTION_ROWS, ("action", "who", "due")),
}


def _names(agreement: Any) -> list[str]:
    names = ["held_date", "outcome", "warning_given", "location", "chair", "summary"]
    for key, (count, parts) in _ROWS.items():
        names += [f"{key}.{n}.{p}" for n in range(count) for p in parts]
    for obligation in agreement.obligations:
        names += [f"progress.{obligation.id}.status", f"progress.{obligation.id}.notes"]
    return names


def _patch_data(
    form: dict[str, str], agreement: Any
) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """ReviewPatch's shape; empty rows are left out, and each item remembers its row."""
    data: dict[str, Any] = {k: form[k].strip() for k in ("location", "chair", "summary")}
    data |= {k: form[k] for k in ("held_date", "outcome") if form[k].strip()}
    data["warning_given"] = form["warning_given"] == "ja"
    rows: dict[str, list[int]] = {}
    for key, (count, parts) in _ROWS.items():
        items, rows[key] = [], []
        for n in range(count):
            item = {p: form[f"{key}.{n}.{p}"].strip() for p in parts}
            if any(item.values()):
                items.append({p: v for p, v in item.items() if v or p == "organisation"})
                rows[key].append(n)
        data[key] = items
    progress, rows["progress"] = [], []
    for obligation in agreement.obligations:
        status = form[f"progress.{obligation.id}.status"].strip()
        if status:
            notes = form[f"progress.{obligation.id}.notes"].strip()
            progress.append({"obligation_id": obligation.id, "status": status, "notes": notes})
            rows["progress"].append(obligation.id)
    data["progress"] = progress
    return data, rows


def _form_of(review: Any) -> dict[str, str]:
    form = {
        "held_date": review.held_date.isoformat() if review.held_date else "",
        "outcome": review.outcome.value if review.outcome else "",
        "location": review.location or "",
        "chair": review.chair or "",
        "summary": review.summary or "",
        "warning_given": "ja" if review.warning_given else "",
    }
    for key, (_, parts) in _ROWS.items():
        for n, item in enumerate(getattr(review, key) or []):
            form |= {f"{key}.{n}.{p}": str(item.get(p, "")) for p in parts}
    for item in review.progress or []:
        form[f"progress.{item['obligation_id']}.status"] = item.get("status", "")
        form[f"progress.{item['obligation_id']}.notes"] = item.get("notes", "")
    return form


def _review_page(
    staff: Staff,
    deps: Any,
    now: Any,
    review: Any,
    form: dict[str, str],
    errors: Errors,
    gelukt: str = "",
) -> Response:
    agreement = agreements.get_agreement(review.agreement_id, deps=deps, actor=staff.actor, now=now)
    case = cases.get_case(agreement.case_id, deps=deps, actor=staff.actor, now=now, log=False)
    minutes = versions_of("review", review.id, case.id, staff, deps)
    return form_page(
        "evaluatie.html",
        deps,
        staff,
        form,
        errors,
        review=review,
        agreement=agreement,
        case=case,
        gelukt=gelukt[:20],
        outcomes=ReviewOutcome,
        progress_options=PROGRESS,
        minutes=minutes,
        attendee_rows=range(ATTENDEE_ROWS),
        action_rows=range(ACTION_ROWS),
        writable=staff.may_send,
    )


@router.get("/evaluaties/{review_id}")
def review_page(
    review_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep, gelukt: str = ""
) -> Response:
    """A review: when it is due, and the form to record it once held."""
    review = agreements.get_review(review_id, deps=deps, actor=staff.actor)
    return _review_page(staff, deps, now, review, _form_of(review), {}, gelukt)


@router.post("/evaluaties/{review_id}")
@own_text_checks(ALL_FIELDS)  # through ReviewPatch
def record_review(
    review_id: PathId, staff: StaffDep, deps: DepsDep, now: NowDep, data: FormDep
) -> Response:
    """Record the review with the API's ReviewPatch; keep what was typed on errors."""
    review = agreements.get_review(review_id, deps=deps, actor=staff.actor)
    require_write(staff, Resource.REVIEW)  # after the lookup: not found beats forbidden
    agreement = agreements.get_agreement(review.agreement_id, deps=deps, actor=staff.actor, now=now)
    names = _names(agreement)
    form = typed(data, names)
    values, rows = _patch_data(form, agreement)
    patch, errors = validate(ReviewPatch, values)
    if patch is not None:
        try:
            agreements.record_review(review_id, patch, deps=deps, actor=staff.actor, now=now)
        except ValidationFailed as exc:
            errors = service_errors(exc, names)
    for key, origin in rows.items():
        errors = remap(errors, key, origin)
    if errors:
        return _review_page(staff, deps, now, review, form, errors)
    return see_other(f"/evaluaties/{review_id}?gelukt=opgeslagen")


@router.post("/evaluaties/{review_id}/verslag")
def make_minutes(
    review_id: PathId,
    staff: StaffDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    data: FormDep,
) -> Response:
    """Render the minutes of a held review; the version page shows the progress (first the
    confirmation page, when someone signed the current minutes)."""
    try:
        version = request_document(
            "review", review_id, deps=deps, engine=engine, actor=staff.actor, now=now,
            confirm_void=data.get("confirm_void") == "ja",
        )  # fmt: skip
    except SignaturesWouldLapse as exc:
        review = agreements.get_review(review_id, deps=deps, actor=staff.actor)
        agreement = agreements.get_agreement(
            review.agreement_id, deps=deps, actor=staff.actor, now=now
        )
        case = cases.get_case(agreement.case_id, deps=deps, actor=staff.actor, now=now, log=False)
        url = f"/evaluaties/{review_id}"
        back = (url, "Evaluatie")
        return confirm_new_version(
            exc, staff, deps, case=case, action=f"{url}/verslag", back=back, keep={}
        )
    return see_other(f"/versies/{version.id}")
