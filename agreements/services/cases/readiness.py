"""What a case still lacks before its agreement can be drafted or made into a document.

An agreement is signed by the tenant, the housing corporation, the coordinator (Het Vierde
Huis) and the municipality: a case without one of those organisations as a party cannot be
drafted (`require_parties`). The template also names the tenant's date of birth; the draft
page lists every gap (`agreement_gaps`) before the preview is asked for, and the preview
refuses with the same list.
"""

from __future__ import annotations

from agreements.db.models import Case
from agreements.domain.enums import PartyRole
from agreements.domain.errors import FieldError, ValidationFailed

# The organisations every agreement names and that sign it, by their key in the template data.
SIGNING_PARTIES = (
    (PartyRole.HOUSING_CORPORATION, "corporation"),
    (PartyRole.COORDINATOR, "coordinator"),
    (PartyRole.MUNICIPALITY, "municipality"),
)
_NAMES = {"corporation": "housing corporation", "coordinator": "coordinator",
          "municipality": "municipality"}  # fmt: skip


def missing_parties(case: Case) -> list[FieldError]:
    """One error per signing organisation the case lacks, named `parties.<key>`."""
    present = {party.role for party in case.parties}
    return [
        FieldError(f"parties.{key}", f"the case has no {_NAMES[key]} as a party: add it first")
        for role, key in SIGNING_PARTIES
        if role not in present
    ]


def require_parties(case: Case) -> None:
    """Refuse to draft an agreement for a case without all its signing organisations."""
    if missing := missing_parties(case):
        raise ValidationFailed(missing)


def agreement_gaps(case: Case) -> list[FieldError]:
    """Everything the agreement's template needs that the case file lacks; [] when ready."""
    gaps = []
    if case.tenant.date_of_birth is None:
        gaps.append(
            FieldError(
                "tenant.date_of_birth",
                "the agreement names the tenant's date of birth: fill it in first",
            )
        )
    return [*gaps, *missing_parties(case)]
