"""Where reads' audit entries wait to be chained: the database's table, or SQLite's own file.

A SQLite database has one write lock for the whole file. A read that wrote its audit entry
there would queue behind every writer, and every reader behind it. So on a SQLite file the
staged entries live in a second SQLite file next to the database
(`agreements.db` -> `agreements-audit-staging.db`), written in a short transaction of its own
before the data is returned; the read itself then runs in a DEFERRED transaction beside any
writer. Copy both files in a backup. On PostgreSQL a staged entry is one INSERT into
`audit_staged` in the reader's own transaction: no lock that other readers wait for.
"""

from __future__ import annotations

import threading
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Table, event
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateTable

from agreements.db.models import AuditEntry, AuditStaged
from agreements.db.sessions import Database, make_database, make_engine, read_only

STAGED: Table = AuditStaged.__table__  # type: ignore[assignment]
CHAIN: Table = AuditEntry.__table__  # type: ignore[assignment]
_NO_UPDATE = (
    "CREATE TRIGGER IF NOT EXISTS audit_staged_no_update BEFORE UPDATE ON audit_staged "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
)


class _Side:
    """The staging file of one database engine, opened once per process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        engine = make_engine(f"sqlite:///{path}")
        with read_only(False), engine.begin() as connection:
            connection.execute(CreateTable(STAGED, if_not_exists=True))
            connection.exec_driver_sql(_NO_UPDATE)
        self.db = make_database(engine)
        # Threads of one process take turns here instead of in SQLite's busy handler, which
        # sleeps up to 100 ms between tries and so lets a few unlucky readers wait long.
        self.lock = threading.Lock()


_SIDES: WeakKeyDictionary[Engine, _Side] = WeakKeyDictionary()
_OPENING = threading.Lock()


def side_path(engine: Engine) -> Path | None:
    """The staging file for a SQLite file database; None for PostgreSQL or memory."""
    url = make_url(str(engine.url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    main = Path(url.database)
    return main.with_name(f"{main.stem}-audit-staging{main.suffix or '.db'}")


def side(engine: Engine, *, create: bool = True) -> _Side | None:
    """The open staging file of `engine`, made on first use (or None, see `side_path`)."""
    found = _SIDES.get(engine)
    if found is not None:
        return found
    path = side_path(engine)
    if path is None or (not create and not path.exists()):
        return None
    with _OPENING:
        found = _SIDES.get(engine)
        if found is None:
            found = _SIDES[engine] = _Side(path)
            event.listen(engine, "engine_disposed", lambda _engine: found.db.kw["bind"].dispose())
    return found


def sources(engine: Engine) -> list[Database | None]:
    """Every place staged entries may be in: None is the database's own table."""
    found = side(engine, create=False)
    return [None] if found is None else [None, found.db]
