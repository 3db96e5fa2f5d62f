"""Smoke: the demo world answers over HTTP."""


def test_coordinator_reads_demo_case(client, world):
    r = client.get(f"/api/v1/cases/{world.case_portaal}", headers=world.headers("coordinator"))
    assert r.status_code == 200, r.text
    assert r.json()["tenant"]["name"] == "Zoë van 't Hek"


def test_login_attempts_are_rate_limited(client, world):
    limit = world.deps.settings.login_attempts_per_minute
    body = {"email": "nobody@demo.example", "password": "wrong-password"}
    codes = [client.post("/api/v1/auth/login", json=body).status_code for _ in range(limit)]
    assert set(codes) == {401}
    refused = client.post("/api/v1/auth/login", json=body)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
