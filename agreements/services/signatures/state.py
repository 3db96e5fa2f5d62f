"""A document's signing state: its lock, when a version is fully signed, what waits for a seal.

Signing, voiding, sealing and new versions of one document take turns on the document's row
(`lock_document`, always taken before any version or request row of that document, so two
of them never wait for each other). Only under that lock is it safe to decide "every party
signed" or "nobody signed yet": PostgreSQL's READ COMMITTED would otherwise let a new
version void the signatures that a seal is being made of."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import Document, DocumentVersion, Signature, SignatureRequest
from agreements.domain.enums import FinishStatus, RequestStatus
from agreements.domain.errors import Conflict

MAX_FINISH_ATTEMPTS = 5
FINISH_STALE = timedelta(minutes=10)  # a seal "running" this long belonged to a dead worker
# Every party signed these: they are never voided, whatever comes after.
FULLY_SIGNED = (FinishStatus.PENDING, FinishStatus.RUNNING, FinishStatus.DONE, FinishStatus.FAILED)


def lock_document(session: Session, document_id: int) -> None:
    """Hold the document's row until the caller's transaction ends. (SQLite has no row
    locks and needs none: BEGIN IMMEDIATE, in db/sessions.py, makes every writer wait.)"""
    session.execute(select(Document.id).where(Document.id == document_id).with_for_update())


def signed_requests(
    session: Session, version_id: int
) -> list[tuple[SignatureRequest, Signature]] | None:
    """Every required request of the version (all but the voided ones) with its signature,
    or None when there is none or any of them is not signed: then nothing may be sealed."""
    requests = list(
        session.scalars(
            select(SignatureRequest)
            .where(
                SignatureRequest.version_id == version_id,
                SignatureRequest.status != RequestStatus.VOIDED,
            )
            .order_by(SignatureRequest.id)
        )
    )
    if not requests or any(r.status is not RequestStatus.SIGNED for r in requests):
        return None
    signatures = {
        s.request_id: s
        for s in session.scalars(
            select(Signature).where(Signature.request_id.in_([r.id for r in requests]))
        )
    }
    if len(signatures) != len(requests):
        return None
    return [(r, signatures[r.id]) for r in requests]


def awaiting_seal(session: Session, document_id: int, now: datetime) -> DocumentVersion | None:
    """A version of the document that every party signed and that is, or will be, sealed
    (waiting, running, or failed with attempts left). One whose seal failed for good is not
    waited for; its signatures are kept all the same."""
    versions = session.scalars(
        select(DocumentVersion)
        .where(
            DocumentVersion.document_id == document_id,
            DocumentVersion.finish_status.in_(
                [FinishStatus.PENDING, FinishStatus.RUNNING, FinishStatus.FAILED]
            ),
        )
        .order_by(DocumentVersion.number)
    )
    for version in versions:
        running = version.finish_status is FinishStatus.RUNNING and (
            version.finish_started_at is not None and version.finish_started_at > now - FINISH_STALE
        )
        if running or version.finish_attempts < MAX_FINISH_ATTEMPTS:
            return version
    return None


def refuse_while_sealing(session: Session, document_id: int, now: datetime, what: str) -> None:
    """Under the document's lock: no new version, and no sending of another one, while a
    fully signed version waits for its seal (it would have to be voided, or sealed beside
    a version out for signature)."""
    version = awaiting_seal(session, document_id, now)
    if version is None:
        return
    running = version.finish_status is FinishStatus.RUNNING
    state = "is being sealed" if running else "waits for its seal"
    raise Conflict(
        f"version {version.number} is signed by every party and {state}: "
        f"{what} once it is sealed (try again in a few minutes)"
    )
