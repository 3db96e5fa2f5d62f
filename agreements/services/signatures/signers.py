"""The people who sign: for an organisation a named person with function and mandate; what
the signing forms fill in for them, and how each signature names its signer afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import Organisation, Signature, SignatureRequest, User
from agreements.domain import consent, signatory
from agreements.domain.errors import FieldError, ValidationFailed
from agreements.domain.policy import Action, Actor
from agreements.services.context import Deps
from agreements.services.uow import reading
from signing.evidence import Identification


def is_organisation(party_role: str) -> bool:
    """Whether this party is an organisation, signed for by a person with authority."""
    return consent.kind_of(party_role) is consent.ConsentKind.ORGANISATION


def for_organisation(
    session: Session, request: SignatureRequest, typed: tuple[str, str, str], declined: bool
) -> tuple[str | None, signatory.Signatory | None]:
    """For an organisation's party: its name, and (when signing) the person's function and
    mandate from `typed` (function, basis, detail); refused with each field's reason."""
    if not is_organisation(request.party_role):
        return None, None
    org = session.get(Organisation, request.organisation_id or 0)
    name = org.name if org else request.party_name
    if declined:
        return name, None
    person, problems = signatory.check(*typed)
    if problems:
        raise ValidationFailed([FieldError(p.field, p.english) for p in problems])
    return name, person


@dataclass(frozen=True)
class SigningForm:
    """What a signing form starts with: the fields filled in, and for an organisation its
    name (the form then asks the person's function and mandate)."""

    prefill: dict[str, str]
    organisation: str | None = None


def signing_form(session: Session, request: SignatureRequest, actor: Actor | None) -> SigningForm:
    """A staff member signing their own party: their account's name and function; a link
    for an organisation: the request's contact person (never the organisation's name, which
    is no person); everyone else nothing: typing one's own name is the act of signing."""
    if not is_organisation(request.party_role):
        return SigningForm({})
    org = session.get(Organisation, request.organisation_id or 0)
    organisation = org.name if org else request.party_name
    if actor is not None and actor.user_id is not None:
        account = session.get(User, actor.user_id)
        if account is not None:
            return SigningForm(
                {"typed_name": account.name, "function": account.function or ""}, organisation
            )
    is_person = org is None or request.party_name != org.name
    return SigningForm({"typed_name": request.party_name if is_person else ""}, organisation)


def greeting_name(session: Session, request: SignatureRequest) -> str:
    """Whom a mail to this party greets: a person, never an organisation ("Beste Portaal"):
    the tenant, representative or contact person asked; for an organisation without one, its
    staff account with this address or its only one; else its people as a group."""
    org = session.get(Organisation, request.organisation_id or 0)
    if org is None or request.party_name != org.name:
        return request.party_name
    accounts = list(
        session.scalars(
            select(User).where(User.organisation_id == org.id, User.active).order_by(User.id)
        )
    )
    mine = [a for a in accounts if a.email == request.email] or accounts
    return mine[0].name if len(mine) == 1 else f"collega's van {org.name}"


def form_for(request_id: int, *, deps: Deps, actor: Actor | None = None) -> SigningForm:
    """`signing_form` in a read of its own."""
    with deps.db() as session:
        request = session.get(SignatureRequest, request_id)
        if request is None:
            return SigningForm({})
        return signing_form(session, request, actor)


def identified_nl(record: Mapping[str, Any], email: str | None = None) -> str:
    """How the signer was identified, in Dutch: the session's account, the witness, the
    link and where it was sent; never the organisation's name."""
    how = str(record.get("identified_by", ""))
    if how == Identification.IN_PERSON and record.get("witness_name"):
        return f"persoonlijk, in aanwezigheid van getuige {record['witness_name']}"
    if how == Identification.STAFF_SESSION and record.get("signed_in_as"):
        return f"ingelogd met het medewerkersaccount van {record['signed_in_as']}"
    if how == Identification.LINK and email:
        return f"via de persoonlijke link, gestuurd naar {email}"
    try:
        return Identification(how).description_nl
    except ValueError:  # a way another part of the service records
        return how


def described(record: Mapping[str, Any]) -> str:
    """One line naming who signed: `M. Jansen, teamleider, namens Portaal (volmacht: ...)`."""
    name = str(record.get("typed_name") or "")
    if not record.get("organisation"):
        return name
    parts = [name, str(record.get("signatory_function") or "")]
    line = ", ".join(p for p in parts if p) + f", namens {record['organisation']}"
    if record.get("signatory_mandate"):
        line += f" ({record['signatory_mandate']})"
    return line


def signers_for(version_id: int, *, deps: Deps, actor: Actor) -> dict[int, str]:
    """Per request of a version that was signed: who signed, as `described` says."""
    with reading(deps, actor) as uow:
        uow.version(version_id, Action.READ)
        rows = uow.session.execute(
            select(Signature.request_id, Signature.evidence)
            .join(SignatureRequest, SignatureRequest.id == Signature.request_id)
            .where(SignatureRequest.version_id == version_id)
        ).all()
        return {request_id: described(record) for request_id, record in rows if record}
