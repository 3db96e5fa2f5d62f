"""docs/privacy.md names every table and column of the database: a column cannot be added
without someone deciding there whether it is personal data, who reads it and why."""

from __future__ import annotations

import re
from pathlib import Path

from agreements.db.models import Base

REGISTER = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"
NAMED = re.compile(r"`([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)`")


def _columns() -> set[tuple[str, str]]:
    return {(t.name, c.name) for t in Base.metadata.tables.values() for c in t.columns}


def test_every_column_is_in_the_register() -> None:
    named = set(NAMED.findall(REGISTER.read_text(encoding="utf-8")))
    missing = sorted(f"{t}.{c}" for t, c in _columns() - named)
    assert not missing, f"docs/privacy.md does not say what these are: {missing}"


def test_every_table_has_its_section_and_nothing_named_is_gone() -> None:
    text = REGISTER.read_text(encoding="utf-8")
    tables = set(Base.metadata.tables)
    sections = set(re.findall(r"^### `([a-z_0-9]+)`$", text, flags=re.MULTILINE))
    assert tables - sections == set(), "tables without a section in docs/privacy.md"
    assert sections - tables == set(), "sections of docs/privacy.md for tables that are gone"
    gone = sorted(f"{t}.{c}" for t, c in NAMED.findall(text) if t in tables)
    stale = [n for n in gone if tuple(n.split(".")) not in _columns()]
    assert not stale, f"docs/privacy.md names columns that no longer exist: {stale}"


def test_encrypted_fields_are_said_to_be_encrypted() -> None:
    """The two fields the service encrypts are the ones the register calls encrypted."""
    text = REGISTER.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    encrypted = {line.split("`")[1] for line in rows if "**encrypted**" in line}
    columns = {f"{t}.{c}" for t, c in _columns() if c.endswith("_encrypted")}
    assert encrypted == columns
