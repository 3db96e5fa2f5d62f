"""Checking the audit log in constant memory: the chain page by page, then the staged reads.

Pages are read by key (`seq > last`, a few thousand rows each), each in a short read-only
transaction, so memory stays flat however long the chain is and writers are never held up.
Entries are immutable, so reading them in several transactions is as good as in one; the
head is read first and again at the end, and entries appended meanwhile are checked too.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from agreements.db.models import AuditEntry, AuditHead, AuditStaged
from agreements.db.sessions import Database, read_only
from agreements.services.audit import staging as audit_staging
from agreements.services.audit.log import GENESIS, entry_digest, staged_mac
from agreements.services.context import Deps

PAGE = 5000
Progress = Callable[[int, int], None]  # (checked so far, total)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int  # chained entries checked
    broken_seq: int | None = None
    reason: str = ""
    staged: int = 0  # read entries checked that are not in the chain yet
    broken_staged: int | None = None  # the id of a staged entry that does not match


def verify_chain(
    deps: Deps, checkpoints: Path | None = None, on_progress: Progress | None = None
) -> ChainReport:
    """Walk the chain from the first entry, then every staged entry; report the first fault."""
    want = _checkpoint_seqs(checkpoints)
    places = audit_staging.sources(deps.db.kw["bind"])
    head_seq, head_hash, _ = _head(deps)
    total = head_seq + sum(_count(deps, place) for place in places)
    progress = on_progress or (lambda done, total: None)
    expected, prev, limit = 1, GENESIS, head_seq
    while True:
        with read_only(), deps.db() as session:
            rows = _chain_page(session, expected, limit)
        if not rows:
            head_seq, head_hash, last_seq = _head(deps)
            if head_seq > limit:  # entries were appended while we read: check them too
                limit = head_seq
                continue
            break
        for row in rows:
            fault = _fault(deps.audit_key, row, expected, prev)
            if fault:
                return ChainReport(False, expected - 1, fault[0], fault[1])
            if row.seq in want and not hmac.compare_digest(want.pop(row.seq), row.hash):
                return ChainReport(False, expected - 1, row.seq, _rewritten(row.seq))
            prev, expected = row.hash, expected + 1
        progress(expected - 1, total)
    count = expected - 1
    if head_seq != count or head_hash != prev:
        return ChainReport(
            False,
            count,
            count + 1,
            f"the chain ends at entry {count} but its head says {head_seq}: the tail was "
            "removed or rewritten",
        )
    if last_seq > head_seq:
        return ChainReport(
            False, count, head_seq + 1, f"entry {head_seq + 1} lies beyond the head: added "
            "without it"
        )  # fmt: skip
    if want:  # a sealed checkpoint beyond what the chain now holds
        seq = min(want)
        return ChainReport(False, count, seq, _rewritten(seq))
    return _check_staged(deps, places, count, total, progress)


def _chain_page(session: Session, expected: int, limit: int) -> list[Row[Any]]:
    columns = audit_staging.CHAIN.c
    query = (
        select(audit_staging.CHAIN)
        .where(columns.seq >= expected, columns.seq <= limit)
        .order_by(columns.seq)
        .limit(PAGE)
    )
    return list(session.execute(query))


def _fault(key: bytes, row: Row[Any], expected: int, prev: str) -> tuple[int, str] | None:
    if row.seq != expected:
        return expected, f"entry {expected} is missing (next is {row.seq})"
    if row.prev_hash != prev:
        return row.seq, f"entry {row.seq} does not follow entry {row.seq - 1}"
    if not hmac.compare_digest(entry_digest(key, row), row.hash):
        return row.seq, f"entry {row.seq} was altered"
    return None


def _rewritten(seq: int) -> str:
    return f"entry {seq} differs from the sealed checkpoint: the tail was removed or rewritten"


def _head(deps: Deps) -> tuple[int, str, int]:
    """The head and the highest entry, in one statement (so from one snapshot)."""
    last = select(func.coalesce(func.max(AuditEntry.seq), 0)).scalar_subquery()
    with read_only(), deps.db() as session:
        row = session.execute(
            select(AuditHead.seq, AuditHead.hash, last).where(AuditHead.id == 1)
        ).one_or_none()
    return (0, GENESIS, 0) if row is None else (row[0], row[1], row[2])


def _count(deps: Deps, place: Database | None) -> int:
    with read_only(), (place or deps.db)() as session:
        return session.scalar(select(func.count()).select_from(AuditStaged)) or 0


def _check_staged(
    deps: Deps, places: list[Database | None], chained: int, total: int, progress: Progress
) -> ChainReport:
    """Each staged entry must carry its own HMAC (it is not in the chain yet)."""
    checked = 0
    staged = audit_staging.STAGED
    for place in places:
        after = 0
        while True:
            with read_only(), (place or deps.db)() as session:
                rows = list(
                    session.execute(
                        select(staged).where(staged.c.id > after).order_by(staged.c.id).limit(PAGE)
                    )
                )
            if not rows:
                break
            for row in rows:
                if not hmac.compare_digest(staged_mac(deps.audit_key, row), row.mac):
                    return ChainReport(
                        False,
                        chained,
                        None,
                        f"staged read entry {row.id} (not chained yet) was altered or forged",
                        checked,
                        row.id,
                    )
                checked += 1
            after = rows[-1].id
            progress(chained + checked, max(total, chained + checked))
    return ChainReport(True, chained, staged=checked)


def _checkpoint_seqs(path: Path | None) -> dict[int, str]:
    if path is None or not path.exists():
        return {}
    seqs: dict[int, str] = {}
    with path.open() as lines:
        for line in lines:
            if line.strip():
                item = json.loads(line)
                if int(item["seq"]) > 0:  # a seal of the empty chain says nothing
                    seqs[int(item["seq"])] = str(item["hash"])
    return seqs
