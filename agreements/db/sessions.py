"""Engines and session factories, made on demand (never at import time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from agreements.db import search

Database = sessionmaker[Session]

_READ_ONLY: ContextVar[bool] = ContextVar("read_only", default=False)


@contextmanager
def read_only(reading: bool = True) -> Iterator[None]:
    """Transactions begun inside only read. On SQLite they begin DEFERRED, so they run beside
    a writer instead of queueing for the one write lock; a write in one fails at once
    (`PRAGMA query_only`) rather than now and then, when another writer got in between.
    `read_only(False)` lifts it for a write made on the side (another database file)."""
    token = _READ_ONLY.set(reading)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite (file made if missing) or PostgreSQL, tuned for this service."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
    _serialise_sqlite_writers(engine)
    return engine


def _serialise_sqlite_writers(engine: Engine) -> None:
    # Nearly every request writes (the audit log records reads too). A deferred SQLite
    # transaction that read first and writes later fails at once when another writer got
    # in between; BEGIN IMMEDIATE makes it wait for the write lock instead.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds ASCII only; searching "ünal" must find "Ünal" as on
        # PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        reading = _READ_ONLY.get()
        if connection.info.get("query_only", False) is not reading:
            connection.exec_driver_sql(f"PRAGMA query_only={int(reading)}")
            connection.info["query_only"] = reading
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def make_database(engine: Engine) -> Database:
    """The unit of work factory: `with db.begin() as session:` commits or rolls back."""
    factory = sessionmaker(engine, expire_on_commit=False)
    search.keep_current(factory)
    return factory
