"""The tables of the case domain as typed SQLAlchemy 2 models; money in whole cents."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum as PyEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from agreements.domain.enums import (
    AgreementStatus,
    CaseStatus,
    DocumentStatus,
    FinishStatus,
    MailStatus,
    OrganisationKind,
    PartyRole,
    PaymentFrequency,
    ReminderKind,
    ReminderStatus,
    RepresentativeKind,
    RequestStatus,
    ReviewOutcome,
    Role,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which drops the zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is UTC:  # the common case, and a hot path in bulk inserts
            return value
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(cls: type[PyEnum]) -> Enum:
    # Stored as plain strings (values, not names) so both databases read the same way.
    return Enum(
        cls,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class AddressMixin:
    street: Mapped[str] = mapped_column(String(200))
    house_number: Mapped[str] = mapped_column(String(20))
    postcode: Mapped[str] = mapped_column(String(7))
    city: Mapped[str] = mapped_column(String(100))


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
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Overdue reviews escalate to the coordinator's team lead.
    team_lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


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


class Case(AddressMixin, Base):
    """A trajectory (traject): two to four years of support for one tenant."""

    __tablename__ = "cases"
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

    tenant: Mapped[Person] = relationship(lazy="joined")
    parties: Mapped[list[CaseParty]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseParty.id"
    )
    representatives: Mapped[list[CaseRepresentative]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseRepresentative.id"
    )


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


class Agreement(Base):
    """The woonbegeleidingsovereenkomst, linked to one tenancy contract and one judgment."""

    __tablename__ = "agreements"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    tenancy_contract_id: Mapped[int] = mapped_column(ForeignKey("tenancy_contracts.id"))
    eviction_judgment_id: Mapped[int] = mapped_column(ForeignKey("eviction_judgments.id"))
    start_date: Mapped[date]
    end_date: Mapped[date]
    status: Mapped[AgreementStatus] = mapped_column(enum_column(AgreementStatus), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    obligations: Mapped[list[Obligation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Obligation.position"
    )


class Obligation(Base):
    __tablename__ = "agreement_obligations"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    party: Mapped[PartyRole] = mapped_column(enum_column(PartyRole))
    text: Mapped[str] = mapped_column(Text)


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(index=True)
    held_date: Mapped[date | None]
    outcome: Mapped[ReviewOutcome | None] = mapped_column(enum_column(ReviewOutcome), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    # The minutes: who came, how each obligation goes, and what was agreed next.
    location: Mapped[str] = mapped_column(String(200), default="")
    chair: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    progress: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Document(Base):
    """A document's fixed identity (one agreement's text, say); its renders are versions."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))  # agreement, payment_arrangement...
    subject_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "kind"),)


class DocumentVersion(Base):
    """One immutable render: the template and data it came from and the bytes, by SHA-256."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[DocumentStatus] = mapped_column(enum_column(DocumentStatus), index=True)
    template_name: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[int] = mapped_column(Integer)
    template_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    docx_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pages: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # Signing: once every party signed, the worker seals a copy; that copy's hash is kept.
    finish_status: Mapped[FinishStatus] = mapped_column(
        enum_column(FinishStatus), default=FinishStatus.NOT_READY
    )
    finish_error: Mapped[str] = mapped_column(Text, default="")
    finish_attempts: Mapped[int] = mapped_column(Integer, default=0)
    finish_started_at: Mapped[datetime | None]
    sealed_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    sealed_at: Mapped[datetime | None]


class SignatureRequest(Base):
    """One party asked to sign one exact document version; its link token is kept as an HMAC."""

    __tablename__ = "signature_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    document_sha256: Mapped[str] = mapped_column(String(64))
    party_role: Mapped[str] = mapped_column(String(40))
    party_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    capacity: Mapped[str | None] = mapped_column(String(20))  # bewindvoerder, mentor, curator
    position: Mapped[int] = mapped_column(Integer, default=0)  # signing order; 0: parallel
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus), index=True)
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    sends: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    contact_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Signature(Base):
    """The evidence of one act of signing or declining; written once, part of the audit chain."""

    __tablename__ = "signatures"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("signature_requests.id"), unique=True)
    document_sha256: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    drawn_png_sha256: Mapped[str | None] = mapped_column(String(64))
    witness_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class MissedInstalment(Base):
    """A corporation's report that an instalment of a payment arrangement was not paid."""

    __tablename__ = "missed_instalments"
    __table_args__ = (UniqueConstraint("arrangement_id", "due_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("payment_arrangements.id"))
    due_date: Mapped[date]
    reported_by: Mapped[str] = mapped_column(String(100))
    reported_at: Mapped[datetime]


class Reminder(Base):
    """A reminder is data: found by the sweep, claimed atomically, sent once or flagged."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "kind", "due_date"),
        # Claims look for pending rows in date order among many sent ones.
        Index("ix_reminders_status_due_date", "status", "due_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    due_date: Mapped[date] = mapped_column(index=True)
    recipients: Mapped[str] = mapped_column(String(40))  # coordinator, tenant, legal, ...
    # No index of their own: (status, due_date) serves status, and a claim is read together
    # with its status or id range. Every index costs a write per row on a busy day.
    status: Mapped[ReminderStatus] = mapped_column(enum_column(ReminderStatus))
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    # Its e-mails' attempts and errors are theirs, in the mail queue (`reminders.delivery`).
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class QueuedMail(Base):
    """An e-mail written in the same transaction as what it reports (a reminder marked sent),
    then handed to the SMTP server by the mail queue: claimed, sent and retried per message."""

    __tablename__ = "mail_queue"
    __table_args__ = (
        # The queue takes ready messages in order among many sent ones.
        Index("ix_mail_queue_status_next_attempt_at", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id"), index=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # A signed copy's PDF, by its SHA-256 in the blob store: attached when sent.
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One link of the hash chain; rows are never updated or deleted (triggers refuse it)."""

    __tablename__ = "audit_entries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[str] = mapped_column(String(50))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Set when the entry came from the staging table (a read): the staged entry's own id.
    staged_uid: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)


class AuditStaged(Base):
    """A read's entry waiting to be chained; its own HMAC guards it until then.

    Reads append here without the head's lock, so readers never wait for each other or for
    a writer; the worker moves the entries into the chain in order (`audit.chain_staged`).
    Triggers refuse updates, and deletes of an entry that is not in the chain yet. On a
    SQLite file these rows are kept in a second file next to the database instead (see
    `agreements.services.audit.staging`), so that a read never needs the database's one
    write lock; this table then stays empty."""

    __tablename__ = "audit_staged"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[str] = mapped_column(String(50))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    mac: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A single row holding the chain's head; locking it serialises appends."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
