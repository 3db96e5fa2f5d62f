"""Inserting thousands of rows in one statement, on both databases.

On PostgreSQL the rows travel as one array per column (`INSERT ... SELECT FROM unnest(...)`):
a short statement that psycopg parses once. SQLAlchemy's own many-rows INSERT writes one
placeholder per value, and psycopg re-parses that long text for every batch: measured at
4,000 reminder rows, 0.56 s against 0.03 s. SQLite takes SQLAlchemy's INSERT as it is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Enum as Enum_
from sqlalchemy import String
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

_PG = postgresql.dialect()  # type: ignore[no-untyped-call]


def insert_rows(
    session: Session,
    table: Any,  # a Table (`Model.__table__`)
    rows: Sequence[dict[str, Any]],
    *,
    skip_conflicts_on: Sequence[str] = (),
) -> list[int]:
    """Insert `rows` (all with the same keys) in the caller's transaction and return the
    new rows' ids. With `skip_conflicts_on`, a row clashing with one there already on that
    unique key is left out (and its id is not returned)."""
    if not rows:
        return []
    columns = list(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        statement = sqlite_insert(table)
        if skip_conflicts_on:
            statement = statement.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
        return list(session.scalars(statement.returning(table.c.id), list(rows)))
    # A column with one value in every row (a status, a time) goes as one value, not an
    # array: psycopg writes arrays element by element in Python. The first column is always
    # an array (unless there is one row), so that the SELECT makes as many rows as given.
    params: dict[str, Any] = {}
    values = []
    for position, name in enumerate(columns):
        first = rows[0][name]
        cast = _cast(table.c[name].type)
        if (position or len(rows) == 1) and all(row[name] == first for row in rows):
            params[name] = _plain(first)
            values.append(f"%({name})s::{cast}")
        else:
            params[name] = [_plain(row[name]) for row in rows]
            values.append(f"unnest(%({name})s::{cast}[])")
    names = ", ".join(f'"{name}"' for name in columns)
    conflict = (
        f" ON CONFLICT ({', '.join(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
    )
    sql = f'INSERT INTO "{table.name}" ({names}) SELECT {", ".join(values)}{conflict} RETURNING id'
    return [row[0] for row in session.connection().exec_driver_sql(sql, params)]


def _cast(kind: Any) -> str:
    # Text, not VARCHAR(n): an explicit cast would cut a long string short, where the
    # column's own type refuses it.
    return "text" if isinstance(kind, String | Enum_) else str(kind.compile(dialect=_PG))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware one")
    return value.value if isinstance(value, Enum) else value
