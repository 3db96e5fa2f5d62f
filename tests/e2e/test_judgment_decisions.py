"""The twelve-month decision on a judgment (issue 12): without one, an old judgment held in
reserve is a problem in the link-integrity report and on the coordinator's dashboard;
legal staff or the case's corporation record one (API and the case's legal page), with who,
when and why, in the audit log; recording it clears the problem."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agreements.db.models import AuditEntry
from agreements.web.app import create_app
from tests.flows import logged_in, new_case


@pytest.fixture
def app(world: Any) -> Any:
    return create_app(deps=world.deps)


def live_old_case(app: Any, world: Any) -> tuple[str, dict[str, Any]]:
    """A live agreement whose judgment is 400 days (13 months) old; no decision yet."""
    api = TestClient(app, raise_server_exceptions=False)
    tenant = f"Besluit {uuid.uuid4().hex[:8]}"
    made = new_case(
        api, world, tenant, contract_street="Oudegracht", route="lease_dissolved", live=True
    )
    return tenant, made


def _row(api: TestClient, world: Any, tenant: str) -> dict[str, Any]:
    r = api.get("/api/v1/legal/integrity", headers=world.headers("jurist"), params={"q": tenant})
    assert r.status_code == 200 and r.json()["total"] == 1, r.text
    return r.json()["items"][0]


def test_an_old_judgment_needs_a_decision_and_recording_one_clears_it(app, world) -> None:
    api = TestClient(app, raise_server_exceptions=False)
    tenant, made = live_old_case(app, world)
    row = _row(api, world, tenant)
    assert row["status"] == "problem" and row["decision"] is None
    assert row["legal_route"] == "lease_dissolved"
    assert any("geen besluit vastgelegd" in f for f in row["findings"])
    coordinator, _ = logged_in(app, "coordinator")
    work = coordinator.get("/werk").text
    assert "Besluit over het vonnis nodig" in work and f"/juridisch/zaken/{made['case']}" in work

    url = f"/api/v1/agreements/{made['agreement']}/judgment-decisions"
    # Bad input: a problem detail naming each field and why.
    bad = api.post(url, headers=world.headers("jurist"), json={"choice": "maybe", "reason": ""})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem")
    assert {e["field"] for e in bad.json()["errors"]} == {"choice", "reason"}
    # The coordinator and another corporation do not decide; Portaal (the case's) may.
    body = {"choice": "continue", "reason": "Huurder betaalt sinds drie maanden; risico aanvaard."}
    assert api.post(url, headers=world.headers("coordinator"), json=body).status_code == 403
    assert api.post(url, headers=world.headers("mitros"), json=body).status_code == 404
    made_by = api.post(url, headers=world.headers("jurist"), json=body)
    assert made_by.status_code == 201, made_by.text
    decision = made_by.json()
    assert decision["choice"] == "continue" and decision["decided_by_name"] == "Laura de Graaf"
    assert decision["eviction_judgment_id"] == made["judgment"]["id"]
    listed = api.get(url, headers=world.headers("portaal")).json()
    assert [d["id"] for d in listed] == [decision["id"]]

    row = _row(api, world, tenant)
    assert row["decision"] == "continue" and row["status"] != "problem", row["findings"]
    assert any("Laura de Graaf" in f and "risico aanvaarden" in f for f in row["findings"])
    assert f"/juridisch/zaken/{made['case']}" not in coordinator.get("/werk").text
    with world.deps.db() as session:
        entry = session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "judgment_decision.create",
                AuditEntry.subject_id == str(decision["id"]),
            )
        )
    assert entry is not None and entry.detail["choice"] == "continue"


def test_a_decision_to_act_stays_a_warning_and_a_new_judgment_starts_again(app, world) -> None:
    api = TestClient(app, raise_server_exceptions=False)
    tenant, made = live_old_case(app, world)
    url = f"/api/v1/agreements/{made['agreement']}/judgment-decisions"
    body = {"choice": "new_judgment", "reason": "Nieuwe afspraken gebroken; nieuw vonnis vragen."}
    assert api.post(url, headers=world.headers("portaal"), json=body).status_code == 201
    row = _row(api, world, tenant)
    assert row["status"] == "warning" and row["decision"] == "new_judgment", row["findings"]


def test_the_legal_page_records_a_decision_and_keeps_what_was_typed(app, world) -> None:
    _, made = live_old_case(app, world)
    client, token = logged_in(app, "jurist")
    page = client.get(f"/juridisch/zaken/{made['case']}")
    assert page.status_code == 200, page.text
    assert "Besluit over het vonnis vastleggen" in page.text
    assert "geen besluit vastgelegd" in page.text and "Ontbinding en ontruiming." in page.text
    typed = {"csrf": token, "choice": "", "reason": "Kort"}
    bad = client.post(f"/juridisch/zaken/{made['case']}/besluit", data=typed)
    assert bad.status_code == 422
    assert "Kies een besluit." in bad.text and ">Kort</textarea>" in bad.text
    assert "minstens tien tekens" in bad.text
    good = client.post(
        f"/juridisch/zaken/{made['case']}/besluit",
        data={**typed, "choice": "convert_to_lease", "reason": "Omzetten naar tweedekans."},
    )
    assert good.status_code == 303, good.text
    shown = client.get(good.headers["location"]).text
    assert "Het besluit over het vonnis is vastgelegd." in shown
    assert "omzetten naar een (tweedekans)huurovereenkomst" in shown and "Laura de Graaf" in shown
    coordinator, _ = logged_in(app, "coordinator")
    own = coordinator.get(f"/juridisch/zaken/{made['case']}").text
    assert "Besluit over het vonnis vastleggen" not in own  # the coordinator does not decide
    assert "legt de jurist of de woningcorporatie van deze zaak vast" in own
