"""Inserting thousands of rows in one statement, on both databases.

On PostgreSQL the rows travel as one array per column (`INSERT ... SELECT FROM unnest(...)`):
a short statement that psycopg parses once. SQLAlchemy's own many-rows INSERT writes one
placeholder per value, and psycopg re-parses that long text for every batch: measured at
4,000 reminder rows, 0.56 s against 0.03 s. SQLite takes SQLAlchemy's INSERT as it is."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy import Enum as Enum_
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
    returning: str | None = "id",
) -> list[int]:
    """Insert `rows` (all with the same keys) in the caller's transaction and return the
    new rows' ids (the `returning` column's values; none when it is None). With
    `skip_conflicts_on`, a row clashing with one there already on that unique key is left
    out (and its id is not returned)."""
    if not rows:
        return []
    columns = list(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        statement = sqlite_insert(table)
        if skip_conflicts_on:
            statement = statement.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
        if returning is None:
            session.execute(statement, list(rows))
            return []
        return list(session.scalars(statement.returning(table.c[returning]), list(rows)))
    # A column with one value in every row (a status, a time) goes as one value, not an
    # array: psycopg writes arrays element by element in Python. The first column is always
    # an array (unless there is one row), so that the SELECT makes as many rows as given.
    params: dict[str, Any] = {}
    values = []
    for position, name in enumerate(columns):
        first = rows[0][name]
        kind = table.c[name].type
        cast = _cast(kind)
        if (position or len(rows) == 1) and all(row[name] == first for row in rows):
            params[name] = _plain(first, kind)
            values.append(f"%({name})s::{cast}")
        else:
            params[name] = [_plain(row[name], kind) for row in rows]
            values.append(f"unnest(%({name})s::{cast}[])")
    names = ", ".join(f'"{name}"' for name in columns)
    conflict = (
        f" ON CONFLICT ({', '.join(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
    )
    back = f' RETURNING "{returning}"' if returning else ""
    sql = f'INSERT INTO "{table.name}" ({names}) SELECT {", ".join(values)}{conflict}{back}'
    result = session.connection().exec_driver_sql(sql, params)
    return [row[0] for row in result] if returning else []


def _cast(kind: Any) -> str:
    # Text, not VARCHAR(n): an explicit cast would cut a long string short, where the
    # column's own type refuses it.
    return "text" if isinstance(kind, String | Enum_) else str(kind.compile(dialect=_PG))


def _plain(value: Any, kind: Any) -> Any:
    if isinstance(kind, JSON):  # psycopg adapts no dict: the JSON text, cast by the server
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware one")
    return value.value if isinstance(value, Enum) else value
