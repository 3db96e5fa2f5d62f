"""Names for ids, for pages that show organisations, people, coordinators and cases by name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import Agreement, Case, Organisation, Person, User
from agreements.domain.enums import Role
from agreements.services.context import Deps


def organisations(deps: Deps, kind: Any = None) -> dict[int, str]:
    with deps.db() as session:
        query = select(Organisation.id, Organisation.name).order_by(Organisation.name)
        if kind is not None:
            query = query.where(Organisation.kind == kind)
        return {row.id: row.name for row in session.execute(query)}


def coordinators(deps: Deps) -> dict[int, str]:
    with deps.db() as session:
        query = select(User.id, User.name).where(User.role == Role.COORDINATOR, User.active)
        return {row.id: row.name for row in session.execute(query.order_by(User.name))}


def people(deps: Deps, ids: list[int]) -> dict[int, str]:
    with deps.db() as session:
        query = select(Person.id, Person.name).where(Person.id.in_(ids))
        return {row.id: row.name for row in session.execute(query)}


def case_labels(deps: Deps, case_ids: set[int]) -> dict[int, str]:
    """`LK-2026-00001, Zoë van 't Hek` per case, for lists that point at cases."""
    with deps.db() as session:
        query = select(Case.id, Case.reference, Person.name).join(
            Person, Person.id == Case.tenant_id
        )
        rows = session.execute(query.where(Case.id.in_(case_ids)))
        return {row.id: f"{row.reference}, {row.name}" for row in rows}


def case_label(session: Session, case: Case) -> str:
    """`LK-2026-00001, Zoë van 't Hek`: how e-mail subjects name a case."""
    tenant = session.get(Person, case.tenant_id)
    reference = case.reference or str(case.id)
    return f"{reference}, {tenant.name}" if tenant else reference


def agreement_cases(deps: Deps, agreement_ids: set[int]) -> dict[int, int]:
    """The case of each agreement."""
    with deps.db() as session:
        query = select(Agreement.id, Agreement.case_id).where(Agreement.id.in_(agreement_ids))
        return {row.id: row.case_id for row in session.execute(query)}
