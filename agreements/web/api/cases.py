"""Cases (trajectories) and their care notes."""

from __future__ import annotations

from fastapi import APIRouter, status

from agreements.domain.enums import CaseStatus
from agreements.services.cases import cases
from agreements.services.inputs import CareNotesIn, CaseIn, CasePatch
from agreements.web.deps import ActorDep, DepsDep, Limit, NowDep, Offset, OptId, PathId, Search
from agreements.web.problems import responses
from agreements.web.schemas import CareNotesOut, CaseOut, PageOut

router = APIRouter(tags=["cases"])


@router.get("/cases", response_model=PageOut[CaseOut])
def list_cases(
    actor: ActorDep,
    deps: DepsDep,
    now: NowDep,
    status: CaseStatus | None = None,
    coordinator_id: OptId = None,
    organisation_id: OptId = None,
    q: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[CaseOut]:
    """Cases the actor may see. Search `q`: every term (without accents or case) in the
    names of tenant and co-tenants, the address ("marshallaan 45", "3527tv"), the reference,
    or a contract or judgment number."""
    page = cases.list_cases(
        deps=deps,
        actor=actor,
        now=now,
        status=status,
        coordinator_id=coordinator_id,
        organisation_id=organisation_id,
        q=q,
        limit=limit,
        offset=offset,
    )
    return PageOut.of(page, CaseOut.of)


@router.post(
    "/cases",
    response_model=CaseOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(403),
)
def create_case(body: CaseIn, actor: ActorDep, deps: DepsDep, now: NowDep) -> CaseOut:
    """Register a case with its tenant, address, parties and representatives."""
    return CaseOut.of(cases.create_case(body, deps=deps, actor=actor, now=now))


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: PathId, actor: ActorDep, deps: DepsDep, now: NowDep) -> CaseOut:
    """One case (the read is logged)."""
    return CaseOut.of(cases.get_case(case_id, deps=deps, actor=actor, now=now))


@router.patch("/cases/{case_id}", response_model=CaseOut, responses=responses(403))
def update_case(
    case_id: PathId, body: CasePatch, actor: ActorDep, deps: DepsDep, now: NowDep
) -> CaseOut:
    """Change a case; lists given (parties, representatives) replace the old ones."""
    return CaseOut.of(cases.update_case(case_id, body, deps=deps, actor=actor, now=now))


@router.get("/cases/{case_id}/care-notes", response_model=CareNotesOut, responses=responses(403))
def read_care_notes(case_id: PathId, actor: ActorDep, deps: DepsDep, now: NowDep) -> CareNotesOut:
    """Care notes: special-category data, for coordinators only (the read is logged)."""
    text = cases.read_care_notes(case_id, deps=deps, actor=actor, now=now)
    return CareNotesOut(case_id=case_id, text=text)


@router.put("/cases/{case_id}/care-notes", response_model=CareNotesOut, responses=responses(403))
def write_care_notes(
    case_id: PathId, body: CareNotesIn, actor: ActorDep, deps: DepsDep, now: NowDep
) -> CareNotesOut:
    """Replace the care notes (stored encrypted)."""
    cases.write_care_notes(case_id, body, deps=deps, actor=actor, now=now)
    return CareNotesOut(case_id=case_id, text=body.text)
