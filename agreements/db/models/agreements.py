"""The agreement of a case, its obligations and its periodic reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agreements.db.models.base import Base, enum_column
from agreements.domain.enums import AgreementStatus, PartyRole, ReviewOutcome
from agreements.domain.route import JudgmentChoice, LegalRoute


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
    # How the occupant lives in the home meanwhile; None for agreements made before routes.
    legal_route: Mapped[LegalRoute | None] = mapped_column(enum_column(LegalRoute))
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
    # A written warning (schriftelijke waarschuwing) was given at or after this review.
    warning_given: Mapped[bool] = mapped_column(Boolean, default=False)
    # The minutes: who came, how each obligation goes, and what was agreed next.
    location: Mapped[str] = mapped_column(String(200), default="")
    chair: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    progress: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class JudgmentDecision(Base):
    """What legal staff or the corporation decided before the agreement's judgment is a year
    old: who, when and why. Never changed: a later decision is a new row, the latest counts."""

    __tablename__ = "judgment_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    eviction_judgment_id: Mapped[int] = mapped_column(ForeignKey("eviction_judgments.id"))
    choice: Mapped[JudgmentChoice] = mapped_column(enum_column(JudgmentChoice))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime]
