"""The same tenancy contract number or judgment case number on more than one case.

A number typed on one case that another case holds already is most often a typing error or
a case registered twice; it may also be right (a second trajectory on the same lease). So
it is never refused: the API's answer carries a warning (`warnings` on the contract or the
judgment, status 201/200 as usual) and the link-integrity report flags every case that
shares one. Numbers compare without case or spaces ("UC EXPL 24-3346" = "uc expl 24-3346").
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.orm import Session

from agreements.db.models import Case, EvictionJudgment, TenancyContract

# kind -> (model, the number's column), as the warnings and the report name them.
NUMBERS: dict[str, tuple[Any, Any]] = {
    "contract_number": (TenancyContract, TenancyContract.contract_number),
    "case_number": (EvictionJudgment, EvictionJudgment.case_number),
}


def _key(column: Any) -> ColumnElement[str]:
    return func.lower(func.replace(column, " ", ""))


def other_cases(session: Session, field: str, number: str, case_id: int) -> list[str]:
    """The references of the other cases that hold `number` already, in order."""
    model, column = NUMBERS[field]
    query = (
        select(Case.reference)
        .join(model, model.case_id == Case.id)
        .where(_key(column) == key_of(number), Case.id != case_id)
        .distinct()
        .order_by(Case.reference)
    )
    return [r or "" for r in session.scalars(query)]


def warnings_for(session: Session, row: Any) -> list[dict[str, Any]]:
    """The warnings for a contract or judgment just saved: one per number another case holds."""
    out = []
    for field, (model, _column) in NUMBERS.items():
        if isinstance(row, model):
            cases = other_cases(session, field, getattr(row, field), row.case_id)
            if cases:
                reason = f"also on case {', '.join(cases)}: check that it is the same one"
                out.append({"field": field, "reason": reason, "cases": cases})
    return out


def shared(session: Session, field: str) -> dict[str, dict[int, str]]:
    """Every number (its key) held by more than one case: {key: {case id: reference}}."""
    model, column = NUMBERS[field]
    key = _key(column)
    twice = select(key).group_by(key).having(func.count(distinct(model.case_id)) > 1)
    query = (
        select(key, Case.id, Case.reference)
        .join(Case, Case.id == model.case_id)
        .where(key.in_(twice))
        .distinct()
    )
    found: dict[str, dict[int, str]] = defaultdict(dict)
    for number, case_id, reference in session.execute(query):
        found[number][case_id] = reference or str(case_id)
    return found


def key_of(number: str) -> str:
    """A number as the queries compare it: without spaces, in lower case."""
    return number.replace(" ", "").lower()
