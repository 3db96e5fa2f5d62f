"""Checks before a document is rendered (issue 12), over the API (problem details naming the
field and a Dutch reason) and on the staff pages (the Dutch message, what was typed kept):
an old judgment without a decision, dates out of order, obligations nobody signs for, and a
payment arrangement one cent off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agreements.db.models import PaymentArrangement
from agreements.web.app import create_app
from tests.flows import CSRF, logged_in, new_case

TODAY = datetime.now(UTC).date()


@pytest.fixture
def app(world: Any) -> Any:
    return create_app(deps=world.deps)


def _refused(r: Any) -> dict[str, str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["reason"] for e in r.json()["errors"]}


def _case(api: TestClient, world: Any, tenant: str) -> dict[str, Any]:
    return new_case(api, world, tenant, contract_street="Oudegracht", route="lease_dissolved")


def test_an_old_judgment_without_a_decision_is_not_rendered(app: Any, world: Any) -> None:
    api = TestClient(app, raise_server_exceptions=False)
    made = _case(api, world, "Controle Vonnis")
    url = f"/api/v1/agreements/{made['agreement']}/documents"
    errors = _refused(api.post(url, headers=world.headers("coordinator"), json={}))
    assert list(errors) == ["judgment.decision"]
    assert "13 maanden oud" in errors["judgment.decision"]
    assert "geen besluit" in errors["judgment.decision"]
    # The staff page says the same in Dutch.
    client, token = logged_in(app, "coordinator")
    page = client.post(f"/overeenkomsten/{made['agreement']}/voorbeeld", data={"csrf": token})
    assert page.status_code == 422 and "Het voorbeeld kan nog niet worden gemaakt" in page.text
    assert "13 maanden oud en er is geen besluit over vastgelegd" in page.text


def test_dates_out_of_order_and_unsigned_obligations_are_named(app: Any, world: Any) -> None:
    api = TestClient(app, raise_server_exceptions=False)
    h = world.headers("coordinator")
    made = _case(api, world, "Controle Datum")
    later = api.post(
        "/api/v1/judgments",
        headers=h,
        json={
            "case_id": made["case"],
            "court": "Rechtbank Midden-Nederland",
            "case_number": "UC EXPL 26-1",
            "judgment_date": (TODAY - timedelta(days=100)).isoformat(),  # after the start
            "operative_decision": "Ontbinding en ontruiming.",
            "suspension_conditions": "Niet uitvoeren zolang de afspraken worden nagekomen.",
        },
    ).json()
    patch = {
        "eviction_judgment_id": later["id"],
        "obligations": [
            {"party": "tenant", "text": "Ik betaal de huur op tijd."},
            {"party": "care_provider", "text": "De zorgaanbieder komt elke week."},
        ],
    }
    r = api.patch(f"/api/v1/agreements/{made['agreement']}", headers=h, json=patch)
    assert r.status_code == 200, r.text
    url = f"/api/v1/agreements/{made['agreement']}/documents"
    errors = _refused(api.post(url, headers=h, json={}))
    assert set(errors) == {"term.start", "obligations.care_provider"}
    assert "vóór het vonnis" in errors["term.start"]
    assert "niemand tekent als zorgaanbieder" in errors["obligations.care_provider"]


def test_a_payment_arrangement_one_cent_off_is_refused(app: Any, world: Any) -> None:
    api = TestClient(app, raise_server_exceptions=False)
    h = world.headers("coordinator")
    made = _case(api, world, "Controle Cent")
    body = {
        "case_id": made["case"],
        "arrears": "100.01",
        "instalment": "50.00",
        "start_date": TODAY.isoformat(),
        "number_of_terms": 2,
        "iban": "NL91ABNA0417164300",
        "creditor_id": world.org["Portaal"],
    }
    errors = _refused(api.post("/api/v1/payment-arrangements", headers=h, json=body))
    assert errors["number_of_terms"].startswith(
        "De termijnen tellen op tot € 100,00, maar de achterstand is € 100,01."
    )
    # One stored before the check (or changed behind the service's back) is not rendered.
    made_ok = api.post("/api/v1/payment-arrangements", headers=h, json={**body, "arrears": "100"})
    assert made_ok.status_code == 201, made_ok.text
    with world.deps.db.begin() as session:
        row = session.get(PaymentArrangement, made_ok.json()["id"])
        assert row is not None
        row.arrears_cents = 10001
    url = f"/api/v1/payment-arrangements/{made_ok.json()['id']}/documents"
    errors = _refused(api.post(url, headers=h))
    assert errors == {
        "arrears.amount": "De termijnen tellen op tot € 100,00, maar de achterstand is € 100,01."
    }
    # The staff form: the sums in Dutch, what was typed kept.
    client, token = logged_in(app, "coordinator")
    typed = {"csrf": token, "arrears": "100,01", "instalment": "50,00", "frequency": "monthly",
             "start_date": TODAY.isoformat(), "number_of_terms": "2",
             "iban": "NL91ABNA0417164300", "creditor_id": str(world.org["Portaal"])}  # fmt: skip
    page = client.post(f"/zaken/{made['case']}/dossier/betalingsregeling", data=typed)
    assert page.status_code == 422
    text = page.text.replace("\xa0", " ")
    assert "De termijnen tellen op tot € 100,00, maar de achterstand is € 100,01." in text
    assert 'value="100,01"' in page.text and 'value="50,00"' in page.text
    assert CSRF.search(page.text)
