"""Who signs a document: every party with obligations or a signature line, each person on
their own (every co-tenant, every representative). The same list is frozen into the
document's data (its signature lines) and becomes the signature requests; a version whose
lines and requests differ is not sent (`check_lines`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from agreements.db.models import Case, CaseParty, Organisation, Person, Signature, User
from agreements.db.models import SignatureRequest as Request
from agreements.domain.enums import PartyRole, SigningRole
from agreements.domain.errors import PartiesDiffer, ValidationFailed

# Party roles of the templates (kinds.json) and where the service finds each party.
# "tenant" is every tenant and co-tenant and every representative; "others" is each other
# organisation of the case (buurtteam, zorgaanbieder), which promises something too.
ORGANISATION_ROLES = {
    "corporation": PartyRole.HOUSING_CORPORATION,
    "coordinator": PartyRole.COORDINATOR,
    "municipality": PartyRole.MUNICIPALITY,
}
OTHER_ROLES = (PartyRole.NEIGHBOURHOOD_TEAM, PartyRole.CARE_PROVIDER)


@dataclass(frozen=True)
class PartySpec:
    role: str
    name: str  # who is asked: a person, or the organisation's contact
    email: str | None
    party: str = ""  # the party as the document names it: the person or the organisation
    signatory: str = ""  # the signature line's "name and function"
    organisation_id: int | None = None
    user_id: int | None = None
    capacity: str | None = None

    def line(self) -> dict[str, str]:
        """The signature line in the document's data (`signers`)."""
        label = self.capacity.capitalize() if self.capacity else SigningRole.heading_of(self.role)
        return {
            "role": self.role,
            "label": label,
            "party": self.party,
            "signatory": self.signatory or self.name,
        }


def case_parties(session: Session, case: Case, roles: Iterable[str]) -> list[PartySpec]:
    """The parties asked to sign for the template's `roles`, in the template's order."""
    specs: list[PartySpec] = []
    for role in roles:
        if role == "tenant":
            specs.extend(_tenants(session, case))
        elif role == "coordinator":
            specs.append(_coordinator(session, case))
        elif role == "others":
            specs.extend(
                organisation_party(session, p) for p in case.parties if p.role in OTHER_ROLES
            )
        else:
            specs.append(organisation_party(session, _party(case, role)))
    return specs


def _tenants(session: Session, case: Case) -> list[PartySpec]:
    specs = []
    for person_id in case.tenant_ids:
        person = session.get(Person, person_id)
        assert person is not None
        specs.append(PartySpec("tenant", person.name, person.email, party=person.name))
    for rep in case.representatives:
        person = session.get(Person, rep.person_id)
        assert person is not None
        org = session.get(Organisation, person.organisation_id) if person.organisation_id else None
        specs.append(
            PartySpec(
                "representative",
                person.name,
                person.email,
                party=person.name,
                signatory=f"{person.name}, {org.name}" if org else person.name,
                capacity=rep.kind.value,
            )
        )
    return specs


def _party(case: Case, role: str) -> CaseParty:
    party_role = ORGANISATION_ROLES.get(role)
    party = next((p for p in case.parties if p.role is party_role), None) if party_role else None
    if party is None:
        raise ValidationFailed.one("parties", f"the case has no party for the role {role!r}")
    return party


def _coordinator(session: Session, case: Case) -> PartySpec:
    user = session.get(User, case.coordinator_id)
    assert user is not None
    party = next((p for p in case.parties if p.role is PartyRole.COORDINATOR), None)
    org_id = party.organisation_id if party else user.organisation_id
    org = session.get(Organisation, org_id) if org_id else None
    org_name = org.name if org else user.name
    return PartySpec(
        "coordinator",
        user.name,
        user.email,
        party=org_name,
        signatory=f"{user.name}, coördinator, {org_name}",
        user_id=user.id,
        organisation_id=user.organisation_id,
    )


def organisation_party(session: Session, party: CaseParty) -> PartySpec:
    org = session.get(Organisation, party.organisation_id)
    assert org is not None
    contact = session.get(Person, party.contact_person_id) if party.contact_person_id else None
    role = next((r for r, p in ORGANISATION_ROLES.items() if p is party.role), party.role.value)
    return PartySpec(
        role,
        contact.name if contact else org.name,
        (contact.email if contact else None) or org.email,
        party=org.name,
        signatory=f"{contact.name}, contactpersoon, {org.name}"
        if contact
        else f"namens {org.name}, gemachtigde",
        organisation_id=org.id,
    )


def document_lines(data: Mapping[str, Any], roles: Iterable[str]) -> list[tuple[str, str]]:
    """The signature lines of a rendered version, (role, party), from the data it was
    rendered from: its `signers`, or for older versions what the template printed."""
    signers = data.get("signers")
    if isinstance(signers, list):
        return [(str(s.get("role", "")), str(s.get("party", ""))) for s in signers]
    lines: list[tuple[str, str]] = []
    for role in roles:
        if role == "tenant":
            lines.append(("tenant", str(_get(data, "tenant", "name"))))
            if isinstance(data.get("representative"), Mapping):
                lines.append(("representative", str(_get(data, "representative", "name"))))
        elif role == "others":
            for other in data.get("other_parties") or []:
                kind = next(r.value for r in OTHER_ROLES if r.label == str(other["role"]).lower())
                lines.append((kind, str(other["name"])))
        elif isinstance(data.get(role), Mapping):
            lines.append((role, str(_get(data, role, "name"))))
    return lines


def obligations_of(data: Mapping[str, Any], role: str) -> list[str]:
    """A party's own obligations in the data a version was rendered from."""
    part = data.get(role)
    if part is None and role in {r.value for r in OTHER_ROLES}:  # one of the other_parties
        label = PartyRole(role).label
        others = data.get("other_parties") or []
        part = next((o for o in others if str(o.get("role", "")).lower() == label), None)
    items = part.get("obligations") if isinstance(part, Mapping) else None
    return [str(i) for i in items] if isinstance(items, list) else []


def _get(data: Mapping[str, Any], key: str, field: str) -> Any:
    part = data.get(key)
    return part.get(field, "") if isinstance(part, Mapping) else ""


def check_lines(lines: list[tuple[str, str]], specs: list[PartySpec]) -> None:
    """Refuse to send when the document's signature lines and the parties asked differ:
    someone would sign who is not in the document, or a party in it would never be asked."""
    printed, asked = Counter(lines), Counter((s.role, s.party) for s in specs)
    missing, extra = printed - asked, asked - printed
    if missing or extra:
        raise PartiesDiffer(sorted(missing.elements()), sorted(extra.elements()))


def signed_by(rows: list[tuple[Request, Signature]], orgs: Mapping[int, str]) -> str:
    """The seal's reason: who signed, from the signatures themselves."""
    names = []
    for request, signature in rows:
        typed = str(signature.evidence.get("typed_name") or request.party_name)
        org = orgs.get(request.organisation_id or 0)
        role = request.capacity or SigningRole.label_of(request.party_role)
        personal = request.party_role in {"tenant", "representative"}
        names.append(f"{typed} ({role})" if personal or not org else f"{typed} namens {org}")
    return "ondertekend door: " + "; ".join(names)
