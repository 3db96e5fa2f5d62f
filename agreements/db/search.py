"""The cases' folded search column (`cases.search_text`, see `domain/search.py`), kept current.

Every session made by `sessions.make_database` recomputes the column after each flush that
wrote what it covers: a case's reference or address, its tenant or co-tenants, a person's
name, a tenancy contract or a judgment. No use case can forget it, and migration 0023 fills
it for the cases that existed before, with the same `refresh`.

It is read with plain LIKE on both databases; on PostgreSQL a pg_trgm GIN index serves
those LIKEs (`'%term%'`) once the table is large.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from itertools import chain
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, event, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from agreements.db.models import Case, CaseCoTenant, EvictionJudgment, Person, TenancyContract
from agreements.domain.search import case_search_text

# Plain table clauses with only the columns read here, so that migration 0023 can use
# `refresh` on the schema as it was then, whatever the models add later.
_cases = sa.table(
    "cases",
    *(sa.column(n) for n in ("id", "reference", "street", "house_number", "postcode")),
    *(sa.column(n) for n in ("city", "tenant_id", "search_text")),
)
_people = sa.table("people", sa.column("id"), sa.column("name"))
_co_tenants = sa.table("case_co_tenants", sa.column("case_id"), sa.column("person_id"))
_contracts = sa.table("tenancy_contracts", sa.column("case_id"), sa.column("contract_number"))
_judgments = sa.table(
    "eviction_judgments", sa.column("case_id"), sa.column("case_number"), sa.column("ecli")
)
_BATCH = 500
_CASE_FIELDS = ("reference", "street", "house_number", "postcode", "city", "tenant_id")
_TOUCHED = "search_text.touched"


def refresh(
    connection: Connection | Session, case_ids: Iterable[int] | None = None
) -> dict[int, str]:
    """Recompute the search text of these cases (every case when None); write what changed
    and return it as {case id: text}."""
    if case_ids is None:
        case_ids = connection.execute(sa.select(_cases.c.id)).scalars().all()
    ids = sorted(set(case_ids))
    changed: dict[int, str] = {}
    for start in range(0, len(ids), _BATCH):
        changed.update(_refresh_batch(connection, ids[start : start + _BATCH]))
    for case_id, text in changed.items():
        connection.execute(sa.update(_cases).where(_cases.c.id == case_id).values(search_text=text))
    return changed


def _refresh_batch(connection: Connection | Session, ids: Collection[int]) -> dict[int, str]:
    names: dict[int, list[str]] = defaultdict(list)
    numbers: dict[int, list[str | None]] = defaultdict(list)
    tenant = _people.join(_cases, _cases.c.tenant_id == _people.c.id)
    co_tenant = _people.join(_co_tenants, _co_tenants.c.person_id == _people.c.id)
    for case_id, name in chain(
        connection.execute(
            sa.select(_cases.c.id, _people.c.name).select_from(tenant).where(_cases.c.id.in_(ids))
        ),
        connection.execute(
            sa.select(_co_tenants.c.case_id, _people.c.name)
            .select_from(co_tenant)
            .where(_co_tenants.c.case_id.in_(ids))
            .order_by(_co_tenants.c.case_id, _people.c.id)
        ),
    ):
        names[case_id].append(name)
    for row in connection.execute(
        sa.select(_contracts.c.case_id, _contracts.c.contract_number).where(
            _contracts.c.case_id.in_(ids)
        )
    ):
        numbers[row[0]].append(row[1])
    for row in connection.execute(sa.select(_judgments).where(_judgments.c.case_id.in_(ids))):
        numbers[row.case_id].extend((row.case_number, row.ecli))
    changed = {}
    for row in connection.execute(sa.select(_cases).where(_cases.c.id.in_(ids))):
        text = case_search_text(
            names=names[row.id],
            reference=row.reference,
            street=row.street,
            house_number=row.house_number,
            postcode=row.postcode,
            city=row.city,
            numbers=numbers[row.id],
        )
        if text != row.search_text:
            changed[row.id] = text
    return changed


def keep_current(factory: sessionmaker[Session]) -> None:
    """Make every session of `factory` keep `cases.search_text` current."""
    event.listen(factory, "before_flush", _note_touched)
    event.listen(factory, "after_flush_postexec", _refresh_touched)


def _changed(obj: Any, fields: Iterable[str]) -> bool:
    state = inspect(obj)
    return state.pending or any(state.attrs[f].history.has_changes() for f in fields)


def _note_touched(session: Session, _context: Any, _instances: Any) -> None:
    touched = session.info.setdefault(_TOUCHED, [])
    touched.extend(
        obj for obj in chain(session.new, session.dirty, session.deleted) if _covers(obj)
    )


def _covers(obj: Any) -> bool:
    """Whether writing `obj` may change a case's search text."""
    if isinstance(obj, Case):
        return _changed(obj, (*_CASE_FIELDS, "co_tenants"))
    if isinstance(obj, Person):
        return _changed(obj, ("name",))
    return isinstance(obj, CaseCoTenant | TenancyContract | EvictionJudgment)


def _refresh_touched(session: Session, _context: Any) -> None:
    touched = session.info.pop(_TOUCHED, [])
    if not touched:
        return
    people = {o.id for o in touched if isinstance(o, Person) and o.id is not None}
    case_ids = {o.id for o in touched if isinstance(o, Case) and o.id is not None}
    case_ids |= {o.case_id for o in touched if getattr(o, "case_id", None) is not None}
    if people:
        case_ids.update(
            session.execute(sa.select(_cases.c.id).where(_cases.c.tenant_id.in_(people)))
            .scalars()
            .all(),
            session.execute(
                sa.select(_co_tenants.c.case_id).where(_co_tenants.c.person_id.in_(people))
            )
            .scalars()
            .all(),
        )
    for case_id, text in refresh(session, case_ids).items():
        case = session.identity_map.get(session.identity_key(Case, case_id))
        if case is not None:
            set_committed_value(case, "search_text", text)
