"""The text policy on the command line, on both databases: `users add`, `init` and
`templates add` refuse what the API refuses, in one line naming the option, writing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from agreements.db.models import AuditEntry, User
from agreements.db.sessions import make_engine
from tests.builders import make_docx
from tests.support import run_command

RLO = "\u202e"


def _users(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(conn.scalars(select(User.email)))
    finally:
        engine.dispose()


def _one_line(result, *parts: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for part in parts:
        assert part in result.stderr, result.stderr


def test_users_add_refuses_bad_text_naming_the_option(cli_env, empty_database_url):
    assert run_command(["init"], cli_env).returncode == 0
    env = {**cli_env, "AGREEMENTS_PASSWORD": "a-long-password"}
    before = _users(empty_database_url)

    def add(email: str, *options: str):
        return run_command(["users", "add", email, "--role", "legal", *options], env)

    _one_line(
        add("j@example.org", "--name", f"Zo{RLO} kooH"),
        "--name: contains a bidirectional control character (U+202E) at character 3",
    )
    _one_line(
        add("j@example.org", "--name", "J.\u200b Jurist"),
        "--name: contains an invisible formatting character (U+200B)",
    )
    _one_line(add("j@example.org", "--name", "J.\x01 Jurist"), "--name: contains a control")
    _one_line(add("j@example.org", "--name", "Twee\nregels"), "--name: contains a line break")
    _one_line(add("j@example.org", "--name", "x" * 201), "--name: at most 200 characters")
    _one_line(
        add("j\ufeff@example.org", "--name", "J. Jurist"),
        "EMAIL: contains an invisible formatting character (U+FEFF)",
    )
    _one_line(add("j @example.org", "--name", "J. Jurist"), "EMAIL: not an e-mail address")
    # Looked-up values get the policy too, and what was typed is text, not terminal markup.
    _one_line(
        add("j@example.org", "--name", "J", "--organisation", f"Port{RLO}aal"),
        "--organisation: contains a bidirectional control character (U+202E)",
    )
    _one_line(
        add("j@example.org", "--name", "J", "--organisation", "[/]"), "no organisation named '[/]'"
    )
    _one_line(
        add("j@example.org", "--name", "J", "--team-lead", "a\x1b[31m@x.nl"),
        "--team-lead: contains a control character (U+001B)",
    )
    assert _users(empty_database_url) == before  # no row written
    good = add("j@example.org", "--name", "  Zoë Yılmaz ")
    assert good.returncode == 0, good.stderr
    assert _users(empty_database_url) == sorted([*before, "j@example.org"])


def test_init_refuses_a_bad_admin_email_and_makes_no_admin(cli_env, empty_database_url):
    refused = run_command(["init", "--admin-email", f"admin{RLO}@example.org"], cli_env)
    _one_line(refused, "--admin-email: contains a bidirectional control character (U+202E)")
    assert _users(empty_database_url) == []
    assert run_command(["init", "--admin-email", "admin@example.org"], cli_env).returncode == 0
    assert _users(empty_database_url) == ["admin@example.org"]


def _template_entries(url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(AuditEntry.actor, AuditEntry.subject_id, AuditEntry.detail["kind"])
                .where(AuditEntry.action == "template.add")
                .order_by(AuditEntry.seq)
            )
            return [(actor, subject, str(kind).strip('"')) for actor, subject, kind in rows]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "args,reason",
    [
        (["--title", f"Zo{RLO} kooH"],
         "--title: contains a bidirectional control character (U+202E) at character 3"),
        (["--title", "Brief\x07"], "--title: contains a control character (U+0007)"),
        (["--title", "Brief\u2028"], "--title: contains a line or paragraph separator (U+2028)"),
        (["--title", "x" * 201], "--title: at most 200 characters"),
    ],
)  # fmt: skip
def test_templates_add_refuses_a_bad_title_and_writes_no_file(
    cli_env, empty_database_url, tmp_path: Path, args: list[str], reason: str
) -> None:
    """Through the use case the API calls: the same refusals, and an audited addition."""
    template = tmp_path / "brief.docx"
    template.write_bytes(make_docx("{{ recipient.name }} {{ subject }}"))
    data = Path(cli_env["AGREEMENTS_DATA_DIR"])
    command = ["templates", "add", "brief", str(template), "--kind", "letter"]
    _one_line(run_command([*command, *args], cli_env), reason)
    assert not (data / "templates").exists() or list((data / "templates").rglob("*.docx")) == []
    assert _template_entries(empty_database_url) == []
    added = run_command([*command, "--title", "Brief aan فاطمه\u200cزاده"], cli_env)
    assert added.returncode == 0, added.stderr
    assert "Added brief version 1 (" in added.stdout
    assert len(list((data / "templates").rglob("*.docx"))) == 1
    assert _template_entries(empty_database_url) == [("system:system", "brief:1", "letter")]


def test_templates_add_refuses_a_name_with_a_newline(cli_env, tmp_path: Path) -> None:
    template = tmp_path / "brief.docx"
    template.write_bytes(make_docx("{{ subject }}"))
    result = run_command(
        ["templates", "add", "brief\n", str(template), "--kind", "letter"], cli_env
    )
    _one_line(result, "NAME: contains a line break (U+000A)")
    assert not list((Path(cli_env["AGREEMENTS_DATA_DIR"]) / "templates").rglob("*.docx"))
    badly_named = run_command(
        ["templates", "add", "Brief", str(template), "--kind", "letter"], cli_env
    )
    _one_line(badly_named, "the name 'Brief' must be lower case letters, digits or _")
