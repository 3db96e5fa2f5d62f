"""Reminders found by the sweep, and the missed instalments that drive some of them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agreements.db.models.base import Base, enum_column
from agreements.domain.enums import ReminderKind, ReminderStatus


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
