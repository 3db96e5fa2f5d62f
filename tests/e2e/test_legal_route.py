"""The legal route of an agreement (issue 12): chosen when drafting, through the API, stored,
and in the template data as `legal_route` and its Dutch `legal_route_label`."""

from __future__ import annotations

from typing import Any

from agreements.db.models import Agreement
from agreements.domain.route import LegalRoute
from agreements.services.documents.data import agreement_data
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
