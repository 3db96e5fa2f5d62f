"""Who takes part: organisations, people, staff and partner users, and their tokens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from agreements.db.models.base import Base, enum_column
from agreements.domain.enums import OrganisationKind, Role


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    date_of_birth: Mapped[date | None]
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(7))
    city: Mapped[str | None] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    bsn_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The function (functie) the person signs under for their organisation: the signing
    # form's prefill; confirmed or changed each time they sign.
    function: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Overdue reviews escalate to the coordinator's team lead.
    team_lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The second factor: the TOTP secret encrypted; on once `totp_enabled_at` is set (a
    # secret without it is an enrolment not yet confirmed). The last time step used, so a
    # code works once.
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int] = mapped_column(default=0, server_default="0")
    # Locked after repeated failures (settings: lockout_*); an admin unlocks.
    locked_at: Mapped[datetime | None]


class RecoveryCode(Base):
    """A one-use code for when the phone is lost; only its HMAC is stored."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A wrong password or code for a known account: the lock-out counts these."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime]


class AuthToken(Base):
    """A login (session), bearer, integration or calendar token; only its HMAC is stored."""

    __tablename__ = "auth_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # "session", "bearer" (ends with its parent), "integration" (an admin's) or "calendar".
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), default="")
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # The login a bearer token was made from: it ends when that login ends.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("auth_tokens.id"), index=True)
    # Who made it: the owner, or the admin who made an integration token for the owner.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Kiosk mode (a tenant holds the tablet): only the kiosk pages answer this session.
    kiosk_since: Mapped[datetime | None]
    kiosk_request_id: Mapped[int | None]
    kiosk_witness: Mapped[str | None] = mapped_column(String(200))
    kiosk_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    kiosk_failed_at: Mapped[datetime | None]
    # The password matched but the one-time code is still to come: no page answers it.
    code_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
