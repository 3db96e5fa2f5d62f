"""The audit log: an append-only HMAC chain of every write, login and sensitive read.

Writes (and logins) are chained at once: `record` locks the chain's head, links the entry
to the one before and moves the head, in the caller's transaction. Reads are far more
frequent and must not queue behind one locked row: their entries are staged, each with an
HMAC of its own, without any shared lock (`audit_staging` says where), and
`chain_staged` (the worker, every minute; `audit seal`) moves them into the chain in order.
`audit_verify` checks both. docs/benchmarks.md ("Audit") describes the window before an
entry is chained.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, delete, insert, select
from sqlalchemy.orm import Session

from agreements.db.models import AuditEntry, AuditHead, AuditStaged
from agreements.db.sessions import Database, read_only
from agreements.domain.policy import Actor
from agreements.services.audit import staging as audit_staging
from agreements.services.context import Deps

GENESIS = "0" * 64
CHAIN_BATCH = 1000
log = logging.getLogger(__name__)


def is_read(action: str) -> bool:
    """Reads (`case.read`, `person.list`, `document.read_pdf`) are staged, not chained at once."""
    return action.endswith((".read", ".list")) or ".read_" in action


def _canonical(items: list[Any]) -> bytes:
    return json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _digest(
    key: bytes,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    detail: dict[str, Any],
    prev_hash: str,
    staged_uid: str | None = None,
) -> str:
    items = [
        seq,
        at.astimezone(UTC).isoformat(),
        actor,
        action,
        subject_type,
        subject_id,
        detail,
        prev_hash,
    ]
    if staged_uid is not None:  # entries chained before staging existed keep their digest
        items.append(staged_uid)
    return hmac.new(key, _canonical(items), hashlib.sha256).hexdigest()


def staged_mac(key: bytes, row: AuditStaged | Row[Any]) -> str:
    """The HMAC that guards a staged entry until it is chained (and the chain guards it)."""
    items = [
        "staged",
        row.uid,
        row.at.astimezone(UTC).isoformat(),
        row.actor,
        row.action,
        row.subject_type,
        row.subject_id,
        row.detail,
    ]
    return hmac.new(key, _canonical(items), hashlib.sha256).hexdigest()


def entry_digest(key: bytes, row: AuditEntry | Row[Any]) -> str:
    """The digest a chained entry must carry, from its stored fields."""
    return _digest(
        key,
        row.seq,
        row.at,
        row.actor,
        row.action,
        row.subject_type,
        row.subject_id,
        row.detail,
        row.prev_hash,
        row.staged_uid,
    )


def record(
    session: Session,
    deps: Deps,
    *,
    actor: Actor | str,
    action: str,
    subject_type: str,
    subject_id: object,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> AuditEntry | AuditStaged:
    """Append one entry inside the caller's transaction. Never put personal data in detail.

    A read's entry is staged instead (see the module docstring): it is written before the
    caller returns any data, and chained within a minute or so by the worker."""
    label = actor.label if isinstance(actor, Actor) else actor
    if is_read(action):
        return _stage(session, deps, label, action, subject_type, str(subject_id), now, detail)
    head = _lock_head(session)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=now,
        actor=label,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        detail=detail or {},
        prev_hash=head.hash,
        hash="",
    )
    entry.hash = entry_digest(deps.audit_key, entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    # Flushed at once, so that nothing (an expire_all, say) can lose the new head.
    session.flush()
    return entry


def _lock_head(session: Session) -> AuditHead:
    # Locking the head row serialises appends across connections (PostgreSQL); SQLite
    # write transactions here are already exclusive (BEGIN IMMEDIATE).
    return session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()


def _stage(
    session: Session,
    deps: Deps,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    now: datetime,
    detail: dict[str, Any] | None,
) -> AuditStaged:
    staged = AuditStaged(
        uid=uuid.uuid4().hex,
        at=now,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail or {},
        mac="",
    )
    staged.mac = staged_mac(deps.audit_key, staged)
    side = audit_staging.side(session.get_bind().engine)
    if side is None:
        session.add(staged)
        session.flush()
        return staged
    with read_only(False), side.lock, side.db.begin() as own:
        own.add(staged)
    return staged


def chain_staged(deps: Deps, *, batch: int = CHAIN_BATCH) -> int:
    """Move staged entries into the chain, oldest first; returns how many were chained.

    An entry whose HMAC does not match stays staged (and `audit verify` names it): chaining
    it would vouch for a forgery."""
    moved = 0
    for source in audit_staging.sources(deps.db.kw["bind"]):
        moved += _chain_from(deps, source, batch)
    return moved


def _chain_from(deps: Deps, source: Database | None, batch: int) -> int:
    moved, after = 0, 0
    while True:
        if source is None:  # the database's own table: read, chain and delete at once
            with deps.db.begin() as session:
                head = _lock_head(session)  # first: a second chainer waits, then sees less
                rows = _page(session, after, batch)
                done = _append(session, deps, head, rows)
                session.execute(delete(AuditStaged).where(AuditStaged.id.in_(done)))
        else:
            with read_only(), source() as staging:
                rows = _page(staging, after, batch)
            if not rows:
                return moved
            with deps.db.begin() as session:
                done = _append(session, deps, _lock_head(session), rows)
            # A crash here leaves chained entries staged too; the next run finds them in
            # the chain (by uid) and only deletes them.
            with source.begin() as staging:
                staging.execute(delete(AuditStaged).where(AuditStaged.id.in_(done)))
        if not rows:
            return moved
        moved, after = moved + len(done), rows[-1].id


def _page(session: Session, after: int, batch: int) -> list[Row[Any]]:
    staged = audit_staging.STAGED
    query = select(staged).where(staged.c.id > after).order_by(staged.c.id).limit(batch)
    return list(session.execute(query))


def _append(session: Session, deps: Deps, head: AuditHead, rows: list[Row[Any]]) -> list[int]:
    """Chain `rows` after `head`; the ids of the staged rows that are now in the chain."""
    if not rows:
        return []
    chained = set(
        session.scalars(
            select(AuditEntry.staged_uid).where(AuditEntry.staged_uid.in_([r.uid for r in rows]))
        )
    )
    values, done = [], []
    for row in rows:
        if row.uid in chained:
            done.append(row.id)
            continue
        if not hmac.compare_digest(staged_mac(deps.audit_key, row), row.mac):
            log.error("audit.staged_forged", extra={"staged_id": row.id})
            continue
        value = {
            "seq": head.seq + 1,
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "subject_type": row.subject_type,
            "subject_id": row.subject_id,
            "detail": row.detail,
            "prev_hash": head.hash,
            "staged_uid": row.uid,
        }
        value["hash"] = _digest(deps.audit_key, **value)
        head.seq, head.hash = value["seq"], value["hash"]
        values.append(value)
        done.append(row.id)
    if values:
        session.execute(insert(AuditEntry), values)
        session.flush()
    return done


def write_checkpoint(deps: Deps, path: Path, now: datetime) -> tuple[int, str]:
    """Record the head outside the database, so that cutting off the tail is detected."""
    with deps.db() as session:
        head = session.get(AuditHead, 1)
        seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(json.dumps({"seq": seq, "hash": digest, "at": now.isoformat()}) + "\n")
    return seq, digest
