"""Use cases for organisations and people (tenants, representatives, contact persons)."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from agreements.db.models import Case, CaseParty, CaseRepresentative, Organisation, Person
from agreements.domain.enums import OrganisationKind
from agreements.domain.errors import Conflict, NotFound, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.context import Deps
from agreements.services.inputs import OrganisationIn, OrganisationPatch, PersonIn, PersonPatch
from agreements.services.scope import Page, paginate, visible_case_ids
from agreements.services.uow import UnitOfWork, unit_of_work

Row = TypeVar("Row", Organisation, Person)


def create_organisation(
    data: OrganisationIn, *, deps: Deps, actor: Actor, now: datetime
) -> Organisation:
    authorize(actor, Action.WRITE, Resource.ORGANISATION)
    with unit_of_work(deps, actor, now) as uow:
        _refuse_duplicate_name(uow.session, data.name)
        return _created(uow, Organisation(**data.model_dump(), created_at=now), "organisation")


def update_organisation(
    org_id: int, data: OrganisationPatch, *, deps: Deps, actor: Actor, now: datetime
) -> Organisation:
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        org = session.get(Organisation, org_id)
        if org is None:  # before the role: what does not exist is not found for anyone
            raise NotFound("organisation", org_id)
        authorize(actor, Action.WRITE, Resource.ORGANISATION)
        changes = data.model_dump(exclude_unset=True)
        if changes.get("name") and changes["name"] != org.name:
            _refuse_duplicate_name(session, changes["name"])
        for key, value in changes.items():
            setattr(org, key, value)
        uow.audit("organisation.update", "organisation", org.id, {"fields": sorted(changes)})
    return org


def _refuse_duplicate_name(session: Session, name: str) -> None:
    if session.scalar(select(func.count()).where(Organisation.name == name)):
        raise Conflict(f"an organisation named {name!r} already exists")


def get_organisation(org_id: int, *, deps: Deps, actor: Actor) -> Organisation:
    authorize(actor, Action.READ, Resource.ORGANISATION)
    with deps.db() as session:
        org = session.get(Organisation, org_id)
        if org is None:
            raise NotFound("organisation", org_id)
        return org


def list_organisations(
    *,
    deps: Deps,
    actor: Actor,
    kind: OrganisationKind | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Organisation]:
    authorize(actor, Action.READ, Resource.ORGANISATION)
    query = select(Organisation).order_by(Organisation.name)
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    if q:
        query = query.where(func.lower(Organisation.name).contains(q.lower(), autoescape=True))
    with deps.db() as session:
        return paginate(session, query, limit, offset)


def _visible_people(actor: Actor):  # type: ignore[no-untyped-def]
    """Partners see their own organisation's people and the people in their cases."""
    cases = visible_case_ids(actor)
    if cases is None:
        return None
    return or_(
        Person.organisation_id == actor.organisation_id,
        Person.id.in_(select(Case.tenant_id).where(Case.id.in_(cases))),
        Person.id.in_(
            select(CaseRepresentative.person_id).where(CaseRepresentative.case_id.in_(cases))
        ),
        Person.id.in_(select(CaseParty.contact_person_id).where(CaseParty.case_id.in_(cases))),
    )


def _person_for(session: Session, actor: Actor, person_id: int, action: Action) -> Person:
    """A person the actor may see, then the role's say: outside the scope is not found."""
    query = select(Person).where(Person.id == person_id)
    visible = _visible_people(actor)
    if visible is not None:
        query = query.where(visible)
    person = session.scalar(query)
    if person is None:
        raise NotFound("person", person_id)
    authorize(actor, action, Resource.PERSON)
    return person


def _apply_person(person: Person, changes: dict[str, object], deps: Deps) -> None:
    if "bsn" in changes:
        bsn = changes.pop("bsn")
        if bsn is not None and not deps.settings.bsn_enabled:
            raise ValidationFailed.one(
                "bsn", "BSN processing is disabled (AGREEMENTS_BSN_ENABLED is off)"
            )
        person.bsn_encrypted = deps.cipher.encrypt(str(bsn)) if bsn else None
    address = changes.pop("address", None)
    if isinstance(address, dict):
        for key, value in address.items():
            setattr(person, key, value)
    for key, value in changes.items():
        setattr(person, key, value)


def _check_organisation(session: Session, org_id: object) -> None:
    if org_id is not None and session.get(Organisation, org_id) is None:
        raise ValidationFailed.one("organisation_id", "no such organisation")


def create_person(data: PersonIn, *, deps: Deps, actor: Actor, now: datetime) -> Person:
    with unit_of_work(deps, actor, now) as uow:
        return add_person(uow, data, actor)


def add_person(uow: UnitOfWork, data: PersonIn, actor: Actor) -> Person:
    """Inside the caller's unit of work, so a person can be made together with a case."""
    authorize(actor, Action.WRITE, Resource.PERSON)
    _check_organisation(uow.session, data.organisation_id)
    person = Person(created_at=uow.now)
    _apply_person(person, data.model_dump(exclude_unset=True), uow.deps)
    return _created(uow, person, "person")


def _created(uow: UnitOfWork, row: Row, kind: str) -> Row:
    """A new organisation or person, stored, with its `<kind>.create` audit entry."""
    uow.session.add(row)
    uow.session.flush()
    uow.audit(f"{kind}.create", kind, row.id)
    return row


def update_person(
    person_id: int, data: PersonPatch, *, deps: Deps, actor: Actor, now: datetime
) -> Person:
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        person = _person_for(session, actor, person_id, Action.WRITE)
        changes = data.model_dump(exclude_unset=True)
        _check_organisation(session, changes.get("organisation_id"))
        fields = sorted(changes)
        _apply_person(person, changes, deps)
        uow.audit("person.update", "person", person.id, {"fields": fields})
    return person


def get_person(person_id: int, *, deps: Deps, actor: Actor, now: datetime) -> Person:
    """A person's record; reading it is personal data, so it is logged."""
    with unit_of_work(deps, actor, now) as uow:
        person = _person_for(uow.session, actor, person_id, Action.READ)
        uow.audit("person.read", "person", person_id)
        return person


def list_people(
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    q: str | None = None,
    organisation_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Person]:
    authorize(actor, Action.READ, Resource.PERSON)
    query = select(Person).order_by(Person.name, Person.id)
    visible = _visible_people(actor)
    if visible is not None:
        query = query.where(visible)
    if q:
        query = query.where(func.lower(Person.name).contains(q.lower(), autoescape=True))
    if organisation_id is not None:
        query = query.where(Person.organisation_id == organisation_id)
    with unit_of_work(deps, actor, now) as uow:
        page = paginate(uow.session, query, limit, offset)
        uow.audit("person.list", "person", "*", {"count": len(page.items)})
        return page
