"""One-time codes that identify a link signer a second way; only their HMAC is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from agreements.db.models.base import Base


class SigningCode(Base):
    """A code for one signature request, sent by e-mail or SMS or read out by the coordinator.

    The newest row of a request is the one that counts; `verified_at` is set once the party
    typed it right, and signing then records the channel as how the signer was identified."""

    __tablename__ = "signing_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("signature_requests.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # email, sms, read_out
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    verified_at: Mapped[datetime | None]
