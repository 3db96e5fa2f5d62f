"""Smoke: the demo world answers over HTTP."""


def test_coordinator_reads_demo_case(client, world):
    r = client.get(f"/api/v1/cases/{world.case_portaal}", headers=world.headers("coordinator"))
    assert r.status_code == 200, r.text
    assert r.json()["tenant"]["name"] == "Zoë van 't Hek"
