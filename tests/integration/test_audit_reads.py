"""Reads' audit entries on SQLite and PostgreSQL: staged without a lock, chained, verified."""

from __future__ import annotations

import threading
import time
import tracemalloc
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from agreements.db.models import AuditEntry, AuditStaged, Case
from agreements.domain.enums import Role
from agreements.domain.policy import SYSTEM, Actor
from agreements.services import demo
from agreements.services.audit import log as audit
from agreements.services.audit import staging as audit_staging
from agreements.services.audit.chain_check import verify_chain
from agreements.services.cases import cases
from tests.conftest import NOW
from tests.support import drop_audit_triggers as _drop_triggers
from tests.support import record_audit

COORDINATOR = Actor(user_id=None, role=Role.COORDINATOR, name="test")


def _read(deps, n: int = 1, start: int = 0) -> None:
    record_audit(deps, n, action="case.read", now=NOW, start=start)


def _write(deps, n: int = 1) -> None:
    record_audit(deps, n, action="case.update", now=NOW, step=timedelta(0),
                 detail={"fields": ["status"]})  # fmt: skip


def _staging(deps):
    """The database the staged entries are in (SQLite: the staging file)."""
    side = audit_staging.side(deps.db.kw["bind"])
    return deps.db if side is None else side.db


def _sql(db, statement: str) -> None:
    with db.begin() as session:
        session.execute(text(statement))


def _count(db, model) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_reads_are_staged_then_chained_in_order(fresh_deps):
    _write(fresh_deps)
    _read(fresh_deps, 3)
    _write(fresh_deps)
    assert _count(fresh_deps.db, AuditEntry) == 2
    assert _count(_staging(fresh_deps), AuditStaged) == 3
    report = verify_chain(fresh_deps)
    assert report.ok and report.entries == 2 and report.staged == 3
    assert audit.chain_staged(fresh_deps) == 3
    assert audit.chain_staged(fresh_deps) == 0
    assert _count(_staging(fresh_deps), AuditStaged) == 0
    with fresh_deps.db() as session:
        chained = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    assert [e.action for e in chained] == ["case.update", "case.update", *["case.read"] * 3]
    assert all(e.staged_uid for e in chained[2:]) and chained[0].staged_uid is None
    report = verify_chain(fresh_deps)
    assert report.ok and report.entries == 5 and report.staged == 0


@pytest.mark.parametrize(
    ("statement", "broken", "reason"),
    [
        ("UPDATE audit_entries SET actor = 'user:99' WHERE seq = 3", 3, "altered"),
        ("UPDATE audit_entries SET staged_uid = 'x' WHERE seq = 3", 3, "altered"),
        ("DELETE FROM audit_entries WHERE seq = 3", 3, "missing"),
        ("UPDATE audit_entries SET hash = 'f' || substr(hash, 2) WHERE seq = 2", 2, "altered"),
    ],
    ids=["edited-read", "edited-uid", "removed-read", "forged-write"],
)
def test_verify_finds_a_changed_chained_read_or_write(fresh_deps, statement, broken, reason):
    _write(fresh_deps, 2)
    _read(fresh_deps, 3)
    audit.chain_staged(fresh_deps)
    assert verify_chain(fresh_deps).ok
    _drop_triggers(fresh_deps)
    _sql(fresh_deps.db, statement)
    report = verify_chain(fresh_deps)
    assert not report.ok and report.broken_seq == broken and reason in report.reason


def test_verify_finds_an_edited_or_forged_staged_read(fresh_deps):
    _read(fresh_deps, 3)
    _drop_triggers(fresh_deps)
    staging = _staging(fresh_deps)
    _sql(staging, "UPDATE audit_staged SET actor = 'user:7' WHERE id = 2")
    report = verify_chain(fresh_deps)
    assert not report.ok and report.broken_staged == 2 and "forged" in report.reason
    # Nor does the chainer vouch for it: it stays staged, the others are chained.
    assert audit.chain_staged(fresh_deps) == 2
    assert not verify_chain(fresh_deps).ok


def test_a_forged_staged_read_without_the_key_is_found(fresh_deps):
    with _staging(fresh_deps).begin() as session:
        session.add(
            AuditStaged(
                uid="f" * 32,
                at=NOW,
                actor="user:1",
                action="case.read",
                subject_type="case",
                subject_id="1",
                detail={},
                mac="0" * 64,
            )
        )
    report = verify_chain(fresh_deps)
    assert not report.ok and report.broken_staged is not None
    assert audit.chain_staged(fresh_deps) == 0


def test_staged_reads_cannot_be_updated_nor_deleted_unchained(fresh_deps):
    # The database's own table (PostgreSQL's staging; on SQLite the same triggers hold).
    with fresh_deps.db.begin() as session:
        session.add(
            AuditStaged(
                uid="a" * 32,
                at=NOW,
                actor="x",
                action="case.read",
                subject_type="case",
                subject_id="1",
                detail={},
                mac="0",
            )
        )
    for statement in ("UPDATE audit_staged SET actor = 'y'", "DELETE FROM audit_staged"):
        with pytest.raises(DBAPIError, match="append-only"):
            _sql(fresh_deps.db, statement)
    _read(fresh_deps)
    with pytest.raises(DBAPIError, match="append-only"):
        _sql(_staging(fresh_deps), "UPDATE audit_staged SET actor = 'y'")


def test_readers_do_not_wait_for_a_writer_nor_for_each_other(fresh_deps):
    """20 threads read a case (each read logged) while a write transaction holds the head."""
    demo.seed_demo(deps=fresh_deps, now=NOW)
    with fresh_deps.db() as session:
        case_id = session.scalar(select(func.min(Case.id)))
    audit.chain_staged(fresh_deps)
    before = _count(fresh_deps.db, AuditEntry)
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with fresh_deps.db.begin() as session:
                audit.record(
                    session,
                    fresh_deps,
                    actor=SYSTEM,
                    action="case.update",
                    subject_type="case",
                    subject_id=case_id,
                    now=NOW,
                )
                holding.set()
                release.wait(30)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    done: list[float] = []

    def reader() -> None:
        try:
            began = time.monotonic()
            cases.get_case(case_id, deps=fresh_deps, actor=COORDINATOR, now=NOW)
            cases.read_care_notes(case_id, deps=fresh_deps, actor=COORDINATOR, now=NOW)
            done.append(time.monotonic() - began)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    hold = threading.Thread(target=writer)
    hold.start()
    assert holding.wait(10)
    readers = [threading.Thread(target=reader) for _ in range(20)]
    for t in readers:
        t.start()
    for t in readers:
        t.join(15)
    finished_while_held = len(done)
    release.set()
    hold.join(10)
    assert not errors, errors
    assert finished_while_held == 20, "readers waited for the writer's transaction"
    audit.chain_staged(fresh_deps)
    report = verify_chain(fresh_deps)
    assert report.ok and report.entries == before + 1 + 40


def test_verify_memory_stays_flat_however_long_the_chain(fresh_deps):
    """tracemalloc's peak during verify: the same for 10,000 and 60,000 entries."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "audit.py"
    spec = importlib.util.spec_from_file_location("bench_audit", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def peak() -> int:
        tracemalloc.start()
        try:
            assert verify_chain(fresh_deps).ok
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    bench.build(fresh_deps, 10_000, 0)
    small = peak()
    _drop_triggers(fresh_deps)
    _sql(fresh_deps.db, "DELETE FROM audit_entries")
    bench.build(fresh_deps, 60_000, 0)
    large = peak()
    assert large < 20 * 2**20, f"{large / 2**20:.1f} MB"
    assert large < small * 1.5 + 2**20, (small, large)
