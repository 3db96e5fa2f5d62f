"""A new judgment linked and the agreement amended to it (issue 12): after a decision to get a
new judgment, the live agreement's link changes (nothing else may), a new version renders
with the new judgment, and the report no longer asks for a decision."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.converters import pdf_text
from tests.flows import CONFIRM, decide, new_case

TODAY = datetime.now(UTC).date()


def test_a_new_judgment_is_linked_and_the_agreement_amended_to_it(flow, world):
    client, _, _ = flow
    h = world.headers("coordinator")
    tenant = f"Nieuw Vonnis {uuid.uuid4().hex[:6]}"
    made = new_case(client, world, tenant, contract_street="Oudegracht", route="lease_dissolved")
    url = f"/api/v1/agreements/{made['agreement']}"
    refused = client.post(f"{url}/documents", headers=h, json=CONFIRM)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["judgment.decision"]
    decide(client, world, made["agreement"], "new_judgment")
    first = client.post(f"{url}/documents", headers=h, json=CONFIRM).json()
    assert first["status"] == "ready", first
    live = client.patch(url, headers=h, json={"status": "out_for_signature"})
    assert live.status_code == 200, live.text

    number = f"UC EXPL 26-{uuid.uuid4().hex[:4]}"
    new = client.post(
        "/api/v1/judgments",
        headers=h,
        json={
            "case_id": made["case"],
            "court": "Rechtbank Midden-Nederland",
            "case_number": number,
            "judgment_date": (TODAY - timedelta(days=20)).isoformat(),
            "served_date": (TODAY - timedelta(days=10)).isoformat(),
            "operative_decision": "De kantonrechter ontbindt de huurovereenkomst.",
            "suspension_conditions": "Niet uitvoeren zolang de afspraken worden nagekomen.",
        },
    ).json()
    # A live agreement changes its judgment (an amendment), and nothing else.
    assert client.patch(url, headers=h, json={"end_date": "2030-01-01"}).status_code == 409
    amended = client.patch(url, headers=h, json={"eviction_judgment_id": new["id"]})
    assert amended.status_code == 200 and amended.json()["eviction_judgment_id"] == new["id"]

    second = client.post(f"{url}/documents", headers=h, json=CONFIRM).json()
    assert second["status"] == "ready" and second["number"] == first["number"] + 1, second
    pdf = client.get(f"/api/v1/document-versions/{second['id']}/pdf", headers=h)
    assert pdf.status_code == 200
    assert number in pdf_text(pdf.content).replace("\n", " ")
    row = client.get(
        "/api/v1/legal/integrity", headers=world.headers("jurist"), params={"q": tenant}
    ).json()["items"][0]
    assert row["judgment_case_number"] == number and row["judgment_level"] == "ok"
    assert not any("geen besluit" in f for f in row["findings"]), row["findings"]
    assert not any("noemt het vonnis" in f for f in row["findings"]), row["findings"]
