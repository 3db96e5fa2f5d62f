"""Required data before drafting (issue 14): the signing parties, checked e-mail addresses,
and the draft page's checklist of what the template still needs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from agreements.domain import values
from agreements.domain.enums import Role
from agreements.domain.errors import ValidationFailed
from agreements.domain.policy import SYSTEM
from agreements.services.access import accounts
from agreements.web.app import create_app
from tests.flows import agreement_body, case_with_file, logged_in

BAD = "fatima.elamrani@voorbeeld"


def test_no_agreement_without_corporation_coordinator_and_municipality(client, world):
    h = world.headers("coordinator")
    case = case_with_file(client, world, "Zonder Partijen", parties=("Het Vierde Huis",))
    r = client.post("/api/v1/agreements", headers=h, json=agreement_body(case))
    assert r.status_code == 422, r.text
    body = r.json()
    assert [e["field"] for e in body["errors"]] == ["parties.corporation", "parties.municipality"]
    assert "housing corporation" in body["detail"] and "municipality" in body["detail"]
    whole = case_with_file(client, world, "Met Partijen")
    made = client.post("/api/v1/agreements", headers=h, json=agreement_body(whole))
    assert made.status_code == 201, made.text


def test_the_drafting_page_names_the_missing_parties_and_keeps_the_form(client, world):
    parties = ("Portaal", "Het Vierde Huis")
    case = case_with_file(client, world, "Pagina Zonder Gemeente", parties=parties)
    staff, token = logged_in(client.app, "coordinator")
    assert staff.get(f"/zaken/{case['id']}/overeenkomst").status_code == 200
    body = agreement_body(case)
    typed = {"csrf": token, "tenancy_contract_id": str(case["contract_id"]),
             "eviction_judgment_id": str(case["judgment_id"]),
             "start_date": body["start_date"], "end_date": body["end_date"],
             "legal_route": "lease_continues", "reason": "Waarom wij dit doen",
             "obligations.tenant": "Ik betaal de huur op tijd."}  # fmt: skip
    refused = staff.post(f"/zaken/{case['id']}/overeenkomst", data=typed)
    assert refused.status_code == 422
    assert "Deze zaak mist nog een partij die de overeenkomst tekent: de gemeente." in refused.text
    assert "Ik betaal de huur op tijd." in refused.text and "Waarom wij dit doen" in refused.text


def test_the_draft_page_lists_what_the_template_still_needs(client, world):
    h = world.headers("coordinator")
    case = case_with_file(client, world, "Zonder Geboortedatum")
    made = client.post("/api/v1/agreements", headers=h, json=agreement_body(case))
    assert made.status_code == 201, made.text
    staff, token = logged_in(client.app, "coordinator")
    page = staff.get(f"/overeenkomsten/{made.json()['id']}")
    assert page.status_code == 200
    assert "Wat het sjabloon nog nodig heeft" in page.text
    link = re.search(r'<li><a href="([^"]+)">Vul eerst in: de geboortedatum van de huurder\.</a>',
                     page.text)  # fmt: skip
    assert link and link.group(1) == f"/zaken/{case['id']}#partijen-kop"
    assert 'id="partijen-kop"' in staff.get(link.group(1).split("#")[0]).text
    refused = staff.post(f"/overeenkomsten/{made.json()['id']}/voorbeeld", data={"csrf": token})
    assert refused.status_code == 422
    assert refused.text.count("Vul eerst in: de geboortedatum van de huurder.") == 1
    r = client.patch(
        f"/api/v1/people/{case['tenant_id']}", headers=h, json={"date_of_birth": "1980-02-03"}
    )
    assert r.status_code == 200, r.text
    assert (
        "Wat het sjabloon nog nodig heeft"
        not in staff.get(f"/overeenkomsten/{made.json()['id']}").text
    )


@pytest.mark.parametrize("address", [BAD, "naam@localhost", "naam @voorbeeld.nl", "a..b@x.nl"])
def test_e_mail_addresses_are_checked_in_the_api(client, world, address):
    h = world.headers("coordinator")
    for path, body in (
        ("/api/v1/people", {"name": "Fatima El Amrani", "email": address}),
        ("/api/v1/organisations", {"name": "Zorg Mail", "kind": "care_provider", "email": address}),
    ):
        r = client.post(path, headers=world.headers("admin" if "org" in path else "coordinator"),
                        json=body)  # fmt: skip
        assert r.status_code == 422, (path, r.text)
        assert [e["field"] for e in r.json()["errors"]] == ["email"]
    typed = {"name": "Fatima El Amrani", "email": "Fatima.ElAmrani@Voorbeeld.NL"}
    ok = client.post("/api/v1/people", headers=h, json=typed)
    assert ok.status_code == 201 and ok.json()["email"] == "Fatima.ElAmrani@voorbeeld.nl"


def test_e_mail_addresses_are_checked_on_the_staff_form_and_for_new_users(world):
    staff, token = logged_in(create_app(deps=world.deps), "coordinator")
    form = {"csrf": token, "tenant.name": "Fatima El Amrani", "tenant.email": BAD,
            "address.street": "Oudegracht", "address.house_number": "1",
            "address.postcode": "3511 AB", "address.city": "Utrecht",
            "start_date": "2026-03-01", "planned_end_date": "2028-03-01"}  # fmt: skip
    page = staff.post("/zaken/nieuw", data=form)
    assert page.status_code == 422
    assert "Vul een geldig e-mailadres in" in page.text and BAD in page.text
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_user(BAD, "Fatima", Role.COORDINATOR, "een-lang-wachtwoord",
                             deps=world.deps, actor=SYSTEM, now=datetime.now(UTC))  # fmt: skip
    assert refused.value.errors[0].field == "email"
    with pytest.raises(ValueError, match="period"):
        values.normalise_email(BAD)
