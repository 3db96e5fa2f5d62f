"""Requests to sign one document version, and the evidence of each signature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agreements.db.models.base import Base, enum_column
from agreements.domain.enums import RequestStatus


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
