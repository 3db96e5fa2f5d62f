"""A document's identity and its immutable rendered versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agreements.db.models.base import Base, enum_column
from agreements.domain.enums import DocumentStatus, FinishStatus


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

    @property
    def is_sealed(self) -> bool:
        """Every party signed and the service sealed it: from then on the sealed file is the
        document, wherever it is read."""
        return self.finish_status is FinishStatus.DONE and self.sealed_sha256 is not None


class SealRenewal(Base):
    """A sealed file's archive time stamp renewed: the version's `sealed_sha256` moved on
    from `previous_sha256` (still a prefix of the new file and still ours when verified)."""

    __tablename__ = "seal_renewals"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    previous_sha256: Mapped[str] = mapped_column(String(64), index=True)
    sealed_sha256: Mapped[str] = mapped_column(String(64))
    # Until when the certificate of the authority that made the new time stamp is valid.
    stamp_expires_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
