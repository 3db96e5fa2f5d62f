"""The legal route of an agreement (issue 12): chosen when drafting, through the API, stored,
and in the template data as `legal_route` and its Dutch `legal_route_label`."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from agreements.db.models import Agreement
from agreements.domain.route import LegalRoute
from agreements.services.documents.data import agreement_data
from agreements.services.reminders import sources
from tests.flows import new_case


def test_the_route_is_set_and_changed_through_the_api(client: Any, world: Any) -> None:
    h = world.headers("coordinator")
    made = new_case(client, world, "Route Test", contract_street="Oudegracht")
    url = f"/api/v1/agreements/{made['agreement']}"
    assert client.get(url, headers=h).json()["legal_route"] is None
    r = client.patch(url, headers=h, json={"legal_route": "lease_dissolved"})
    assert r.status_code == 200 and r.json()["legal_route"] == "lease_dissolved", r.text
    bad = client.patch(url, headers=h, json={"legal_route": "huur"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["legal_route"]
    assert client.get(url, headers=h).json()["legal_route"] == "lease_dissolved"
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schema["LegalRoute"]["enum"]) == {r.value for r in LegalRoute}
    assert "legal_route" in schema["AgreementIn"]["properties"]


def test_a_new_agreement_takes_its_route_and_the_data_carries_it(client: Any, world: Any) -> None:
    h = world.headers("coordinator")
    made = new_case(client, world, "Route Nieuw", contract_street="Oudegracht")
    old = client.get(f"/api/v1/agreements/{made['agreement']}", headers=h).json()
    body = {
        k: old[k] for k in ("case_id", "tenancy_contract_id", "eviction_judgment_id", "start_date")
    }
    body |= {
        "end_date": old["end_date"],
        "obligations": [{"party": "tenant", "text": "Ik betaal de huur."}],
        "legal_route": "second_chance",
    }
    r = client.post("/api/v1/agreements", headers=h, json=body)
    assert r.status_code == 201 and r.json()["legal_route"] == "second_chance", r.text


def test_the_demo_agreement_follows_its_dissolving_judgment(world: Any) -> None:
    with world.deps.db() as session:
        agreement = session.get(Agreement, _demo_agreement(world))
        assert agreement is not None
        assert agreement.legal_route is LegalRoute.LEASE_DISSOLVED
        data = agreement_data(session, agreement, world.deps.settings, world.deps.today(_now()))
    assert data["legal_route"] == "lease_dissolved"
    assert data["legal_route_label"] == LegalRoute.LEASE_DISSOLVED.label
    assert data["legal_route_label"].startswith("huurovereenkomst ontbonden")


def _demo_agreement(world: Any) -> int:
    from sqlalchemy import select

    with world.deps.db() as session:
        found = session.scalar(
            select(Agreement.id).where(Agreement.case_id == world.case_portaal).limit(1)
        )
    assert found is not None
    return int(found)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _live(client: Any, world: Any, tenant: str, route: str) -> dict[str, Any]:
    return new_case(client, world, tenant, contract_street="Oudegracht", route=route, live=True)


def test_the_report_flags_a_route_that_contradicts_the_judgment(client: Any, world: Any) -> None:
    tenant = f"Route Strijd {uuid.uuid4().hex[:6]}"
    _live(client, world, tenant, "lease_continues")  # the judgment: "Ontbinding en ontruiming."
    r = client.get("/api/v1/legal/integrity", headers=world.headers("jurist"), params={"q": tenant})
    row = r.json()["items"][0]
    assert row["status"] == "problem" and row["legal_route"] == "lease_continues"
    assert any("leeft de huurovereenkomst niet weer op" in f for f in row["findings"])


def test_judgment_age_reminders_follow_the_route(client: Any, world: Any) -> None:
    """A second-chance lease holds no judgment in reserve: no age reminders for it."""
    kept = _live(client, world, f"Route Vonnis {uuid.uuid4().hex[:6]}", "lease_dissolved")
    lease = _live(client, world, f"Route Tweede {uuid.uuid4().hex[:6]}", "second_chance")
    today = world.deps.today(_now())
    with world.deps.db() as session:
        found = {
            c.subject_id
            for c in sources.judgment_rules(session, world.deps.settings, date(2000, 1, 1), today)
        }
    assert kept["judgment"]["id"] in found
    assert lease["judgment"]["id"] not in found
