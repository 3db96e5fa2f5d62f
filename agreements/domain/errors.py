"""The service's exception family; the web app maps each to one HTTP problem type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from signing.tokens import LinkState


class DomainError(Exception):
    """Base of every error the service raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


class ValidationFailed(DomainError):
    """Input breaks a rule; `errors` names each field and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))

    @classmethod
    def one(cls, field: str, reason: str) -> ValidationFailed:
        return cls([FieldError(field, reason)])


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it exists."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident} not found")


class Forbidden(DomainError):
    """The actor's role does not allow this action."""


class NotAuthenticated(DomainError):
    """No valid login, session or token."""


class SecondFactorNeeded(NotAuthenticated):
    """The password matched; `step` is what comes first: "code" (from the app) or "enrol"
    (the role requires a second factor and none is set up yet)."""

    def __init__(self, step: str) -> None:
        self.step = step
        super().__init__(
            "a one-time code is required after the password"
            if step == "code"
            else "this role requires a second factor: set it up on the login page first"
        )


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a wrong status transition)."""


class LinkUnusable(Conflict):
    """A party's signing link cannot be used now; `state` (a `signing.tokens.LinkState`) says
    why: unknown, expired, used, revoked or voided. The party's page says it in Dutch."""

    def __init__(self, state: LinkState) -> None:
        self.state = state
        super().__init__(f"this request cannot be signed (its link is {state.value})")

    @property
    def message_nl(self) -> str:
        return self.state.description_nl


@dataclass(frozen=True)
class Signer:
    """A party whose signature would lapse: the name and role it signed as, and when."""

    party_name: str
    party_role: str
    signed_at: datetime


class SignaturesWouldLapse(Conflict):
    """A new version would void signatures already given; the caller asks the person who
    makes it to confirm (`confirm_void`), naming `signers`, and tries again."""

    def __init__(self, signers: tuple[Signer, ...]) -> None:
        self.signers = signers
        names = ", ".join(
            f"{s.party_name} ({s.party_role}, {s.signed_at.isoformat()})" for s in signers
        )
        super().__init__(
            f"a new version voids the signatures of {names}: confirm (confirm_void) to go on"
        )


class PartiesDiffer(Conflict):
    """The document's signature lines and the parties that would be asked differ: `missing`
    are in the document but would not be asked, `extra` would be asked but are not in it;
    each (role, party). Make a new version from the case as it is now."""

    def __init__(self, missing: list[tuple[str, str]], extra: list[tuple[str, str]]) -> None:
        self.missing, self.extra = missing, extra
        said = "; ".join(
            f"{what}: {', '.join(f'{name} ({role})' for role, name in who)}"
            for what, who in (("not asked", missing), ("not in the document", extra))
            if who
        )
        super().__init__(f"the document's parties and the signature requests differ ({said})")

    @property
    def message_nl(self) -> str:
        parts = []
        if self.missing:
            names = ", ".join(name for _, name in self.missing)
            parts.append(f"In het document, maar niet gevraagd te tekenen: {names}.")
        if self.extra:
            names = ", ".join(name for _, name in self.extra)
            parts.append(f"Gevraagd te tekenen, maar niet in het document: {names}.")
        return (
            "Het document kan niet worden verstuurd: de partijen in het document en de partijen "
            "die tekenen zijn niet dezelfde. " + " ".join(parts) + " Maak een nieuwe versie "
            "met de gegevens van de zaak zoals ze nu zijn."
        )


class SumsDisagree(ValidationFailed):
    """A payment schedule's numbers do not agree (its total, the arrears or its stored end);
    `message_nl` says both figures in Dutch, and the API gives the same text as the reason."""

    def __init__(self, field: str, message_nl: str) -> None:
        self.message_nl = message_nl
        super().__init__([FieldError(field, message_nl)])


class DocumentRefused(ValidationFailed):
    """A document would print what cannot be right: dates in an impossible order, a judgment
    past its age without a decision, a party with obligations who is not asked to sign. Each
    error's reason is a Dutch sentence (the API gives it as the reason, as SumsDisagree)."""

    @property
    def message_nl(self) -> str:
        return " ".join(e.reason for e in self.errors)
