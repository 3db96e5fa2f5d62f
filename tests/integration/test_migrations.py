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
            include = migrate.on_dialect(connection.dialect.name)
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include}
            )
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


def test_joined_tenant_names_become_a_tenant_and_a_co_tenant(empty_database_url):
    """0016: "Ünal & Zoë Yılmaz" was one person; now each signs for herself."""
    from sqlalchemy import text

    engine = make_engine(empty_database_url)
    at = "'2026-01-01 00:00:00+00:00'"
    try:
        migrate.upgrade(engine, "0015")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, role, password_hash, active, created_at) "
                    f"VALUES (1, 'c@example.org', 'C', 'coordinator', 'x', true, {at})"
                )
            )
            ids = {}  # by the database's own sequence, as the migration's new person is
            for n, name in enumerate(["Ünal & Zoë Yılmaz", "Zoë van 't Hek", "Jan en Piet"], 1):
                ids[n] = conn.execute(
                    text(
                        "INSERT INTO people (name, email, street, house_number, postcode, "
                        f"city, created_at) VALUES (:name, 'h{n}@example.org', "
                        f"'Kanaalstraat', '12', '3531 CJ', 'Utrecht', {at}) RETURNING id"
                    ),
                    {"name": name},
                ).scalar_one()
                conn.execute(
                    text(
                        "INSERT INTO cases (id, status, coordinator_id, tenant_id, start_date, "
                        "planned_end_date, street, house_number, postcode, city, created_at, "
                        f"updated_at) VALUES ({n}, 'active', 1, {ids[n]}, '2026-01-31', "
                        f"'2029-01-31', 'Kanaalstraat', '12', '3531 CJ', 'Utrecht', {at}, {at})"
                    )
                )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            names = dict(conn.execute(text("SELECT id, name FROM people")).tuples().all())
            co = conn.execute(text("SELECT case_id, person_id FROM case_co_tenants")).all()
            second = conn.execute(
                text("SELECT email, street, city FROM people WHERE name = 'Zoë Yılmaz'")
            ).one()
        assert names[ids[1]] == "Ünal Yılmaz" and names[ids[2]] == "Zoë van 't Hek"
        assert names[ids[3]] == "Jan en Piet"  # no family name to share: left as it was
        assert [(case_id, names[person]) for case_id, person in co] == [(1, "Zoë Yılmaz")]
        assert tuple(second) == (None, "Kanaalstraat", "Utrecht")
    finally:
        engine.dispose()
