"""Use cases for cases (trajectories): their parties, representatives and care notes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import (
    Case,
    CaseCoTenant,
    CaseParty,
    CaseRepresentative,
    Organisation,
    Person,
    User,
)
from agreements.db.sessions import read_only
from agreements.domain import search
from agreements.domain.enums import PARTY_ROLE_FOR_KIND, CaseStatus, RepresentativeKind, Role
from agreements.domain.errors import ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.cases import directory
from agreements.services.context import Deps
from agreements.services.inputs import (
    CareNotesIn,
    CaseIn,
    CasePatch,
    PartyIn,
    PersonIn,
    RepresentativeIn,
)
from agreements.services.scope import Page, paginate, restrict_to_visible
from agreements.services.uow import UnitOfWork, unit_of_work

MAX_TERM_DAYS = 5 * 366


def create_case(data: CaseIn, *, deps: Deps, actor: Actor, now: datetime) -> Case:
    with unit_of_work(deps, actor, now) as uow:
        case = _add_case(uow, data, actor)
    return get_case(case.id, deps=deps, actor=actor, now=now, log=False)


def register_case(
    tenant: PersonIn,
    data: CaseIn,
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    representative: tuple[PersonIn, RepresentativeKind] | None = None,
    co_tenants: tuple[PersonIn, ...] = (),
) -> Case:
    """A new tenant (with co-tenants and a representative) with their case, all or nothing."""
    with unit_of_work(deps, actor, now) as uow:
        person = directory.add_person(uow, tenant, actor)
        reps = []
        if representative is not None:
            guardian = directory.add_person(uow, representative[0], actor)
            reps = [RepresentativeIn(person_id=guardian.id, kind=representative[1])]
        others = [directory.add_person(uow, co, actor).id for co in co_tenants]
        update = {"tenant_id": person.id, "representatives": reps, "co_tenant_ids": others}
        data = data.model_copy(update=update)
        case = _add_case(uow, data, actor)
    return get_case(case.id, deps=deps, actor=actor, now=now, log=False)


def _add_case(uow: UnitOfWork, data: CaseIn, actor: Actor) -> Case:
    authorize(actor, Action.WRITE, Resource.CASE)
    session, now = uow.session, uow.now
    coordinator_id = data.coordinator_id or _default_coordinator(actor)
    _check_coordinator(session, coordinator_id)
    if session.get(Person, data.tenant_id) is None:
        raise ValidationFailed.one("tenant_id", "no such person")
    _check_term(data.start_date, data.planned_end_date)
    case = Case(
        status=data.status,
        coordinator_id=coordinator_id,
        tenant_id=data.tenant_id,
        start_date=data.start_date,
        planned_end_date=data.planned_end_date,
        created_at=now,
        updated_at=now,
        **data.address.model_dump(),
    )
    session.add(case)
    session.flush()
    case.reference = f"LK-{data.start_date.year}-{case.id:05d}"
    _set_parties(session, case, data.parties)
    _set_representatives(session, case, data.representatives)
    _set_co_tenants(session, case, data.co_tenant_ids)
    uow.audit("case.create", "case", case.id)
    return case


def _default_coordinator(actor: Actor) -> int:
    if actor.role is Role.COORDINATOR and actor.user_id is not None:
        return actor.user_id
    raise ValidationFailed.one("coordinator_id", "required: choose the case's coordinator")


def _check_coordinator(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    if user is None or user.role is not Role.COORDINATOR or not user.active:
        raise ValidationFailed.one("coordinator_id", "not an active coordinator")


def _check_term(start: date, end: date) -> None:
    if end <= start:
        raise ValidationFailed.one("planned_end_date", "must be after the start date")
    if (end - start).days > MAX_TERM_DAYS:
        raise ValidationFailed.one("planned_end_date", "a trajectory lasts at most five years")


def _set_parties(session: Session, case: Case, parties: list[PartyIn]) -> None:
    seen: set[int] = set()
    case.parties.clear()
    session.flush()
    for i, party in enumerate(parties):
        org = session.get(Organisation, party.organisation_id)
        if org is None:
            raise ValidationFailed.one(f"parties.{i}.organisation_id", "no such organisation")
        if org.id in seen:
            raise ValidationFailed.one(f"parties.{i}.organisation_id", "listed twice")
        if party.contact_person_id and session.get(Person, party.contact_person_id) is None:
            raise ValidationFailed.one(f"parties.{i}.contact_person_id", "no such person")
        seen.add(org.id)
        case.parties.append(
            CaseParty(
                organisation_id=org.id,
                role=PARTY_ROLE_FOR_KIND[org.kind],
                contact_person_id=party.contact_person_id,
            )
        )


def _set_representatives(session: Session, case: Case, reps: list[RepresentativeIn]) -> None:
    case.representatives.clear()
    session.flush()
    for i, rep in enumerate(reps):
        if session.get(Person, rep.person_id) is None:
            raise ValidationFailed.one(f"representatives.{i}.person_id", "no such person")
        if rep.person_id == case.tenant_id:
            raise ValidationFailed.one(
                f"representatives.{i}.person_id", "the tenant cannot be their own representative"
            )
        if any(r.person_id == rep.person_id for r in case.representatives):
            raise ValidationFailed.one(f"representatives.{i}.person_id", "listed twice")
        case.representatives.append(CaseRepresentative(person_id=rep.person_id, kind=rep.kind))


def _set_co_tenants(session: Session, case: Case, person_ids: list[int]) -> None:
    case.co_tenants.clear()
    session.flush()
    reps = {r.person_id for r in case.representatives}
    for i, person_id in enumerate(person_ids):
        field = f"co_tenant_ids.{i}"
        if session.get(Person, person_id) is None:
            raise ValidationFailed.one(field, "no such person")
        if person_id == case.tenant_id or person_id in reps:
            raise ValidationFailed.one(field, "already the tenant or a representative")
        if any(c.person_id == person_id for c in case.co_tenants):
            raise ValidationFailed.one(field, "listed twice")
        case.co_tenants.append(CaseCoTenant(person_id=person_id))


def update_case(case_id: int, data: CasePatch, *, deps: Deps, actor: Actor, now: datetime) -> Case:
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        case = uow.case(case_id, Action.WRITE)
        changes = data.model_dump(exclude_unset=True)
        if data.coordinator_id is not None:
            _check_coordinator(session, data.coordinator_id)
            case.coordinator_id = data.coordinator_id
        if data.address is not None:
            for key, value in data.address.model_dump().items():
                setattr(case, key, value)
        case.start_date = data.start_date or case.start_date
        case.planned_end_date = data.planned_end_date or case.planned_end_date
        _check_term(case.start_date, case.planned_end_date)
        if data.status is not None:
            case.status = data.status
        if data.parties is not None:
            _set_parties(session, case, data.parties)
        if data.representatives is not None:
            _set_representatives(session, case, data.representatives)
        if data.co_tenant_ids is not None:
            _set_co_tenants(session, case, data.co_tenant_ids)
        case.updated_at = now
        uow.audit("case.update", "case", case.id, {"fields": sorted(changes)})
    return get_case(case_id, deps=deps, actor=actor, now=now, log=False)


def get_case(case_id: int, *, deps: Deps, actor: Actor, now: datetime, log: bool = True) -> Case:
    """A case with its parties; each read of a case's personal data is logged."""
    with read_only(), unit_of_work(deps, actor, now) as uow:
        case = uow.case(case_id, Action.READ)
        if log:
            uow.audit("case.read", "case", case_id)
        return case


def list_cases(
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    status: CaseStatus | None = None,
    coordinator_id: int | None = None,
    organisation_id: int | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Case]:
    authorize(actor, Action.READ, Resource.CASE)
    query = restrict_to_visible(select(Case).order_by(Case.id.desc()), Case.id, actor)
    if status is not None:
        query = query.where(Case.status == status)
    if coordinator_id is not None:
        query = query.where(Case.coordinator_id == coordinator_id)
    if organisation_id is not None:
        query = query.where(
            Case.id.in_(
                select(CaseParty.case_id).where(CaseParty.organisation_id == organisation_id)
            )
        )
    for term in search.terms(q or ""):
        # Every term in the folded search column (domain/search.py, db/search.py).
        query = query.where(Case.search_text.contains(term, autoescape=True))
    with read_only(), unit_of_work(deps, actor, now) as uow:
        page = paginate(uow.session, query, limit, offset)
        uow.audit("case.list", "case", "*", {"count": len(page.items)})
        return page


def read_care_notes(case_id: int, *, deps: Deps, actor: Actor, now: datetime) -> str:
    """Special-category data: only roles that need it, decrypted on read, always logged."""
    with read_only(), unit_of_work(deps, actor, now) as uow:
        case = uow.case(case_id, Action.READ, Resource.CARE_NOTES)
        uow.audit("care_notes.read", "case", case_id)
        token = case.care_notes_encrypted
    return deps.cipher.decrypt(token) if token else ""


def write_care_notes(
    case_id: int, data: CareNotesIn, *, deps: Deps, actor: Actor, now: datetime
) -> None:
    with unit_of_work(deps, actor, now) as uow:
        case = uow.case(case_id, Action.WRITE, Resource.CARE_NOTES)
        case.care_notes_encrypted = deps.cipher.encrypt(data.text) if data.text else None
        case.updated_at = now
        uow.audit("care_notes.write", "case", case_id)
