"""The settings of staff sign-in: the second factor, lock-out and the organisations' IdP."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings

STAFF_ROLES = ("admin", "coordinator", "partner", "legal")  # agreements.domain.enums.Role


class GroupRole(BaseModel):
    """What one group of the identity provider makes a person here."""

    role: str = Field(description="admin, coordinator, partner or legal.")
    organisation: str = Field("", description="Name of the organisation (partners: required).")


class SignInSettings(BaseSettings):
    """Staff sign-in; mixed into `Settings`, so read with the same `AGREEMENTS_` prefix."""

    second_factor_roles: set[str] = Field(
        default_factory=lambda: {"admin", "coordinator", "legal"},
        description="Staff roles that must sign in with a one-time code from an app (TOTP) "
        "after the password. The default: the roles that read care notes (coordinators, "
        "agreements/domain/policy.py), the legal staff who make the court dossiers, and the "
        "admins who make every account. Other roles may switch it on themselves. As JSON in "
        'the environment: ["coordinator","legal"]; [] for none.',
    )
    second_factor_issuer: str = Field(
        "Het Vierde Huis", description="The name the authenticator app shows beside the code."
    )
    lockout_failures: int = Field(
        10, ge=1, description="Failed passwords or codes within `lockout_window_minutes` "
        "that lock an account (beyond the per-address rate limit).",
    )  # fmt: skip
    lockout_window_minutes: int = Field(15, ge=1, description="The window failures count in.")
    lockout_minutes: int = Field(
        30, ge=0, description="How long a locked account stays locked; 0: until an admin "
        "unlocks it (`agreements users unlock EMAIL`). An admin can always unlock earlier.",
    )  # fmt: skip
    oidc_issuer: str = Field(
        "", description="OpenID Connect issuer of the organisations' identity provider "
        "(its /.well-known/openid-configuration is read). Empty: no sign-in through it.",
    )  # fmt: skip
    oidc_client_id: str = Field("", description="This service's client id at the provider.")
    oidc_client_secret: SecretStr = Field(SecretStr(""), description="Its client secret.")
    oidc_group_claim: str = Field("groups", description="The ID token's claim with the groups.")
    oidc_groups: dict[str, GroupRole] = Field(
        default_factory=dict,
        description="Group -> role and organisation for people signing in through the "
        'provider, as JSON: {"portaal-medewerkers": {"role": "partner", "organisation": '
        '"Portaal"}}. A person in none of these groups is refused. Sign-in through the '
        "provider counts as the second factor (the organisation's provider asks its own).",
    )

    @field_validator("second_factor_roles")
    @classmethod
    def _known_staff_roles(cls, value: set[str]) -> set[str]:
        if unknown := sorted(value - set(STAFF_ROLES)):
            raise ValueError(f"unknown staff role(s) {', '.join(unknown)}; known: {STAFF_ROLES}")
        return value

    @field_validator("oidc_groups")
    @classmethod
    def _known_group_roles(cls, value: dict[str, GroupRole]) -> dict[str, GroupRole]:
        for group, mapped in value.items():
            if mapped.role not in STAFF_ROLES:
                raise ValueError(f"group {group!r}: unknown role {mapped.role!r}")
            if mapped.role == "partner" and not mapped.organisation:
                raise ValueError(f"group {group!r}: a partner group needs an organisation")
        return value

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)
