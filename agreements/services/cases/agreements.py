"""Use cases for support agreements (woonbegeleidingsovereenkomsten) and their reviews."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agreements.db.models import Agreement, EvictionJudgment, Obligation, Review, TenancyContract
from agreements.domain.enums import AgreementStatus
from agreements.domain.errors import Conflict, NotFound, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.domain.rules import check_term, check_transition
from agreements.domain.schedule import review_due_dates
from agreements.services.cases import readiness
from agreements.services.context import Deps
from agreements.services.inputs import AgreementIn, AgreementPatch, ObligationIn
from agreements.services.review_inputs import ReviewIn, ReviewPatch
from agreements.services.scope import Page, paginate, restrict_to_visible
from agreements.services.uow import UnitOfWork, unit_of_work

# What a live agreement may change (an amendment, signed again as a new version): the link
# to a new judgment and the legal route, after the decision an old judgment needs.
AMENDABLE = frozenset({"eviction_judgment_id", "legal_route"})
LIVE = (AgreementStatus.OUT_FOR_SIGNATURE, AgreementStatus.ACTIVE)


def _check_links(session: Session, case_id: int, contract_id: int, judgment_id: int) -> None:
    contract = session.get(TenancyContract, contract_id)
    if contract is None or contract.case_id != case_id:
        raise ValidationFailed.one("tenancy_contract_id", "no tenancy contract of this case")
    judgment = session.get(EvictionJudgment, judgment_id)
    if judgment is None or judgment.case_id != case_id:
        raise ValidationFailed.one("eviction_judgment_id", "no eviction judgment of this case")


def _set_obligations(agreement: Agreement, items: list[ObligationIn]) -> None:
    agreement.obligations.clear()
    for position, item in enumerate(items, start=1):
        agreement.obligations.append(
            Obligation(position=position, party=item.party, text=item.text)
        )


WITHIN_TERM = "must fall within the agreement's term"


def _schedule_reviews(session: Session, agreement: Agreement) -> None:
    """(Re)plan the quarterly reviews; reviews already held are never touched."""
    held = session.scalar(
        select(func.count()).where(
            Review.agreement_id == agreement.id, Review.held_date.is_not(None)
        )
    )
    if held:
        return
    for review in session.scalars(select(Review).where(Review.agreement_id == agreement.id)):
        session.delete(review)
    session.flush()
    for n, due in review_due_dates(agreement.start_date, agreement.end_date):
        session.add(Review(agreement_id=agreement.id, number=n, due_date=due, summary=""))


def create_agreement(data: AgreementIn, *, deps: Deps, actor: Actor, now: datetime) -> Agreement:
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        readiness.require_parties(uow.case(data.case_id, Action.WRITE, Resource.AGREEMENT))
        _check_links(session, data.case_id, data.tenancy_contract_id, data.eviction_judgment_id)
        check_term(data.start_date, data.end_date)
        agreement = Agreement(
            case_id=data.case_id,
            tenancy_contract_id=data.tenancy_contract_id,
            eviction_judgment_id=data.eviction_judgment_id,
            start_date=data.start_date,
            end_date=data.end_date,
            status=AgreementStatus.DRAFT,
            reason=data.reason,
            legal_route=data.legal_route,
            created_at=now,
            updated_at=now,
        )
        _set_obligations(agreement, data.obligations)
        session.add(agreement)
        session.flush()
        _schedule_reviews(session, agreement)
        uow.audit("agreement.create", "agreement", agreement.id, {"case": data.case_id})
    return agreement


def update_agreement(
    agreement_id: int, data: AgreementPatch, *, deps: Deps, actor: Actor, now: datetime
) -> Agreement:
    changes = data.model_dump(exclude_unset=True)
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        agreement = _load(uow, agreement_id, Action.WRITE)
        content = set(changes) - {"status"}
        amendment = content <= AMENDABLE and agreement.status in LIVE
        if content and agreement.status is not AgreementStatus.DRAFT and not amendment:
            raise Conflict(
                f"only a draft agreement can be changed; this one is {agreement.status.value}"
            )
        if data.status is not None:
            if data.status is AgreementStatus.ACTIVE and actor.user_id is not None:
                raise Conflict("an agreement becomes active when every party has signed it")
            check_transition(agreement.status, data.status)
            agreement.status = data.status
        agreement.tenancy_contract_id = data.tenancy_contract_id or agreement.tenancy_contract_id
        agreement.eviction_judgment_id = data.eviction_judgment_id or agreement.eviction_judgment_id
        _check_links(
            session,
            agreement.case_id,
            agreement.tenancy_contract_id,
            agreement.eviction_judgment_id,
        )
        agreement.start_date = data.start_date or agreement.start_date
        agreement.end_date = data.end_date or agreement.end_date
        check_term(agreement.start_date, agreement.end_date)
        if data.obligations is not None:
            _set_obligations(agreement, data.obligations)
        if data.reason is not None:
            agreement.reason = data.reason
        if data.legal_route is not None:
            agreement.legal_route = data.legal_route
        if {"start_date", "end_date"} & content:
            _schedule_reviews(session, agreement)
        agreement.updated_at = now
        detail = {"case": agreement.case_id, "fields": sorted(changes)}
        uow.audit("agreement.update", "agreement", agreement.id, detail)
    return agreement


def _load(uow: UnitOfWork, agreement_id: int, action: Action) -> Agreement:
    return uow.load(Agreement, agreement_id, action, Resource.AGREEMENT, kind="agreement")


def get_agreement(agreement_id: int, *, deps: Deps, actor: Actor, now: datetime) -> Agreement:
    with unit_of_work(deps, actor, now) as uow:
        agreement = _load(uow, agreement_id, Action.READ)
        uow.audit("agreement.read", "agreement", agreement_id, {"case": agreement.case_id})
        return agreement


def list_agreements(
    *,
    deps: Deps,
    actor: Actor,
    case_id: int | None = None,
    status: AgreementStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Agreement]:
    authorize(actor, Action.READ, Resource.AGREEMENT)
    query = restrict_to_visible(select(Agreement).order_by(Agreement.id), Agreement.case_id, actor)
    if case_id is not None:
        query = query.where(Agreement.case_id == case_id)
    if status is not None:
        query = query.where(Agreement.status == status)
    with deps.db() as session:
        return paginate(session, query, limit, offset)


def _review_scope(actor: Actor):  # type: ignore[no-untyped-def]
    return restrict_to_visible(select(Agreement.id), Agreement.case_id, actor)


def list_reviews(
    *,
    deps: Deps,
    actor: Actor,
    agreement_id: int | None = None,
    case_id: int | None = None,
    due_from: date | None = None,
    due_until: date | None = None,
    held: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Review]:
    authorize(actor, Action.READ, Resource.REVIEW)
    agreements_seen = _review_scope(actor)
    if case_id is not None:
        agreements_seen = agreements_seen.where(Agreement.case_id == case_id)
    query = select(Review).where(Review.agreement_id.in_(agreements_seen))
    query = query.order_by(Review.due_date, Review.id)
    if agreement_id is not None:
        query = query.where(Review.agreement_id == agreement_id)
    if due_from is not None:
        query = query.where(Review.due_date >= due_from)
    if due_until is not None:
        query = query.where(Review.due_date <= due_until)
    if held is not None:
        query = query.where(Review.held_date.is_not(None) if held else Review.held_date.is_(None))
    with deps.db() as session:
        return paginate(session, query, limit, offset)


def _load_review(uow: UnitOfWork, review_id: int, action: Action) -> Review:
    def case_of(review: Review) -> int:
        agreement = uow.session.get(Agreement, review.agreement_id)
        if agreement is None:
            raise NotFound("review", review_id)
        return agreement.case_id

    return uow.load(Review, review_id, action, Resource.REVIEW, kind="review", case_of=case_of)


def get_review(review_id: int, *, deps: Deps, actor: Actor) -> Review:
    # Not logged (the agreement's read is): the time is only the unit of work's.
    with unit_of_work(deps, actor, datetime.now(UTC)) as uow:
        return _load_review(uow, review_id, Action.READ)


def add_review(data: ReviewIn, *, deps: Deps, actor: Actor, now: datetime) -> Review:
    """An extra review outside the quarterly schedule (after a signal, say)."""
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        agreement = _load(uow, data.agreement_id, Action.WRITE)
        if not agreement.start_date <= data.due_date <= agreement.end_date:
            raise ValidationFailed.one("due_date", WITHIN_TERM)
        last = (
            session.scalar(
                select(func.max(Review.number)).where(Review.agreement_id == agreement.id)
            )
            or 0
        )
        review = Review(
            agreement_id=agreement.id, number=last + 1, due_date=data.due_date, summary=""
        )
        session.add(review)
        session.flush()
        uow.audit("review.create", "review", review.id, {"case": agreement.case_id})
    return review


def record_review(
    review_id: int, data: ReviewPatch, *, deps: Deps, actor: Actor, now: datetime
) -> Review:
    """Record that a review was held, with its outcome."""
    changes = data.model_dump(exclude_unset=True, mode="json")
    with unit_of_work(deps, actor, now) as uow:
        review = _load_review(uow, review_id, Action.WRITE)
        if data.progress is not None:
            agreement = uow.session.get(Agreement, review.agreement_id)
            assert agreement is not None
            known = {o.id for o in agreement.obligations}
            for i, item in enumerate(data.progress):
                if item.obligation_id not in known:
                    raise ValidationFailed.one(
                        f"progress.{i}.obligation_id", "not an obligation of this agreement"
                    )
        for key, value in changes.items():
            setattr(review, key, value)
        if data.held_date is not None:
            review.held_date = data.held_date
        if data.outcome is not None:
            review.outcome = data.outcome
        if review.held_date is not None and review.held_date > uow.today:
            raise ValidationFailed.one("held_date", "cannot be in the future")
        agreement = uow.session.get(Agreement, review.agreement_id)
        assert agreement is not None
        if review.held_date is not None and not (
            agreement.start_date <= review.held_date <= agreement.end_date
        ):
            raise ValidationFailed.one("held_date", WITHIN_TERM)
        if (review.held_date is None) != (review.outcome is None):
            field = "outcome" if review.outcome is None else "held_date"
            raise ValidationFailed.one(field, "a held review needs both its date and outcome")
        uow.audit("review.update", "review", review.id, {"fields": sorted(changes)})
    return review
