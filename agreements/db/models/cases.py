"""A case (trajectory), its parties and representatives, and the lease, judgment and payment
arrangement it rests on."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agreements.db.models.accounts import Person
from agreements.db.models.base import AddressMixin, Base, enum_column
from agreements.domain.enums import CaseStatus, PartyRole, PaymentFrequency, RepresentativeKind


class Case(AddressMixin, Base):
    """A trajectory (traject): two to four years of support for one tenant."""

    __tablename__ = "cases"
    __table_args__ = (
        # The LIKE '%term%' of the case search, on PostgreSQL (pg_trgm); see db/search.py.
        Index(
            "ix_cases_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus), index=True)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    start_date: Mapped[date]
    planned_end_date: Mapped[date]
    care_notes_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Names, address, reference, contract and judgment numbers, folded (db/search.py).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    tenant: Mapped[Person] = relationship(lazy="joined")
    parties: Mapped[list[CaseParty]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseParty.id"
    )
    representatives: Mapped[list[CaseRepresentative]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseRepresentative.id"
    )
    co_tenants: Mapped[list[CaseCoTenant]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseCoTenant.id"
    )

    @property
    def tenant_ids(self) -> list[int]:
        """The tenant and each co-tenant (medehuurder): each signs for themself."""
        return [self.tenant_id, *(c.person_id for c in self.co_tenants)]


class CaseParty(Base):
    """An organisation taking part in a case; partners see the cases they are party to."""

    __tablename__ = "case_parties"
    __table_args__ = (UniqueConstraint("case_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[PartyRole] = mapped_column(enum_column(PartyRole))
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class CaseRepresentative(Base):
    """A bewindvoerder, mentor or curator who signs with or for the tenant."""

    __tablename__ = "case_representatives"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[RepresentativeKind] = mapped_column(enum_column(RepresentativeKind))


class CaseCoTenant(Base):
    """A co-tenant (medehuurder): a person who rents the home together with the tenant, is
    a party in their own right and signs separately."""

    __tablename__ = "case_co_tenants"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)


class TenancyContract(AddressMixin, Base):
    __tablename__ = "tenancy_contracts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    contract_number: Mapped[str] = mapped_column(String(50))
    start_date: Mapped[date]
    end_date: Mapped[date | None]  # set for a temporary contract
    landlord_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    monthly_rent_cents: Mapped[int] = mapped_column(Integer)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))  # the signed lease, sanitised


class EvictionJudgment(Base):
    __tablename__ = "eviction_judgments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    court: Mapped[str] = mapped_column(String(200))
    case_number: Mapped[str] = mapped_column(String(100))  # free text: "11109681 \ UC EXPL 24-3346"
    judgment_date: Mapped[date]
    served_date: Mapped[date | None]
    operative_decision: Mapped[str] = mapped_column(Text)
    ecli: Mapped[str | None] = mapped_column(String(64))
    suspension_conditions: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))  # the judgment, sanitised


class PaymentArrangement(Base):
    __tablename__ = "payment_arrangements"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    arrears_cents: Mapped[int] = mapped_column(Integer)
    instalment_cents: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[PaymentFrequency] = mapped_column(enum_column(PaymentFrequency))
    start_date: Mapped[date]
    number_of_terms: Mapped[int] = mapped_column(Integer)
    iban: Mapped[str] = mapped_column(String(34))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # Derived from start, terms and frequency; kept so reminders can find it by index.
    last_instalment_date: Mapped[date | None] = mapped_column(index=True)
