"""Which cases an actor may see: the role matrix applied to rows, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from agreements.db.models import Case, CaseParty
from agreements.domain.errors import NotFound
from agreements.domain.policy import Action, Actor, Resource, authorize

T = TypeVar("T")


def visible_case_ids(actor: Actor) -> Select[Any] | None:
    """A subquery of case ids a partner may see, or None when the actor sees every case."""
    if not actor.scoped_to_organisation:
        return None
    return select(CaseParty.case_id).where(CaseParty.organisation_id == actor.organisation_id)


def restrict_to_visible(query: Select[Any], case_id_column: Any, actor: Actor) -> Select[Any]:
    subquery = visible_case_ids(actor)
    return query if subquery is None else query.where(case_id_column.in_(subquery))


def case_for(
    session: Session,
    actor: Actor,
    case_id: int,
    action: Action,
    resource: Resource = Resource.CASE,
    *,
    reported_as: tuple[str, object] | None = None,
) -> Case:
    """The case, if it is within the actor's scope and the actor's role allows the action.

    A case outside the scope is reported as not found whatever the action, before the role
    is asked: its existence is not the actor's business either. Forbidden is only for a
    case the actor may see but not act on in this way. `reported_as` names the record that
    was asked for (a review, say), so that the answer is word for word the one for a
    record that does not exist and never gives away the case's id."""
    case = session.get(Case, case_id)
    if case is None or not _in_scope(session, actor, case_id):
        raise NotFound(*(reported_as or ("case", case_id)))
    authorize(actor, action, resource)
    return case


def _in_scope(session: Session, actor: Actor, case_id: int) -> bool:
    subquery = visible_case_ids(actor)
    if subquery is None:
        return True
    return (
        session.scalar(
            select(func.count()).where(subquery.where(CaseParty.case_id == case_id).exists())
        )
        == 1
    )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def paginate(session: Session, query: Select[Any], limit: int, offset: int) -> Page[Any]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(limit).offset(offset)))
    return Page(items=items, total=int(total or 0), limit=limit, offset=offset)
