"""Support agreements and their quarterly reviews."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, status

from agreements.domain.enums import AgreementStatus
from agreements.services.cases import agreements
from agreements.services.inputs import AgreementIn, AgreementPatch, JudgmentDecisionIn
from agreements.services.legal import decisions
from agreements.services.records import Agreement, JudgmentDecision, Review
from agreements.services.review_inputs import ReviewIn, ReviewPatch
from agreements.web.deps import ActorDep, DepsDep, Limit, NowDep, Offset, OptId, PathId
from agreements.web.problems import responses
from agreements.web.schemas import AgreementOut, JudgmentDecisionOut, PageOut, ReviewOut

router = APIRouter()


@router.get("/agreements", response_model=PageOut[AgreementOut], tags=["agreements"])
def list_agreements(
    actor: ActorDep,
    deps: DepsDep,
    case_id: OptId = None,
    status: AgreementStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[AgreementOut]:
    """Agreements the actor may see."""
    page = agreements.list_agreements(
        deps=deps, actor=actor, case_id=case_id, status=status, limit=limit, offset=offset
    )
    return PageOut.of(page, AgreementOut.model_validate)


@router.post(
    "/agreements",
    response_model=AgreementOut,
    status_code=status.HTTP_201_CREATED,
    tags=["agreements"],
    responses=responses(403, 404),
)
def create_agreement(body: AgreementIn, actor: ActorDep, deps: DepsDep, now: NowDep) -> Agreement:
    """Draft an agreement linked to a tenancy contract and a judgment of the same case;
    its quarterly reviews are planned at once."""
    return agreements.create_agreement(body, deps=deps, actor=actor, now=now)


@router.get("/agreements/{agreement_id}", response_model=AgreementOut, tags=["agreements"])
def get_agreement(agreement_id: PathId, actor: ActorDep, deps: DepsDep, now: NowDep) -> Agreement:
    """One agreement with its obligations."""
    return agreements.get_agreement(agreement_id, deps=deps, actor=actor, now=now)


@router.patch(
    "/agreements/{agreement_id}",
    response_model=AgreementOut,
    tags=["agreements"],
    responses=responses(403, 409),
)
def update_agreement(
    agreement_id: PathId, body: AgreementPatch, actor: ActorDep, deps: DepsDep, now: NowDep
) -> Agreement:
    """Change a draft, or move the status along (draft, out for signature, active, ...)."""
    return agreements.update_agreement(agreement_id, body, deps=deps, actor=actor, now=now)


@router.post(
    "/agreements/{agreement_id}/judgment-decisions",
    response_model=JudgmentDecisionOut,
    status_code=status.HTTP_201_CREATED,
    tags=["agreements"],
    responses=responses(403, 404),
)
def record_judgment_decision(
    agreement_id: PathId, body: JudgmentDecisionIn, actor: ActorDep, deps: DepsDep, now: NowDep
) -> JudgmentDecision:
    """Record the decision on the agreement's judgment before it is a year old (legal staff
    or the case's housing corporation): continue and accept the risk, a new judgment, or a
    lease; with the reason. Without one an old judgment is a problem and blocks documents."""
    return decisions.record_decision(agreement_id, body, deps=deps, actor=actor, now=now)


@router.get(
    "/agreements/{agreement_id}/judgment-decisions",
    response_model=list[JudgmentDecisionOut],
    tags=["agreements"],
)
def list_judgment_decisions(
    agreement_id: PathId, actor: ActorDep, deps: DepsDep, now: NowDep
) -> list[JudgmentDecision]:
    """The agreement's judgment decisions, newest first; the latest on its current judgment
    counts."""
    return decisions.list_decisions(agreement_id, deps=deps, actor=actor, now=now)


@router.get("/reviews", response_model=PageOut[ReviewOut], tags=["reviews"])
def list_reviews(
    actor: ActorDep,
    deps: DepsDep,
    agreement_id: OptId = None,
    case_id: OptId = None,
    due_from: date | None = None,
    due_until: date | None = None,
    held: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[ReviewOut]:
    """Reviews by due date, filtered by agreement, case, period and whether they were held."""
    page = agreements.list_reviews(
        deps=deps,
        actor=actor,
        agreement_id=agreement_id,
        case_id=case_id,
        due_from=due_from,
        due_until=due_until,
        held=held,
        limit=limit,
        offset=offset,
    )
    return PageOut.of(page, ReviewOut.model_validate)


@router.post(
    "/reviews",
    response_model=ReviewOut,
    status_code=status.HTTP_201_CREATED,
    tags=["reviews"],
    responses=responses(403, 404),
)
def add_review(body: ReviewIn, actor: ActorDep, deps: DepsDep, now: NowDep) -> Review:
    """Plan an extra review within the agreement's term."""
    return agreements.add_review(body, deps=deps, actor=actor, now=now)


@router.get("/reviews/{review_id}", response_model=ReviewOut, tags=["reviews"])
def get_review(review_id: PathId, actor: ActorDep, deps: DepsDep) -> Review:
    """One review."""
    return agreements.get_review(review_id, deps=deps, actor=actor)


@router.patch(
    "/reviews/{review_id}", response_model=ReviewOut, tags=["reviews"], responses=responses(403)
)
def record_review(
    review_id: PathId, body: ReviewPatch, actor: ActorDep, deps: DepsDep, now: NowDep
) -> Review:
    """Record that a review was held: date, outcome and summary."""
    return agreements.record_review(review_id, body, deps=deps, actor=actor, now=now)
