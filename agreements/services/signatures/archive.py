"""Renewing the archive time stamps of sealed files before their authority's certificate
expires: the new file is stored beside the old (both by SHA-256), the version points at the
new one, and the renewal row keeps the old hash verifiable as ours."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import DocumentVersion, SealRenewal
from agreements.domain.enums import FinishStatus
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures.state import lock_document
from agreements.services.uow import unit_of_work
from signing.archive import latest_archive_stamp, renew_archive_stamp
from signing.errors import SealError

log = logging.getLogger("agreements.archive")


@dataclass
class RenewalReport:
    """What one run did: the versions renewed (id, new hash), and those that were due but
    failed (id, reason); `configured` False when no time stamp authority is set."""

    configured: bool = True
    checked: int = 0
    renewed: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def due_for_renewal(
    deps: Deps, engine: DocumentEngine, now: datetime, margin_days: int | None = None
) -> list[int]:
    """The sealed versions whose latest archive time stamp's authority certificate expires
    within the margin, unless they were renewed with a stamp of that same certificate
    already (renewing again would add nothing until the authority has a new one)."""
    margin = timedelta(
        days=deps.settings.archive_renewal_days if margin_days is None else margin_days
    )
    with deps.db() as session:
        sealed = session.execute(
            select(DocumentVersion.id, DocumentVersion.sealed_sha256).where(
                DocumentVersion.finish_status == FinishStatus.DONE,
                DocumentVersion.sealed_sha256.is_not(None),
            )
        ).all()
        due = []
        for version_id, digest in sealed:
            assert digest is not None  # the query asked for sealed versions only
            stamp = latest_archive_stamp(engine.store.get(digest))
            if stamp is None or stamp.expires_at > now + margin:
                continue  # a B-B seal has nothing to renew; a young certificate can wait
            if _renewed_with(session, version_id, digest, stamp.expires_at):
                continue
            due.append(version_id)
        return due


def _renewed_with(session: Session, version_id: int, digest: str, expires_at: datetime) -> bool:
    last = session.scalar(
        select(SealRenewal)
        .where(SealRenewal.version_id == version_id, SealRenewal.sealed_sha256 == digest)
        .order_by(SealRenewal.id.desc())
        .limit(1)
    )
    return last is not None and last.stamp_expires_at >= expires_at


def renew_archive_stamps(
    *, deps: Deps, engine: DocumentEngine, now: datetime, margin_days: int | None = None
) -> RenewalReport:
    """Give every sealed version that is due a fresh archive time stamp; idempotent (a
    version renewed with the current certificate is not due again) and safe to rerun
    after a failure (the version moves on only in the transaction that records it)."""
    settings = deps.settings
    if not settings.timestamp_url:
        return RenewalReport(configured=False)
    report = RenewalReport()
    for version_id in due_for_renewal(deps, engine, now, margin_days):
        report.checked += 1
        try:
            digest = _renew(version_id, deps=deps, engine=engine, now=now)
        except SealError as exc:
            log.warning("archive.renewal_failed", extra={"version": version_id, "reason": str(exc)})
            report.failed.append((version_id, str(exc)))
            continue
        if digest is not None:
            report.renewed.append((version_id, digest))
    return report


def _renew(version_id: int, *, deps: Deps, engine: DocumentEngine, now: datetime) -> str | None:
    settings = deps.settings
    with deps.db() as session:
        previous = session.scalar(
            select(DocumentVersion.sealed_sha256).where(DocumentVersion.id == version_id)
        )
    assert previous is not None
    renewed = renew_archive_stamp(
        engine.store.get(previous),
        pkcs12_path=settings.effective_seal_pkcs12,
        password=settings.effective_seal_password,
        timestamp_url=settings.timestamp_url,
        trust_roots=settings.seal_trust_roots,
    )
    stamp = latest_archive_stamp(renewed)
    assert stamp is not None
    digest = engine.store.put(renewed)  # a new file; the old one stays where it was
    with unit_of_work(deps, "system:worker", now) as uow:
        version = uow.session.get(DocumentVersion, version_id)
        assert version is not None
        lock_document(uow.session, version.document_id)
        uow.session.refresh(version)
        if version.sealed_sha256 != previous:  # another run renewed it meanwhile
            return None
        version.sealed_sha256 = digest
        uow.session.add(
            SealRenewal(
                version_id=version_id,
                previous_sha256=previous,
                sealed_sha256=digest,
                stamp_expires_at=stamp.expires_at,
                renewed_at=now,
            )
        )
        uow.audit(
            "document.archive_renewed",
            "document_version",
            version_id,
            {
                "previous_sha256": previous,
                "sealed_sha256": digest,
                "stamps": stamp.count,
                "authority_expires_at": stamp.expires_at.isoformat(),
            },
        )
    return digest
