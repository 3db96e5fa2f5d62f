"""Decisions on an ageing judgment (LEGAL.md: the twelve-month point): recording one, reading
them, and the latest one per agreement for the report, the dashboard and the checks made
before a document is rendered. A decision counts for the judgment it was made on: link a new
judgment and the clock starts again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from agreements.db.models import Agreement, Case, EvictionJudgment, JudgmentDecision, User
from agreements.domain.enums import AgreementStatus, PartyRole
from agreements.domain.errors import Forbidden
from agreements.domain.policy import Action, Actor, Resource
from agreements.domain.route import Decision, LegalRoute, decision_due, may_decide, months_old
from agreements.services.context import Deps
from agreements.services.inputs import JudgmentDecisionIn
from agreements.services.scope import restrict_to_visible
from agreements.services.uow import UnitOfWork, reading, unit_of_work

LIVE = (AgreementStatus.ACTIVE, AgreementStatus.OUT_FOR_SIGNATURE)


def _agreement(uow: UnitOfWork, agreement_id: int, action: Action) -> Agreement:
    return uow.load(Agreement, agreement_id, action, Resource.AGREEMENT, kind="agreement")


def _corporation_of(case: Case, actor: Actor) -> bool:
    return any(
        p.role is PartyRole.HOUSING_CORPORATION and p.organisation_id == actor.organisation_id
        for p in case.parties
    )


def may_record(case: Case, actor: Actor) -> bool:
    """May this actor decide on the case's judgment (legal staff, the case's corporation)?"""
    return actor.user_id is not None and may_decide(
        actor.role, corporation_of_case=_corporation_of(case, actor)
    )


def record_decision(
    agreement_id: int, data: JudgmentDecisionIn, *, deps: Deps, actor: Actor, now: datetime
) -> JudgmentDecision:
    """Record what is done about the agreement's current judgment, by whom and why."""
    with unit_of_work(deps, actor, now) as uow:
        agreement = _agreement(uow, agreement_id, Action.READ)
        case = uow.case(agreement.case_id, Action.READ, Resource.AGREEMENT)
        if not may_record(case, actor):
            raise Forbidden("only legal staff or the case's housing corporation decide this")
        user = uow.session.get(User, actor.user_id)
        assert user is not None
        row = JudgmentDecision(
            case_id=agreement.case_id,
            agreement_id=agreement.id,
            eviction_judgment_id=agreement.eviction_judgment_id,
            choice=data.choice,
            reason=data.reason,
            decided_by=user.id,
            decided_by_name=user.name,
            decided_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        detail = {
            "case": agreement.case_id,
            "agreement": agreement.id,
            "judgment": agreement.eviction_judgment_id,
            "choice": data.choice.value,
        }
        uow.audit("judgment_decision.create", "judgment_decision", row.id, detail)
    return row


def list_decisions(
    agreement_id: int, *, deps: Deps, actor: Actor, now: datetime
) -> list[JudgmentDecision]:
    """The agreement's decisions, newest first (on every judgment it was linked to)."""
    with reading(deps, actor, now) as uow:
        _agreement(uow, agreement_id, Action.READ)
        query = (
            select(JudgmentDecision)
            .where(JudgmentDecision.agreement_id == agreement_id)
            .order_by(JudgmentDecision.id.desc())
        )
        return list(uow.session.scalars(query))


def as_decision(row: JudgmentDecision, deps: Deps) -> Decision:
    return Decision(
        row.choice, deps.settings.day_of(row.decided_at), row.decided_by_name, row.reason
    )


def latest(session: Session, deps: Deps, agreement_ids: Iterable[int]) -> dict[int, Decision]:
    """The latest decision on each agreement's current judgment (none: not in the result)."""
    ids = list(agreement_ids)
    if not ids:
        return {}
    query = (
        select(JudgmentDecision)
        .join(Agreement, Agreement.id == JudgmentDecision.agreement_id)
        .where(
            JudgmentDecision.agreement_id.in_(ids),
            JudgmentDecision.eviction_judgment_id == Agreement.eviction_judgment_id,
        )
        .order_by(JudgmentDecision.id)
    )
    return {row.agreement_id: as_decision(row, deps) for row in session.scalars(query)}


@dataclass(frozen=True)
class Undecided:
    """A live agreement whose judgment is at or past the decision age, with no decision."""

    case_id: int
    agreement_id: int
    judgment_date: date
    months: int


def undecided(deps: Deps, actor: Actor, today: date) -> list[Undecided]:
    """What the dashboard shows as a problem: judgments in reserve that need a decision."""
    age = deps.settings.judgment_age
    live: Select[Any] = (
        select(Agreement.id)
        .add_columns(Agreement.case_id, Agreement.legal_route, EvictionJudgment)
        .join(EvictionJudgment, EvictionJudgment.id == Agreement.eviction_judgment_id)
        .where(Agreement.status.in_(LIVE))
        .order_by(EvictionJudgment.judgment_date, Agreement.id)
    )
    query = restrict_to_visible(live, Agreement.case_id, actor)
    with deps.db() as session:
        rows = list(session.execute(query))
        decided = latest(session, deps, [r.id for r in rows])
    return [
        Undecided(r.case_id, r.id, r.EvictionJudgment.judgment_date, months)
        for r in rows
        if r.id not in decided
        and decision_due(_route(r.legal_route), r.EvictionJudgment.judgment_date, today, age)
        for months in [months_old(r.EvictionJudgment.judgment_date, today)]
    ]


def _route(value: LegalRoute | None) -> LegalRoute | None:
    return LegalRoute(value) if value else None
