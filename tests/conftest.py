"""Fixtures shared by every layer: settings for tests, databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

# Settings are read from the environment; set them before any `agreements` import.
_DATA = Path(tempfile.mkdtemp(prefix="agreements-tests-"))
os.environ.setdefault("AGREEMENTS_MODE", "test")
os.environ.setdefault("AGREEMENTS_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
os.environ.setdefault("AGREEMENTS_DATA_DIR", str(_DATA))
os.environ.setdefault("AGREEMENTS_SEAL_PASSWORD", "test-seal-password")
# The demo logins of most tests sign in with the password only; the sign-in tests ask for
# the second factor in their own settings.
os.environ.setdefault("AGREEMENTS_SECOND_FACTOR_ROLES", "[]")
# Many tests try a wrong password on the shared demo accounts (rate limits, error pages);
# the lock-out would lock those accounts for the tests after them. The sign-in tests set
# their own limit.
os.environ.setdefault("AGREEMENTS_LOCKOUT_FAILURES", "1000")
os.environ.pop("AGREEMENTS_DATABASE_URL", None)

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from agreements.db import migrate  # noqa: E402
from agreements.db.models import Base  # noqa: E402
from agreements.db.sessions import make_database, make_engine  # noqa: E402
from agreements.services.context import Deps  # noqa: E402
from agreements.settings import Settings  # noqa: E402
from templates.pool import ConverterPool  # noqa: E402
from tests import contract  # noqa: E402
from tests.flows import Inbox  # noqa: E402
from tests.support import (  # noqa: E402
    port_open,
    require,
    require_libreoffice,
    signing_app,
    smtp_server,
)

POSTGRES_URL = os.environ.get(
    "AGREEMENTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    # Every answer a test gets from a TestClient is checked against /openapi.json.
    contract.install()


def make_test_settings(**overrides: object) -> Settings:
    return Settings(mode="test", data_dir=_DATA, **overrides)  # type: ignore[arg-type]


class PostgresServer:
    """Makes throw-away databases on the PostgreSQL server the tests were pointed at."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        name = f"agreements_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    host = make_url(POSTGRES_URL).host or "127.0.0.1"
    port = make_url(POSTGRES_URL).port or 5432
    require("PostgreSQL", port_open(host, port), POSTGRES_URL)
    server = PostgresServer(POSTGRES_URL)
    yield server
    server.admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database (no schema) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'agreements.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create()
    yield url
    server.drop(url)


@pytest.fixture
def fresh_deps(empty_database_url: str) -> Iterator[Deps]:
    """A migrated, empty database of its own (for tests that need a pristine one)."""
    engine = make_engine(empty_database_url)
    migrate.upgrade(engine)
    yield Deps(db=make_database(engine), settings=make_test_settings())
    engine.dispose()


def all_tables() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables]


class World:
    """The demo data on one backend, with a logged-in token per demo account."""

    def __init__(self, deps: Deps, backend: str) -> None:
        from sqlalchemy import select

        from agreements.db.models import Case, Organisation, Person
        from agreements.services import demo
        from agreements.services.access import accounts as auth

        self.deps, self.backend = deps, backend
        demo.seed_demo(deps=deps, now=NOW)
        with deps.db() as session:
            self.org = {o.name: o.id for o in session.scalars(select(Organisation))}
            cases = list(session.scalars(select(Case).order_by(Case.id)))
            self.case_portaal, self.case_mitros = cases[0].id, cases[1].id
            self.tenant_portaal = cases[0].tenant_id
            self.tenant_mitros = cases[1].tenant_id
            self.people = [p.id for p in session.scalars(select(Person))]
        self.tokens = {
            login.email.split("@")[0]: auth.login(
                login.email, demo.DEMO_PASSWORD, deps=deps, now=datetime.now(UTC)
            ).token
            for login in demo.LOGINS
        }
        from agreements.domain.enums import Role
        from agreements.domain.policy import SYSTEM

        auth.create_user(
            "admin@test.example",
            "Admin",
            Role.ADMIN,
            demo.DEMO_PASSWORD,
            deps=deps,
            actor=SYSTEM,
            now=NOW,
        )
        self.tokens["admin"] = auth.login(
            "admin@test.example", demo.DEMO_PASSWORD, deps=deps, now=datetime.now(UTC)
        ).token

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """Seeded once per backend per test run; tests add what they need and never delete."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('world') / 'world.db'}"
        server = None
    else:
        server = request.getfixturevalue("postgres")
        url = server.create()
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield World(Deps(db=make_database(engine), settings=make_test_settings()), request.param)
    engine.dispose()
    if server is not None:
        server.drop(url)


@pytest.fixture
def client(world: World) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from agreements.web.app import create_app

    with TestClient(create_app(deps=world.deps), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def pool() -> Iterator[ConverterPool]:
    """One LibreOffice converter, shared by every test that renders, for the whole run."""
    require_libreoffice()
    with ConverterPool(size=1) as converter_pool:
        yield converter_pool


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A loopback SMTP server per test module, keeping what it is sent."""
    inbox = Inbox()
    with smtp_server(inbox) as port:
        yield inbox, port


@pytest.fixture
def flow(world, pool, smtp):
    """The API as the signing tests use it: client, deps (huey immediate) and the inbox."""
    inbox, port = smtp
    inbox.clear()
    with signing_app(world, pool, smtp_port=port) as (client, deps):
        yield client, deps, inbox
