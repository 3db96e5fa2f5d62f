"""The staff pages over HTTP on both databases: sessions, CSRF, scope, care notes, forms."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest

from agreements.domain.enums import Role
from agreements.domain.policy import Actor
from agreements.services.cases import cases
from agreements.services.demo import DEMO_PASSWORD
from agreements.web.app import create_app
from agreements.web.deps import SESSION_COOKIE
from tests.conftest import NOW
from tests.flows import CSRF, https_client, logged_in


@pytest.fixture
def app(world: Any) -> Any:
    return create_app(deps=world.deps)


def test_login_redirects_and_logout(app: Any) -> None:
    client = https_client(app)
    for path in ("/werk", "/zaken", "/zaken/1", "/zaken/nieuw"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/zaken?q=x").headers["location"] == "/login?volgende=/zaken%3Fq%3Dx"
    form = client.get("/login?volgende=//evil.example")
    assert form.status_code == 200 and 'value="/werk"' in form.text
    assert "Content-Security-Policy" in form.headers

    wrong = client.post("/login", data={"email": "coordinator@demo.example", "password": "nee"})
    assert wrong.status_code == 401
    assert "Het e-mailadres of het wachtwoord klopt niet." in wrong.text
    assert 'value="coordinator@demo.example"' in wrong.text
    assert SESSION_COOKIE not in wrong.cookies

    ok = client.post("/login", data={"email": "coordinator@demo.example",
                                     "password": DEMO_PASSWORD, "volgende": "/zaken"})  # fmt: skip
    assert ok.status_code == 303 and ok.headers["location"] == "/zaken"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/werk")
    assert page.status_code == 200 and "<h1>Te doen</h1>" in page.text
    token = CSRF.search(page.text)
    assert token

    refused = client.post("/logout")
    assert refused.status_code == 403 and "Formulier verlopen" in refused.text
    assert client.get("/werk").status_code == 200  # still logged in
    out = client.post("/logout", data={"csrf": token.group(1)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    # The session is revoked on the server, not only forgotten by this browser.
    client.cookies.set(SESSION_COOKIE, cookie.split(";")[0].split("=", 1)[1])
    assert client.get("/werk").status_code == 303


def test_csrf_is_required_on_every_form(app: Any, world: Any) -> None:
    client, token = logged_in(app, "coordinator")
    case = world.case_portaal
    posts = [
        ("/zaken/nieuw", {"tenant.name": "X"}),
        (f"/zaken/{case}/dossier/vonnis", {"court": "X"}),
        (f"/zaken/{case}/zorgnotities", {"text": "X"}),
        (f"/zaken/{case}/overeenkomst", {"start_date": "2026-01-01"}),
    ]
    for path, data in posts:
        for bad in ({}, {"csrf": "0" * 64}, {"csrf": token[:-1] + "x"}):
            response = client.post(path, data={**data, **bad})
            assert response.status_code == 403, (path, response.text)
    # Another session's token is not this session's token.
    _, other = logged_in(app, "coordinator")
    assert client.post(f"/zaken/{case}/zorgnotities", data={"text": "X", "csrf": other}
                       ).status_code == 403  # fmt: skip


def test_partner_sees_only_its_own_organisations_cases(app: Any, world: Any) -> None:
    client, _ = logged_in(app, "portaal")
    # Other tests add cases to the shared world: search, so the demo case is on page one.
    listing = client.get("/zaken?q=Amsterdamsestraatweg")
    assert f'href="/zaken/{world.case_portaal}"' in listing.text
    listing = client.get("/zaken?q=LK-2026")
    assert f'href="/zaken/{world.case_mitros}"' not in listing.text
    assert "Kanaalstraat" not in listing.text and "Yılmaz" not in listing.text
    assert "0 zaken gevonden" in client.get("/zaken?q=Kanaalstraat").text
    other = client.get(f"/zaken/{world.case_mitros}")
    assert other.status_code == 404 and "Yılmaz" not in other.text
    assert client.get(f"/zaken/{world.case_mitros}/dossier/vonnis").status_code in (403, 404)
    own = client.get(f"/zaken/{world.case_portaal}")
    assert own.status_code == 200 and "Zoë van 't Hek" in own.text.replace("&#39;", "'")
    # Read only: no drafting and no new cases for partner staff.
    assert "Nieuwe overeenkomst opstellen" not in own.text and "Nieuwe zaak" not in own.text
    assert client.get("/zaken/nieuw").status_code == 403
    assert client.get(f"/zaken/{world.case_portaal}/overeenkomst").status_code == 403
    mitros, _ = logged_in(app, "mitros")
    assert mitros.get(f"/zaken/{world.case_portaal}").status_code == 404


def test_care_notes_only_for_coordinators(app: Any, world: Any) -> None:
    marker = f"zorgmarker-{uuid.uuid4().hex}"
    client, token = logged_in(app, "coordinator")
    saved = client.post(f"/zaken/{world.case_portaal}/zorgnotities",
                        data={"text": f"Verslaving: {marker}", "csrf": token})  # fmt: skip
    assert saved.status_code == 303
    assert marker in client.get(f"/zaken/{world.case_portaal}").text
    for who in ("portaal", "gemeente", "jurist"):
        other, other_token = logged_in(app, who)
        page = other.get(f"/zaken/{world.case_portaal}")
        assert page.status_code == 200, who
        assert marker not in page.text and "Zorgnotities" not in page.text, who
        for path in ("/werk", "/zaken"):
            assert marker not in other.get(path).text
        refused = other.post(f"/zaken/{world.case_portaal}/zorgnotities",
                             data={"text": "overschreven", "csrf": other_token})  # fmt: skip
        assert refused.status_code == 403, who
    coordinator = Actor(user_id=None, role=Role.COORDINATOR)
    notes = cases.read_care_notes(world.case_portaal, deps=world.deps, actor=coordinator, now=NOW)
    assert marker in notes


def test_a_coordinator_creates_a_case_through_the_forms(app: Any, world: Any) -> None:
    client, token = logged_in(app, "coordinator")
    form = client.get("/zaken/nieuw")
    assert form.status_code == 200 and "<h1>Nieuwe zaak</h1>" in form.text
    portaal, vierde = world.org["Portaal"], world.org["Het Vierde Huis"]
    gemeente = str(world.org["Gemeente Utrecht"])
    typed = {
        "csrf": token, "tenant.name": "Ünal & Zoë <Test>", "tenant.email": "geen-mail",
        "address.street": "Oudegracht", "address.house_number": "12a",
        "address.postcode": "12345", "address.city": "Utrecht",
        "start_date": "2026-03-01", "planned_end_date": "",
        "parties": [str(portaal), str(vierde), gemeente],
    }  # fmt: skip
    bad = client.post("/zaken/nieuw", data=typed)
    assert bad.status_code == 422
    text = bad.text
    assert "Vul een Nederlandse postcode in, zoals 3551 CA." in text
    assert "Vul een geldig e-mailadres in" in text
    assert "Geplande einddatum: Vul dit in." in text
    assert 'value="Ünal &amp; Zoë &lt;Test&gt;"' in text  # kept, and escaped
    assert 'value="Oudegracht"' in text and 'value="12345"' in text
    assert f'value="{portaal}" checked' in text
    assert 'aria-invalid="true"' in text and 'id="fouten"' in text

    def people() -> int:
        from sqlalchemy import func, select

        from agreements.db.models import Person

        with world.deps.db() as session:
            return int(session.scalar(select(func.count()).select_from(Person)) or 0)

    before = people()
    too_long = client.post(
        "/zaken/nieuw",
        data={
            **typed,
            "tenant.email": "zoe@example.org",
            "address.postcode": "3511 AB",
            "planned_end_date": "2036-03-01",
        },
    )
    assert too_long.status_code == 422
    assert "Een traject duurt hoogstens vijf jaar." in too_long.text
    assert people() == before  # the tenant is not kept when the case is refused

    good = client.post(
        "/zaken/nieuw",
        data={
            **typed,
            "tenant.email": "zoe@example.org",
            "address.postcode": "3511ab",
            "planned_end_date": "2029-03-01",
        },
    )
    assert good.status_code == 303, good.text
    case_url = good.headers["location"].split("?")[0]
    case_id = int(case_url.rsplit("/", 1)[1])
    page = client.get(good.headers["location"])
    assert "De zaak is aangemaakt" in page.text and "3511 AB" in page.text
    assert "Ünal &amp; Zoë &lt;Test&gt;" in page.text

    contract_form = client.get(f"/zaken/{case_id}/dossier/huurovereenkomst")
    assert 'value="Oudegracht"' in contract_form.text  # the case's address, prefilled
    contract = {"csrf": token, "contract_number": "HO-1", "address.street": "Oudegracht",
                "address.house_number": "12a", "address.postcode": "3511 AB",
                "address.city": "Utrecht", "start_date": "2020-01-01",
                "landlord_id": str(vierde), "monthly_rent": "€ 1.687,4"}  # fmt: skip
    wrong = client.post(f"/zaken/{case_id}/dossier/huurovereenkomst", data=contract)
    assert wrong.status_code == 422 and "Kies een woningcorporatie." in wrong.text
    assert 'value="€ 1.687,4"' in wrong.text
    right = client.post(f"/zaken/{case_id}/dossier/huurovereenkomst",
                        data={**contract, "landlord_id": str(portaal)})  # fmt: skip
    assert right.status_code == 303, right.text
    assert "€ 1.687,40" in client.get(case_url).text.replace("\xa0", " ")

    judgment = {"csrf": token, "court": "Rechtbank Midden-Nederland", "case_number": "123 / 45",
                "judgment_date": "2025-12-04", "served_date": "2025-11-01",
                "operative_decision": "Ontruiming.", "suspension_conditions": "Zolang...",
                "ecli": "geen"}  # fmt: skip
    wrong = client.post(f"/zaken/{case_id}/dossier/vonnis", data=judgment)
    assert wrong.status_code == 422 and "Vul een geldig ECLI in" in wrong.text
    wrong = client.post(f"/zaken/{case_id}/dossier/vonnis", data={**judgment, "ecli": ""})
    assert "De betekening kan niet vóór de datum van het vonnis liggen." in wrong.text
    right = client.post(f"/zaken/{case_id}/dossier/vonnis",
                        data={**judgment, "ecli": "", "served_date": "2025-12-18"})  # fmt: skip
    assert right.status_code == 303, right.text

    arrangement = {"csrf": token, "arrears": "1000", "instalment": "50,00",
                   "frequency": "monthly", "start_date": "2026-04-01", "number_of_terms": "10",
                   "iban": "NL91ABNA0417164300", "creditor_id": str(portaal)}  # fmt: skip
    wrong = client.post(f"/zaken/{case_id}/dossier/betalingsregeling", data=arrangement)
    assert (
        wrong.status_code == 422
        and "De termijnen tellen op tot € 500,00, maar de achterstand is € 1.000,00."
        in wrong.text.replace("\xa0", " ")
    )
    right = client.post(f"/zaken/{case_id}/dossier/betalingsregeling",
                        data={**arrangement, "number_of_terms": "20"})  # fmt: skip
    assert right.status_code == 303, right.text

    page = client.get(case_url).text
    assert "Nieuwe overeenkomst opstellen" in page
    assert "maanden oud" in page and "zaaknummer 123 / 45" in page
    draft = client.get(f"/zaken/{case_id}/overeenkomst")
    assert draft.status_code == 200 and 'value="2026-03-01"' in draft.text
    fields = {"csrf": token, "start_date": "2026-03-01", "end_date": "2026-09-01",
              "obligations.tenant": "", "reason": "Waarom",
              "legal_route": "lease_continues"}  # fmt: skip
    for select in ("tenancy_contract_id", "eviction_judgment_id"):
        fields[select] = re.search(rf'name="{select}".*?<option value="(\d+)"', draft.text,
                                   re.S).group(1)  # fmt: skip
    missing = client.post(f"/zaken/{case_id}/overeenkomst", data=fields)
    assert missing.status_code == 422 and "Schrijf minstens één afspraak op." in missing.text
    short = client.post(f"/zaken/{case_id}/overeenkomst",
                        data={**fields, "obligations.tenant": "Ik betaal de huur."})  # fmt: skip
    assert short.status_code == 422
    assert "Een overeenkomst loopt minstens twee jaar." in short.text
    assert "Ik betaal de huur." in short.text and "Waarom" in short.text
    no_route = client.post(
        f"/zaken/{case_id}/overeenkomst",
        data={
            **fields,
            "end_date": "2029-03-01",
            "obligations.tenant": "Ik betaal de huur.",
            "legal_route": "",
        },
    )
    assert no_route.status_code == 422 and "Kies de route." in no_route.text
    assert 'value="2029-03-01"' in no_route.text and "Ik betaal de huur." in no_route.text
    assert "huurovereenkomst ontbonden; bewoning onder deze overeenkomst" in no_route.text
    made = client.post(f"/zaken/{case_id}/overeenkomst", data={
        **fields, "end_date": "2029-03-01",
        "obligations.tenant": "Ik betaal de huur.\n\nIk kom naar de afspraken.",
        "obligations.housing_corporation": "Portaal voert het vonnis niet uit."})  # fmt: skip
    assert made.status_code == 303, made.text
    agreement = client.get(made.headers["location"])
    assert "Ik kom naar de afspraken." in agreement.text and "Voorbeeld maken" in agreement.text
    assert "huurovereenkomst loopt door" in agreement.text
    token_field = {"csrf": token, "template": ""}
    refused = client.post(made.headers["location"].split("?")[0] + "/voorbeeld", data=token_field)
    assert refused.status_code == 422  # the template needs the tenant's date of birth
    assert "Vul eerst in: de geboortedatum van de huurder." in refused.text


def test_review_form_keeps_input_and_records(app: Any, world: Any) -> None:
    client, token = logged_in(app, "coordinator")
    page = client.get(f"/zaken/{world.case_mitros}").text
    review = int(re.search(r'href="/evaluaties/(\d+)"', page).group(1))
    form = client.get(f"/evaluaties/{review}")
    assert form.status_code == 200
    obligation = int(re.search(r'name="progress\.(\d+)\.status"', form.text).group(1))
    data = {"csrf": token, "held_date": "2099-01-01", "outcome": "concerns",
            "attendees.2.name": "A. Bakker", "attendees.2.role": "",
            f"progress.{obligation}.status": "zorgen", f"progress.{obligation}.notes": "Twee keer",
            "actions.1.action": "Bellen", "actions.1.who": "Buurtteam",
            "actions.1.due": "2026-12-01", "summary": "Het gaat matig."}  # fmt: skip
    bad = client.post(f"/evaluaties/{review}", data=data)
    assert bad.status_code == 422
    assert 'id="veld-attendees-2-role"' in bad.text and "Vul dit in." in bad.text
    assert 'value="A. Bakker"' in bad.text and "Het gaat matig." in bad.text
    data["attendees.2.role"] = "coördinator"
    future = client.post(f"/evaluaties/{review}", data=data)
    assert future.status_code == 422 and "Deze datum ligt in de toekomst." in future.text
    assert "Schriftelijke waarschuwing</dt><dd>niet gegeven" in future.text
    ok = client.post(
        f"/evaluaties/{review}",
        # within the agreement's term (the demo's starts eleven days after its NOW)
        data={**data, "held_date": date.today().isoformat(), "warning_given": "ja"},
    )
    assert ok.status_code == 303, ok.text
    shown = client.get(ok.headers["location"]).text
    assert "De evaluatie is opgeslagen." in shown and "Verslag maken" in shown
    assert 'value="Bellen"' in shown
    assert 'name="warning_given" value="ja" checked' in shown
    assert "Schriftelijke waarschuwing</dt><dd>gegeven" in shown


def test_every_page_answers_for_every_role(app: Any, world: Any) -> None:
    for who in ("coordinator", "portaal", "gemeente", "jurist"):
        client, _ = logged_in(app, who)
        for path in ("/werk", "/zaken", "/zaken?todo=ja&status=active", "/zaken?pagina=2",
                     f"/zaken/{world.case_portaal}"):  # fmt: skip
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.text[:500])
            assert response.headers["X-Frame-Options"] == "DENY"
        assert client.get("/zaken/999999").status_code == 404
        assert client.get("/zaken/0").status_code in (404, 422)


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)  # PostgreSQL has no such lock
def test_the_case_page_reads_beside_a_writer(app: Any, world: Any) -> None:
    """Before: the case page's queries each began with BEGIN IMMEDIATE on SQLite, so the page
    queued behind any writer for the one write lock (issue 10, item 12). Now it only reads:
    it renders while another connection holds a write transaction."""
    import sqlite3
    import threading
    import time

    client, _ = logged_in(app, "coordinator")
    assert client.get(f"/zaken/{world.case_portaal}").status_code == 200  # warm
    writer = sqlite3.connect(world.deps.db.kw["bind"].url.database, check_same_thread=False)
    writer.isolation_level = None
    writer.execute("BEGIN IMMEDIATE")  # the write lock, held by someone else
    release = threading.Timer(8, writer.rollback)
    release.start()
    try:
        started = time.perf_counter()
        response = client.get(f"/zaken/{world.case_portaal}")
        took = time.perf_counter() - started
    finally:
        release.cancel()
        if writer.in_transaction:
            writer.rollback()
        writer.close()
    assert response.status_code == 200, response.text
    assert "Zorgnotities" in response.text  # the whole page, care notes included
    assert took < 4, f"the case page waited {took:.1f} s for the write lock"


def test_the_case_page_uses_the_configured_judgment_age(world: Any) -> None:
    """The judgment's badge follows the setting `judgment_age_months`, not fixed numbers."""
    from dataclasses import replace

    def badge(months: list[int]) -> str:
        settings = world.deps.settings.model_copy(update={"judgment_age_months": months})
        client, _ = logged_in(create_app(deps=replace(world.deps, settings=settings)),
                              "coordinator")  # fmt: skip
        page = client.get(f"/zaken/{world.case_portaal}")
        assert page.status_code == 200
        found = re.search(r'Het vonnis is <strong class="badge (\w+)">(\d+) maand', page.text)
        assert found, page.text
        return found.group(1)

    assert badge([1, 600]) == "warn"
    assert badge([1, 1]) == "alarm"  # the demo judgment is a month or more old
    assert badge([500, 600]) == "ok"
