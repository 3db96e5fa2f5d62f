"""The outgoing mail queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agreements.db.models.base import Base, enum_column
from agreements.domain.enums import MailStatus


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
