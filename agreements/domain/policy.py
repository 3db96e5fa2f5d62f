"""The role matrix (DESIGN section 9): who may read or write what. The one place it lives."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agreements.domain.enums import Role
from agreements.domain.errors import Forbidden


class Resource(StrEnum):
    ORGANISATION = "organisation"
    USER = "user"
    PERSON = "person"
    CASE = "case"
    CARE_NOTES = "care_notes"  # special-category data (health, addiction)
    TENANCY_CONTRACT = "tenancy_contract"
    JUDGMENT = "judgment"
    PAYMENT_ARRANGEMENT = "payment_arrangement"
    AGREEMENT = "agreement"
    REVIEW = "review"
    AUDIT = "audit"


class Action(StrEnum):
    READ = "read"
    WRITE = "write"


R, RW = frozenset({Action.READ}), frozenset({Action.READ, Action.WRITE})
NONE: frozenset[Action] = frozenset()
_CASE_FILE = (
    Resource.CASE,
    Resource.TENANCY_CONTRACT,
    Resource.JUDGMENT,
    Resource.PAYMENT_ARRANGEMENT,
    Resource.AGREEMENT,
    Resource.REVIEW,
)

# Admins run the system but have no need for care notes; legal staff read links, documents
# and evidence but not care notes; partners read (and later sign) for their organisation.
MATRIX: dict[Role, dict[Resource, frozenset[Action]]] = {
    Role.ADMIN: {
        Resource.ORGANISATION: RW,
        Resource.USER: RW,
        Resource.PERSON: RW,
        Resource.CARE_NOTES: NONE,
        Resource.AUDIT: R,
        **{r: RW for r in _CASE_FILE},
    },
    Role.COORDINATOR: {
        Resource.ORGANISATION: R,
        Resource.USER: NONE,
        Resource.PERSON: RW,
        Resource.CARE_NOTES: RW,
        Resource.AUDIT: NONE,
        **{r: RW for r in _CASE_FILE},
    },
    Role.PARTNER: {
        Resource.ORGANISATION: R,
        Resource.USER: NONE,
        Resource.PERSON: R,
        Resource.CARE_NOTES: NONE,
        Resource.AUDIT: NONE,
        **{r: R for r in _CASE_FILE},
    },
    Role.LEGAL: {
        Resource.ORGANISATION: R,
        Resource.USER: NONE,
        Resource.PERSON: R,
        Resource.CARE_NOTES: NONE,
        Resource.AUDIT: R,
        **{r: R for r in _CASE_FILE},
    },
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a logged-in staff user, or the system itself (CLI, worker)."""

    user_id: int | None
    role: Role
    organisation_id: int | None = None
    name: str = ""

    @property
    def label(self) -> str:
        return f"user:{self.user_id}" if self.user_id is not None else f"system:{self.name}"

    @property
    def scoped_to_organisation(self) -> bool:
        """Partners see only the cases their organisation is party to."""
        return self.role is Role.PARTNER


SYSTEM = Actor(user_id=None, role=Role.ADMIN, name="system")


def allowed(role: Role, action: Action, resource: Resource) -> bool:
    return action in MATRIX[role][resource]


def authorize(actor: Actor, action: Action, resource: Resource) -> None:
    if not allowed(actor.role, action, resource):
        raise Forbidden(f"role {actor.role.value!r} may not {action.value} {resource.value}")
