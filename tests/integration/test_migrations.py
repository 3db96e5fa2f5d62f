"""Migrations from an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from agreements.db import migrate
from agreements.db.models import Base
from agreements.db.sessions import make_engine


def test_upgrade_from_empty_twice_and_back(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        migrate.upgrade(engine)  # a no-op the second time
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        migrate.downgrade(engine)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    finally:
        engine.dispose()


def test_models_match_the_migrations(empty_database_url):
    """A model change without a migration fails here."""
    engine = make_engine(empty_database_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_upgrade_keeps_data_through_every_revision(empty_database_url):
    """SQLite rebuilds tables to change them: data and references must survive that."""
    from sqlalchemy import text

    engine = make_engine(empty_database_url)
    try:
        migrate.upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisations (id, name, kind, created_at) "
                    "VALUES (1, 'Portaal', 'housing_corporation', '2026-01-01 00:00:00+00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, role, organisation_id, password_hash, "
                    "active, created_at) VALUES (1, 'p@example.org', 'P', 'partner', 1, 'x', "
                    "true, '2026-01-01 00:00:00+00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO auth_tokens (user_id, kind, name, digest, created_at, expires_at) "
                    "VALUES (1, 'bearer', 't', 'd', '2026-01-01 00:00:00+00:00', "
                    "'2027-01-01 00:00:00+00:00')"
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT email, team_lead_id FROM users")).one() == (
                "p@example.org",
                None,
            )
            assert conn.execute(text("SELECT count(*) FROM auth_tokens")).scalar() == 1
    finally:
        engine.dispose()
