"""The audit chain on SQLite and PostgreSQL: appends, tamper detection, concurrency.

Reads are staged and chained later: tests/integration/test_audit_reads.py."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from agreements.db.models import AuditEntry, AuditHead
from agreements.services.audit import log as audit
from agreements.services.audit.chain_check import verify_chain
from tests.conftest import NOW
from tests.support import drop_audit_triggers as _drop_triggers
from tests.support import record_audit


def _append(deps, n: int, start: int = 0) -> None:
    note = "Zoë & <co>"
    record_audit(
        deps, n, action="test.event", now=NOW, start=start, detail=lambda i: {"i": i, "note": note}
    )


def test_intact_chain_verifies(fresh_deps):
    _append(fresh_deps, 5)
    report = verify_chain(fresh_deps)
    assert report.ok and report.entries == 5


def test_rows_cannot_be_updated_or_deleted(fresh_deps):
    _append(fresh_deps, 2)
    for statement in (
        "UPDATE audit_entries SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_entries WHERE seq = 2",
    ):
        with pytest.raises(DBAPIError, match="append-only"), fresh_deps.db.begin() as session:
            session.execute(text(statement))
    assert verify_chain(fresh_deps).ok


def test_edited_row_is_named(fresh_deps):
    _append(fresh_deps, 5)
    _drop_triggers(fresh_deps)
    with fresh_deps.db.begin() as session:
        session.execute(text("UPDATE audit_entries SET actor = 'user:99' WHERE seq = 3"))
    report = verify_chain(fresh_deps)
    assert not report.ok and report.broken_seq == 3 and "altered" in report.reason


def test_deleted_middle_row_is_named(fresh_deps):
    _append(fresh_deps, 5)
    _drop_triggers(fresh_deps)
    with fresh_deps.db.begin() as session:
        session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    report = verify_chain(fresh_deps)
    assert not report.ok and report.broken_seq == 2 and "missing" in report.reason


def test_cut_off_tail_is_detected_by_the_head(fresh_deps):
    _append(fresh_deps, 5)
    _drop_triggers(fresh_deps)
    with fresh_deps.db.begin() as session:
        session.execute(text("DELETE FROM audit_entries WHERE seq > 3"))
    report = verify_chain(fresh_deps)
    assert not report.ok and "tail" in report.reason


def test_rewritten_tail_is_detected_by_the_checkpoint(fresh_deps, tmp_path):
    """An attacker who cuts the tail and moves the head back is caught by the sealed head."""
    _append(fresh_deps, 5)
    checkpoints = tmp_path / "checkpoints.jsonl"
    audit.write_checkpoint(fresh_deps, checkpoints, NOW)
    _drop_triggers(fresh_deps)
    with fresh_deps.db.begin() as session:
        entry3 = session.scalars(select(AuditEntry).where(AuditEntry.seq == 3)).one()
        session.execute(text("DELETE FROM audit_entries WHERE seq > 3"))
        head = session.get(AuditHead, 1)
        head.seq, head.hash = 3, entry3.hash
    report = verify_chain(fresh_deps, checkpoints)
    assert not report.ok and report.broken_seq == 5 and "checkpoint" in report.reason
    assert verify_chain(fresh_deps).ok  # without the checkpoint it would pass


def test_forged_entry_without_the_key_is_detected(fresh_deps):
    _append(fresh_deps, 2)
    _drop_triggers(fresh_deps)
    with fresh_deps.db.begin() as session:
        last = session.scalars(select(AuditEntry).where(AuditEntry.seq == 2)).one()
        # A plain SHA-256 "hash" instead of the keyed HMAC.
        import hashlib

        forged = hashlib.sha256(b"forged").hexdigest()
        session.add(
            AuditEntry(
                seq=3,
                at=NOW,
                actor="user:1",
                action="x",
                subject_type="case",
                subject_id="1",
                detail={},
                prev_hash=last.hash,
                hash=forged,
            )
        )
        session.get(AuditHead, 1).seq, session.get(AuditHead, 1).hash = 3, forged
    report = verify_chain(fresh_deps)
    assert not report.ok and report.broken_seq == 3


def test_concurrent_appends_keep_one_chain(fresh_deps):
    errors: list[BaseException] = []

    def worker(start: int) -> None:
        try:
            _append(fresh_deps, 10, start)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k * 100,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    report = verify_chain(fresh_deps)
    assert report.ok and report.entries == 40
