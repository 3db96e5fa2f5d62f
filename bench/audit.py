"""Benchmark: `agreements audit verify` on a chain of 2.5 million entries, its memory and time.

Run from the repository root: `.venv/bin/python bench/audit.py` (both databases, 2.5 million
entries each; about 10 minutes on 2 cores, building the chain takes most of it), `--quick`
for a smoke run (50,000 entries), `--database sqlite|postgresql|both`, `--entries N`.
Prints plain text and PASS/FAIL per goal, and exits 0 unless something crashed.

What is built (bulk inserts of 10,000 rows, `agreements.db.bulk.insert_rows`, never
`audit.record` one by one): a valid chain of N entries, six in ten of them chained reads
(`case.read`, `case.list`, `care_notes.read`, carrying their staged uid as the chainer
writes them), the rest writes (`case.update` ...), each with a small detail; the head
moved to the last one; and 1% more reads (at most 20,000) left staged with their own HMAC,
as if the worker had not chained them yet.

What is measured: the real command, `python -m agreements audit verify`, as a child
process: its wall time and its peak resident memory (`ru_maxrss` of that child, from
`os.wait4`), and the same command on an empty database (the interpreter and its imports),
so the chain's own share shows. Then the floor: every row read by key and its HMAC
computed in this process, with none of the checks, to compare the time with.

Goal (issue 10): under 200 MB for 2.5 million entries.
"""

from __future__ import annotations

import argparse
import hmac
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from agreements.db import migrate  # noqa: E402
from agreements.db.bulk import insert_rows  # noqa: E402
from agreements.db.models import AuditHead, AuditStaged  # noqa: E402
from agreements.db.sessions import make_database, make_engine  # noqa: E402
from agreements.services.audit import log as audit  # noqa: E402
from agreements.services.audit import staging as audit_staging  # noqa: E402
from agreements.services.audit.staging import CHAIN  # noqa: E402
from agreements.services.context import Deps  # noqa: E402
from agreements.settings import Settings  # noqa: E402

GOAL_MB = 200
CHUNK = 10_000
SECRET = "bench-audit-secret-key-0123456789abcdef"  # noqa: S105 - a throw-away database
READS = ("case.read", "case.list", "care_notes.read")
WRITES = ("case.update", "document.rendered", "signing.signed", "review.update")
START = datetime(2026, 1, 1, tzinfo=UTC)


def environment(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AGREEMENTS_DATABASE_URL": url,
        "AGREEMENTS_DATA_DIR": str(data_dir),
        "AGREEMENTS_MODE": "test",
        "AGREEMENTS_SECRET_KEY": SECRET,
        "AGREEMENTS_LOG_LEVEL": "WARNING",
    }


def make_deps(url: str, data_dir: Path) -> Deps:
    settings = Settings(  # type: ignore[call-arg]
        mode="test", data_dir=data_dir, secret_key=SECRET, database_url=url
    )
    return Deps(db=make_database(make_engine(url)), settings=settings)


def _chained(key: bytes, count: int) -> Iterator[list[dict[str, Any]]]:
    """Chunks of a valid chain of `count` entries after the genesis."""
    prev, chunk = audit.GENESIS, []
    for seq in range(1, count + 1):
        read = seq % 10 < 6
        action = READS[seq % 3] if read else WRITES[seq % 4]
        row = {
            "seq": seq,
            "at": START + timedelta(seconds=seq),
            "actor": f"user:{seq % 40 + 1}",
            "action": action,
            "subject_type": "case",
            "subject_id": str(seq % 100_000 + 1),
            "detail": {} if read else {"fields": ["status", "end_date"]},
            "prev_hash": prev,
            "staged_uid": uuid.uuid4().hex if read else None,
        }
        row["hash"] = prev = audit.entry_digest(key, _Row(row))
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Row:
    """A dict read by attribute, as `entry_digest` and `staged_mac` read rows."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _staged(key: bytes, count: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        row = {
            "uid": uuid.uuid4().hex,
            "at": START + timedelta(days=400, seconds=n),
            "actor": "user:1",
            "action": "case.read",
            "subject_type": "case",
            "subject_id": str(n + 1),
            "detail": {},
        }
        row["mac"] = audit.staged_mac(key, _Row(row))
        rows.append(row)
    return rows


def build(deps: Deps, count: int, staged: int) -> float:
    """The chain, its head and the staged reads; returns the seconds it took."""
    began = time.perf_counter()
    last: dict[str, Any] = {"seq": 0, "hash": audit.GENESIS}
    for number, chunk in enumerate(_chained(deps.audit_key, count), 1):
        with deps.db.begin() as session:
            insert_rows(session, CHAIN, chunk, returning=None)
        last = chunk[-1]
        if number % 25 == 0:
            print(f"    {last['seq']:>10,} entries ({time.perf_counter() - began:.0f} s)")
    with deps.db.begin() as session:
        session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(seq=last["seq"], hash=last["hash"])
        )
    rows = _staged(deps.audit_key, staged)
    for start in range(0, len(rows), CHUNK):
        _stage_rows(deps, rows[start : start + CHUNK])
    return time.perf_counter() - began


def _stage_rows(deps: Deps, rows: list[dict[str, Any]]) -> None:
    """Where `record` stages a read: on a SQLite file that is the staging file next to it."""
    side = audit_staging.side(deps.db.kw["bind"])
    db = deps.db if side is None else side.db
    with db.begin() as session:
        insert_rows(session, AuditStaged.__table__, rows)


def run_verify(env: dict[str, str]) -> tuple[int, float, float, str]:
    """`agreements audit verify` as a child: exit code, seconds, peak RSS in MB, its output."""
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "agreements", "audit", "verify"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, took, usage.ru_maxrss / 1024, output.strip()


def floor(deps: Deps, count: int) -> float:
    """Every chained row read by key and its HMAC computed: the least verify can do."""
    key, after, began = deps.audit_key, 0, time.perf_counter()
    while True:
        with deps.db() as session:
            rows = list(
                session.execute(
                    select(CHAIN).where(CHAIN.c.seq > after).order_by(CHAIN.c.seq).limit(5000)
                )
            )
        if not rows:
            break
        for row in rows:
            hmac.compare_digest(audit.entry_digest(key, row), row.hash)
        after = rows[-1].seq
    assert after == count
    return time.perf_counter() - began


def one_backend(backend: str, count: int, postgres_url: str, root: Path) -> bool:
    data_dir = root / backend
    data_dir.mkdir()
    drop = None
    if backend == "sqlite":
        url = f"sqlite:///{data_dir / 'agreements.db'}"
    else:
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        name = f"bench_audit_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    try:
        deps = make_deps(url, data_dir)
        engine = deps.db.kw["bind"]
        migrate.upgrade(engine)
        env = environment(url, data_dir)
        code, empty_s, empty_mb, said = run_verify(env)
        assert code == 0, said
        staged = min(count // 100, 20_000)
        print(f"  {backend}: building {count:,} chained entries and {staged:,} staged")
        built = build(deps, count, staged)
        code, took, peak, said = run_verify(env)
        floor_s = floor(deps, count)
        engine.dispose()
    finally:
        if drop is not None:
            drop()
    ok = code == 0 and peak < GOAL_MB
    print(f"  {backend}: built in {built:.0f} s ({count / built:,.0f} entries/s)")
    print(f"  {backend}: `audit verify` said: {' '.join(said.split()) or '(nothing)'}")
    print(f"  {backend}: `audit verify` on the empty database: {empty_s:.1f} s, "
          f"peak RSS {empty_mb:.0f} MB (the interpreter and its imports)")  # fmt: skip
    print(f"  {backend}: `audit verify` on {count + staged:,} entries: {took:.1f} s "
          f"({(count + staged) / took:,.0f}/s), peak RSS {peak:.0f} MB "
          f"(+{peak - empty_mb:.0f} MB over the empty run), exit {code}")  # fmt: skip
    print(f"  {backend}: floor (rows by key + HMAC, in-process): {floor_s:.1f} s; "
          f"ratio verify / floor {took / floor_s:.2f}x (verify includes its start-up)")  # fmt: skip
    print(f"  {backend}: goal peak RSS < {GOAL_MB} MB and exit 0: {'PASS' if ok else 'FAIL'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 50,000 entries")
    parser.add_argument("--entries", type=int, default=None)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "AGREEMENTS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args(argv)
    count = args.entries or (50_000 if args.quick else 2_500_000)
    backends = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print("Audit verify benchmark" + (" (--quick)" if args.quick else ""))
    print(f"  date       {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"  machine    {len(os.sched_getaffinity(0))} cores usable, Python "
          f"{sys.version.split()[0]}")  # fmt: skip
    print(f"  load       {load} (1/5/15 min) at start")
    root = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    try:
        for backend in backends:
            one_backend(backend, count, args.postgres_url, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"  load at the end {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
