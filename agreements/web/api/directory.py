"""Organisations and people."""

from __future__ import annotations

from fastapi import APIRouter, status

from agreements.domain.enums import OrganisationKind
from agreements.services.cases import directory
from agreements.services.inputs import OrganisationIn, OrganisationPatch, PersonIn, PersonPatch
from agreements.services.records import Organisation
from agreements.web.deps import ActorDep, DepsDep, Limit, NowDep, Offset, OptId, PathId, Search
from agreements.web.problems import responses
from agreements.web.schemas import OrganisationOut, PageOut, PersonOut

router = APIRouter()


@router.get("/organisations", response_model=PageOut[OrganisationOut], tags=["organisations"])
def list_organisations(
    actor: ActorDep,
    deps: DepsDep,
    kind: OrganisationKind | None = None,
    q: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[OrganisationOut]:
    """Organisations, filtered by kind or name."""
    page = directory.list_organisations(
        deps=deps, actor=actor, kind=kind, q=q, limit=limit, offset=offset
    )
    return PageOut.of(page, OrganisationOut.model_validate)


@router.post(
    "/organisations",
    response_model=OrganisationOut,
    status_code=status.HTTP_201_CREATED,
    tags=["organisations"],
    responses=responses(403, 409),
)
def create_organisation(
    body: OrganisationIn, actor: ActorDep, deps: DepsDep, now: NowDep
) -> Organisation:
    """Register an organisation (admins only)."""
    return directory.create_organisation(body, deps=deps, actor=actor, now=now)


@router.get("/organisations/{org_id}", response_model=OrganisationOut, tags=["organisations"])
def get_organisation(org_id: PathId, actor: ActorDep, deps: DepsDep) -> Organisation:
    """One organisation."""
    return directory.get_organisation(org_id, deps=deps, actor=actor)


@router.patch(
    "/organisations/{org_id}",
    response_model=OrganisationOut,
    tags=["organisations"],
    responses=responses(403, 409),
)
def update_organisation(
    org_id: PathId, body: OrganisationPatch, actor: ActorDep, deps: DepsDep, now: NowDep
) -> Organisation:
    """Change an organisation's name or contact details (admins only)."""
    return directory.update_organisation(org_id, body, deps=deps, actor=actor, now=now)


@router.get("/people", response_model=PageOut[PersonOut], tags=["people"])
def list_people(
    actor: ActorDep,
    deps: DepsDep,
    now: NowDep,
    q: Search = None,
    organisation_id: OptId = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[PersonOut]:
    """People the actor may see, filtered by name or organisation."""
    page = directory.list_people(
        deps=deps,
        actor=actor,
        now=now,
        q=q,
        organisation_id=organisation_id,
        limit=limit,
        offset=offset,
    )
    return PageOut.of(page, PersonOut.of)


@router.post(
    "/people",
    response_model=PersonOut,
    status_code=status.HTTP_201_CREATED,
    tags=["people"],
    responses=responses(403),
)
def create_person(body: PersonIn, actor: ActorDep, deps: DepsDep, now: NowDep) -> PersonOut:
    """Register a person: a tenant, a representative or a contact person."""
    return PersonOut.of(directory.create_person(body, deps=deps, actor=actor, now=now))


@router.get("/people/{person_id}", response_model=PersonOut, tags=["people"])
def get_person(person_id: PathId, actor: ActorDep, deps: DepsDep, now: NowDep) -> PersonOut:
    """One person (the read is logged)."""
    return PersonOut.of(directory.get_person(person_id, deps=deps, actor=actor, now=now))


@router.patch(
    "/people/{person_id}", response_model=PersonOut, tags=["people"], responses=responses(403)
)
def update_person(
    person_id: PathId, body: PersonPatch, actor: ActorDep, deps: DepsDep, now: NowDep
) -> PersonOut:
    """Change a person's details."""
    return PersonOut.of(directory.update_person(person_id, body, deps=deps, actor=actor, now=now))
