"""The `agreements` command as a user runs it: real processes, real databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agreements.db.sessions import make_engine
from tests.support import run_command


def test_init_twice_then_verify_then_tamper(cli_env, empty_database_url):
    first = run_command(["init", "--demo"], cli_env)
    assert first.returncode == 0, first.stderr
    assert "Admin created" in first.stdout and "coordinator@demo.example" in first.stdout
    second = run_command(["init", "--demo"], cli_env)
    assert second.returncode == 0, second.stderr
    assert "Admin exists already" in second.stdout
    ok = run_command(["audit", "verify"], cli_env)
    assert ok.returncode == 0 and "intact" in ok.stdout

    engine = make_engine(empty_database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("UPDATE audit_entries SET action = 'case.read' WHERE seq = 7"))
    engine.dispose()
    broken = run_command(["audit", "verify"], cli_env)
    assert broken.returncode == 1
    assert "entry 7" in broken.stderr
    assert "Traceback" not in broken.stderr and len(broken.stderr.strip().splitlines()) == 1


def test_users_add_and_duplicate(cli_env):
    assert run_command(["init"], cli_env).returncode == 0
    env = {**cli_env, "AGREEMENTS_PASSWORD": "a-long-password"}
    added = run_command(
        ["users", "add", "legal@example.org", "--name", "J. Jurist", "--role", "legal"], env
    )
    assert added.returncode == 0, added.stderr
    again = run_command(
        ["users", "add", "legal@example.org", "--name", "J. Jurist", "--role", "legal"], env
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    partner = run_command(
        [
            "users",
            "add",
            "p@example.org",
            "--name",
            "P",
            "--role",
            "partner",
            "--organisation",
            "Nergens",
        ],
        env,
    )
    assert partner.returncode == 1 and "no organisation named" in partner.stderr


def test_production_without_secret_refuses(tmp_path):
    result = run_command(
        ["init"],
        {
            "AGREEMENTS_MODE": "production",
            "AGREEMENTS_SECRET_KEY": "",
            "AGREEMENTS_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 2
    assert "AGREEMENTS_SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path):
    result = run_command(
        ["init"],
        {
            "AGREEMENTS_MODE": "development",
            "AGREEMENTS_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x",
            "AGREEMENTS_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot use the database")
    assert "Traceback" not in result.stderr


def test_demo_refused_outside_development(tmp_path):
    result = run_command(
        ["init", "--demo"],
        {
            "AGREEMENTS_MODE": "production",
            "AGREEMENTS_SECRET_KEY": "p" * 40,
            "AGREEMENTS_DATA_DIR": str(tmp_path),
            "AGREEMENTS_ADMIN_PASSWORD": "a-long-password",
        },
    )
    assert result.returncode == 1 and "development mode only" in result.stderr


@pytest.mark.parametrize("args", [[], ["users"], ["audit"], ["init"], ["up"], ["serve"]])
def test_help(args):
    result = run_command([*args, "--help"], {})
    assert result.returncode == 0 and "Usage" in result.stdout
