"""The audit log: an append-only HMAC chain of every write, login and sensitive read."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import AuditEntry, AuditHead
from agreements.domain.policy import Actor
from agreements.services.context import Deps

GENESIS = "0" * 64


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
) -> str:
    body = json.dumps(
        [
            seq,
            at.astimezone(UTC).isoformat(),
            actor,
            action,
            subject_type,
            subject_id,
            detail,
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


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
) -> AuditEntry:
    """Append one entry inside the caller's transaction. Never put personal data in detail."""
    # Locking the head row serialises appends across connections (PostgreSQL); SQLite
    # transactions here are already exclusive (BEGIN IMMEDIATE).
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    label = actor.label if isinstance(actor, Actor) else actor
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
    entry.hash = _digest(
        deps.audit_key,
        entry.seq,
        now,
        label,
        action,
        subject_type,
        entry.subject_id,
        entry.detail,
        head.hash,
    )
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    # Flushed at once, so that nothing (an expire_all, say) can lose the new head.
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(deps: Deps, checkpoints: Path | None = None) -> ChainReport:
    """Walk the chain from the first entry; report the first entry that does not fit."""
    with deps.db() as session:
        expected_seq, prev, count = 1, GENESIS, 0
        hashes_at: dict[int, str] = {}
        want = _checkpoint_seqs(checkpoints)
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(2000):
            if entry.seq != expected_seq:
                return ChainReport(
                    False,
                    count,
                    expected_seq,
                    f"entry {expected_seq} is missing (next is {entry.seq})",
                )
            if entry.prev_hash != prev:
                return ChainReport(
                    False,
                    count,
                    entry.seq,
                    f"entry {entry.seq} does not follow entry {entry.seq - 1}",
                )
            actual = _digest(
                deps.audit_key,
                entry.seq,
                entry.at,
                entry.actor,
                entry.action,
                entry.subject_type,
                entry.subject_id,
                entry.detail,
                entry.prev_hash,
            )
            if not hmac.compare_digest(actual, entry.hash):
                return ChainReport(False, count, entry.seq, f"entry {entry.seq} was altered")
            if entry.seq in want:
                hashes_at[entry.seq] = entry.hash
            prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
        head = session.get(AuditHead, 1)
        if head is None or head.seq != count or head.hash != prev:
            return ChainReport(
                False,
                count,
                count + 1,
                f"the chain ends at entry {count} but its head says "
                f"{head.seq if head else 'nothing'}: the tail was removed or "
                "rewritten",
            )
    for seq, digest in want.items():
        if hashes_at.get(seq) != digest:
            return ChainReport(
                False,
                count,
                seq,
                f"entry {seq} differs from the sealed checkpoint: the tail was "
                "removed or rewritten",
            )
    return ChainReport(True, count)


def _checkpoint_seqs(path: Path | None) -> dict[int, str]:
    if path is None or not path.exists():
        return {}
    seqs: dict[int, str] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            item = json.loads(line)
            seqs[int(item["seq"])] = str(item["hash"])
    return seqs


def write_checkpoint(deps: Deps, path: Path, now: datetime) -> tuple[int, str]:
    """Record the head outside the database, so that cutting off the tail is detected."""
    with deps.db() as session:
        head = session.get(AuditHead, 1)
        seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(json.dumps({"seq": seq, "hash": digest, "at": now.isoformat()}) + "\n")
    return seq, digest
