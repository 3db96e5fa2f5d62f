"""Bearer tokens end with their login; owners and admins list and revoke them; integrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from agreements.db import migrate
from agreements.db.models import AuditEntry
from agreements.db.sessions import make_engine
from tests.flows import PASSWORD, assert_problem

API = "/api/v1"
EMAIL = {
    "coordinator": "coordinator@demo.example",
    "portaal": "portaal@demo.example",
    "admin": "admin@test.example",
}


def login(client: TestClient, who: str) -> dict[str, str]:
    """A login of its own (the shared world's logins must survive these tests)."""
    r = client.post(f"{API}/auth/login", json={"email": EMAIL[who], "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def mint(client: TestClient, h: dict[str, str], **body: Any) -> dict[str, Any]:
    r = client.post(f"{API}/auth/tokens", json={"name": "koppeling", **body}, headers=h)
    assert r.status_code == 201, r.text
    return dict(r.json())


def bearer(made: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {made['token']}"}


def works(client: TestClient, h: dict[str, str]) -> bool:
    r = client.get(f"{API}/auth/me", headers=h)
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


def listed(client: TestClient, h: dict[str, str], **params: Any) -> dict[int, dict[str, Any]]:
    r = client.get(f"{API}/auth/tokens", headers=h, params=params)
    assert r.status_code == 200, r.text
    assert all("token" not in t for t in r.json())  # the list never shows a token
    return {t["id"]: t for t in r.json()}


def audited(world: Any, action: str, token_id: int) -> int:
    with world.deps.db() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        return sum(1 for e in entries if (e.detail or {}).get("token") == token_id)


def test_a_bearer_token_ends_with_the_login_it_was_made_from(client: Any, world: Any) -> None:
    session = login(client, "coordinator")
    mine = listed(client, session)
    login_id = next(t["id"] for t in mine.values() if t["current"])
    made = mint(client, session, days=366)
    assert made["kind"] == "bearer" and made["token_type"] == "bearer"
    # Never longer than the login (12 hours), whatever was asked for.
    login_row = mine[login_id]
    assert datetime.fromisoformat(made["expires_at"]) <= datetime.fromisoformat(
        login_row["expires_at"]
    )
    assert works(client, bearer(made))
    # A token made with that token hangs from the same login.
    second = mint(client, bearer(made), days=1)
    now_listed = listed(client, session)
    assert now_listed[made["id"]]["parent_id"] == login_id
    assert now_listed[second["id"]]["parent_id"] == login_id
    assert now_listed[login_id]["kind"] == "session" and now_listed[login_id]["current"]
    assert client.post(f"{API}/auth/logout", headers=session).status_code == 204
    assert not works(client, session)
    assert not works(client, bearer(made)) and not works(client, bearer(second))
    assert audited(world, "auth.token_create", made["id"]) == 1
    # Logging out elsewhere does not touch the shared world's own login.
    assert works(client, world.headers("coordinator"))


def test_the_owner_lists_and_revokes_a_token(client: Any, world: Any) -> None:
    session = login(client, "coordinator")
    made = mint(client, session, name="boekhouding")
    row = listed(client, session)[made["id"]]
    assert row["name"] == "boekhouding" and row["user_id"] == made["user"]["id"]
    assert row["created_by"] == made["user"]["id"] and not row["current"]
    r = client.delete(f"{API}/auth/tokens/{made['id']}", headers=session)
    assert r.status_code == 204, r.text
    assert not works(client, bearer(made)) and works(client, session)
    assert made["id"] not in listed(client, session)
    assert_problem(client.delete(f"{API}/auth/tokens/{made['id']}", headers=session), 404)
    assert audited(world, "auth.token_revoke", made["id"]) == 1
    # Revoking the login itself (from another device, say) ends its bearer tokens too.
    other = login(client, "coordinator")
    child = mint(client, other)
    other_id = next(t["id"] for t in listed(client, other).values() if t["current"])
    assert client.delete(f"{API}/auth/tokens/{other_id}", headers=session).status_code == 204
    assert not works(client, other) and not works(client, bearer(child))


def test_someone_elses_token_is_not_found(client: Any, world: Any) -> None:
    owner = login(client, "coordinator")
    made = mint(client, owner)
    partner = login(client, "portaal")
    r = client.delete(f"{API}/auth/tokens/{made['id']}", headers=partner)
    missing = client.delete(f"{API}/auth/tokens/2000000000", headers=partner)
    assert_problem(r, 404)
    assert_problem(missing, 404)
    assert r.json()["detail"].replace(str(made["id"]), "N") == missing.json()["detail"].replace(
        "2000000000", "N"
    )
    assert works(client, bearer(made))
    assert made["id"] not in listed(client, partner)
    assert_problem(
        client.get(f"{API}/auth/tokens", headers=partner, params={"user_id": made["user"]["id"]}),
        403,
    )
    # Nor can a partner make a token that acts as someone else.
    r = client.post(f"{API}/auth/tokens", headers=partner,
                    json={"name": "x", "user_id": made["user"]["id"]})  # fmt: skip
    assert_problem(r, 422)
    assert {e["field"] for e in r.json()["errors"]} == {"user_id"}
    # A calendar link is not a login token: it is not listed nor revoked here.
    feed = client.post(f"{API}/auth/calendar-feed", headers=owner)
    assert feed.status_code == 201
    assert all(t["kind"] != "calendar" for t in listed(client, owner).values())
    client.delete(f"{API}/auth/tokens/{made['id']}", headers=owner)


def test_an_admin_lists_and_revokes_anyones_token(client: Any, world: Any) -> None:
    owner = login(client, "coordinator")
    made = mint(client, owner)
    admin = login(client, "admin")
    theirs = listed(client, admin, user_id=made["user"]["id"])
    assert made["id"] in theirs and all(t["user_id"] == made["user"]["id"] for t in theirs.values())
    assert made["id"] not in listed(client, admin)  # without user_id: the admin's own
    assert client.delete(f"{API}/auth/tokens/{made['id']}", headers=admin).status_code == 204
    assert not works(client, bearer(made)) and works(client, owner)


def test_integration_tokens_are_an_admins_and_outlive_the_login(client: Any, world: Any) -> None:
    coordinator = login(client, "coordinator")
    assert_problem(
        client.post(f"{API}/auth/tokens", json={"name": "x", "integration": True},
                    headers=coordinator), 403,
    )  # fmt: skip
    coordinator_id = client.get(f"{API}/auth/me", headers=coordinator).json()["user_id"]
    admin = login(client, "admin")
    admin_id = client.get(f"{API}/auth/me", headers=admin).json()["user_id"]
    longest = world.deps.settings.integration_token_days
    too_long = client.post(
        f"{API}/auth/tokens",
        json={"name": "x", "integration": True, "days": longest + 1},
        headers=admin,
    )
    assert {e["field"] for e in assert_problem(too_long, 422)["errors"]} == {"days"}
    for bad in ({"integration": 1}, {"integration": "true"}, {"days": True}):
        r = client.post(f"{API}/auth/tokens", json={"name": "x", **bad}, headers=admin)
        assert_problem(r, 422)
    made = mint(client, admin, integration=True, days=longest, user_id=coordinator_id)
    assert made["kind"] == "integration" and made["user"]["id"] == coordinator_id
    assert client.get(f"{API}/auth/me", headers=bearer(made)).json()["role"] == "coordinator"
    row = listed(client, coordinator)[made["id"]]
    assert row["created_by"] == admin_id and row["parent_id"] is None
    assert client.post(f"{API}/auth/logout", headers=admin).status_code == 204
    assert client.post(f"{API}/auth/logout", headers=coordinator).status_code == 204
    assert works(client, bearer(made))
    # Its owner can end it, like any of their tokens.
    again = login(client, "coordinator")
    assert client.delete(f"{API}/auth/tokens/{made['id']}", headers=again).status_code == 204
    assert not works(client, bearer(made))


def test_migration_keeps_admins_bearer_tokens_and_ends_the_others(
    empty_database_url: str,
) -> None:
    engine = make_engine(empty_database_url)
    try:
        migrate.upgrade(engine, "0011")
        with engine.begin() as conn:
            for uid, role in ((1, "admin"), (2, "coordinator")):
                conn.execute(text(
                    "INSERT INTO users (id, email, name, role, password_hash, active, created_at) "
                    f"VALUES ({uid}, 'u{uid}@example.org', 'U', '{role}', 'x', true, "
                    "'2026-01-01 00:00:00+00:00')"
                ))  # fmt: skip
                conn.execute(text(
                    "INSERT INTO auth_tokens (user_id, kind, name, digest, created_at, expires_at)"
                    f" VALUES ({uid}, 'bearer', 't', 'd{uid}', '2026-01-01 00:00:00+00:00', "
                    "'2027-01-01 00:00:00+00:00')"
                ))  # fmt: skip
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT user_id, kind, revoked_at IS NULL, created_by FROM auth_tokens "
                "ORDER BY user_id"
            )).all()  # fmt: skip
        assert [tuple(r) for r in rows] == [(1, "integration", True, 1), (2, "bearer", False, 2)]
        migrate.downgrade(engine, "0011")
    finally:
        engine.dispose()
