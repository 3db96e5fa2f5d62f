"""The audit log: the hash chain, its head and the staged entries of reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from agreements.db.models.base import Base


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
