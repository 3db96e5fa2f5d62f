"""Issue 13, "every party with obligations is asked": the buurtteam signs, each co-tenant
has her own request, link and signature, the representative gets a link and the sealed
copy, a document whose parties and requests differ is not sent, and the seal's reason
names who signed. Over the API with real SMTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import uuid

from pypdf import PdfReader
from sqlalchemy import select

from agreements.db.models import DocumentVersion, Signature, SignatureRequest
from tests.flows import (
    assert_problem,
    decide,
    link_in,
    logged_in,
    new_case,
    render_agreement,
    send_requests,
    sign_by_link,
)


def _data(deps, version_id: int) -> dict:
    """The data the version was rendered from (its signature lines are `signers`)."""
    with deps.db() as session:
        version = session.get(DocumentVersion, version_id)
        assert version is not None
        return dict(version.data)


def _seal_reason(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    fields = reader.trailer["/Root"]["/AcroForm"]["/Fields"]
    for ref in fields:
        field = ref.get_object()
        if field.get("/FT") == "/Sig":
            return str(field["/V"].get_object()["/Reason"])
    raise AssertionError("no signature field")


def test_every_party_and_each_co_tenant_signs_and_the_seal_names_them(flow, world):
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    # The document's signature lines: each co-tenant and the buurtteam have their own.
    assert [s["party"] for s in _data(deps, version["id"])["signers"]] == [
        "Ünal Yılmaz",
        "Zoë Yılmaz",
        "mr. J. de Bewindvoerder",
        "Mitros",
        "Het Vierde Huis",
        "Gemeente Utrecht",
        "Buurtteam Utrecht Oost",
    ]
    # The judgment in full, the named contact, the retention and the signing place (issue 12).
    data = _data(deps, version["id"])
    judgment = data["judgment"]
    assert judgment["served"] and judgment["decision"] and judgment["conditions"], judgment
    assert data["contact"]["name"] and data["contact"]["phone"], data["contact"]
    assert data["privacy"] == {"retention_years": deps.settings.case_file_retention_years}
    assert data["signing"] == {"place": deps.settings.letterhead_city}
    pdf = client.get(
        f"/api/v1/document-versions/{version['id']}/pdf", headers=world.headers("coordinator")
    ).content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert judgment["decision"] in " ".join(text.split())
    # Words compared across line breaks: a signatory may wrap inside its table cell.
    signing_part = " ".join(text[text.index("13. Ondertekening") :].split())
    for line in ("Ünal Yılmaz", "Zoë Yılmaz", "Buurtteam", "namens Buurtteam Utrecht Oost"):
        assert line in signing_part, line

    requests = send_requests(client, world, version["id"])
    tenants = [r for r in requests if r["party_role"] == "tenant"]
    assert [r["party_name"] for r in tenants] == ["Ünal Yılmaz", "Zoë Yılmaz"]
    assert len({r["email"] for r in tenants}) == 2  # a request, and a link, each
    team = next(r for r in requests if r["party_role"] == "neighbourhood_team")
    assert (team["party_name"], team["email"]) == (
        "Buurtteam Utrecht Oost",
        "oost@buurtteam.example",
    )
    representative = next(r for r in requests if r["party_role"] == "representative")
    assert representative["email"] == "bewind@demo.example"

    tokens = {r["id"]: link_in(inbox.invitation(r["email"])) for r in requests}
    assert len(set(tokens.values())) == len(requests) == 7
    # The buurtteam's page shows what it promises (from the document's other_parties).
    page = client.get(f"/s/{tokens[team['id']]}")
    assert "Het buurtteam begeleidt de huurder bij dagelijkse zaken." in page.text
    inbox.clear()
    typed = {r["id"]: f"{r['party_name']} zelf" for r in requests}
    for r in requests:
        outcome = sign_by_link(deps, tokens[r["id"]], typed[r["id"]])
    assert outcome.complete

    with deps.db() as session:
        rows = session.execute(
            select(SignatureRequest.party_name, Signature.evidence)
            .join(Signature, Signature.request_id == SignatureRequest.id)
            .where(SignatureRequest.version_id == version["id"])
        ).all()
    signed = {name: evidence["typed_name"] for name, evidence in rows}
    assert signed["Ünal Yılmaz"] == "Ünal Yılmaz zelf"  # two signatures, one each
    assert signed["Zoë Yılmaz"] == "Zoë Yılmaz zelf"
    assert len(rows) == 7

    sealed = client.get(
        f"/api/v1/document-versions/{version['id']}/sealed.pdf",
        headers=world.headers("coordinator"),
    )
    assert sealed.status_code == 200, sealed.text
    reason = _seal_reason(sealed.content)
    assert "alle partijen" not in reason
    assert reason.startswith(f"Woonbegeleidingsovereenkomst LK-2026-{world.case_mitros:05d}")
    assert "ondertekend door: Ünal Yılmaz zelf (huurder); Zoë Yılmaz zelf (huurder)" in reason
    assert "mr. J. de Bewindvoerder zelf (bewindvoerder)" in reason
    assert "Buurtteam Utrecht Oost zelf namens Buurtteam Utrecht Oost" in reason

    # The representative's copy of the sealed document, like every other party's.
    copies = [m for m in inbox.messages if m["Subject"].startswith("Ondertekend:")]
    assert sorted(m["To"] for m in copies) == sorted(r["email"] for r in requests)
    copy = next(m for m in copies if m["To"] == "bewind@demo.example")
    attached = [p for p in copy.walk() if p.get_content_type() == "application/pdf"]
    assert attached and attached[0].get_payload(decode=True) == sealed.content


def test_a_document_whose_parties_differ_from_the_requests_is_not_sent(flow, world):
    client, deps, _inbox = flow
    h = world.headers("coordinator")
    made = new_case(client, world, f"Kim {uuid.uuid4().hex[:6]}", contract_street="Oudegracht")
    decide(client, world, made["agreement"])  # its judgment is 400 days old (issue 12)
    version = render_agreement(client, world, made["case"])
    # After the render a co-tenant is added: the document does not name her.
    co = client.post("/api/v1/people", headers=h, json={"name": "Ivo Medehuurder"}).json()
    changed = client.patch(
        f"/api/v1/cases/{made['case']}", headers=h, json={"co_tenant_ids": [co["id"]]}
    )
    assert changed.status_code == 200 and changed.json()["co_tenant_ids"] == [co["id"]]
    refused = client.post(
        f"/api/v1/document-versions/{version['id']}/signature-requests", headers=h
    )
    body = assert_problem(refused, 409)
    assert body["type"] == "/problems/parties-differ"
    assert body["missing"] == []
    assert body["extra"] == [{"party_role": "tenant", "party_name": "Ivo Medehuurder"}]
    listed = client.get(f"/api/v1/document-versions/{version['id']}/signature-requests", headers=h)
    assert listed.json() == []  # nothing was made

    # The staff page says it in Dutch.
    staff, csrf = logged_in(client.app, "coordinator")
    page = staff.post(f"/versies/{version['id']}/versturen", data={"csrf": csrf})
    assert page.status_code == 409
    said = re.sub(r"\s+", " ", page.text)
    assert "de partijen in het document en de partijen die tekenen zijn niet dezelfde" in said
    assert "Gevraagd te tekenen, maar niet in het document: Ivo Medehuurder." in said

    # A new version names her; then it is sent, with a request of her own.
    again = render_agreement(client, world, made["case"])
    data = _data(deps, again["id"])
    assert [s["party"] for s in data["signers"]][:2] == [
        data["tenants"][0]["name"],
        "Ivo Medehuurder",
    ]
    requests = send_requests(client, world, again["id"])
    assert [r["party_name"] for r in requests if r["party_role"] == "tenant"][1] == (
        "Ivo Medehuurder"
    )

    # Removed again: now the document names a party who would not be asked.
    client.patch(f"/api/v1/cases/{made['case']}", headers=h, json={"co_tenant_ids": []})
    third = render_agreement(client, world, made["case"])
    client.patch(f"/api/v1/cases/{made['case']}", headers=h, json={"co_tenant_ids": [co["id"]]})
    client.patch(f"/api/v1/cases/{made['case']}", headers=h, json={"co_tenant_ids": []})
    with_team = client.patch(
        f"/api/v1/cases/{made['case']}",
        headers=h,
        json={
            "parties": [
                {"organisation_id": world.org[n]}
                for n in (
                    "Portaal",
                    "Het Vierde Huis",
                    "Gemeente Utrecht",
                    "Buurtteam Utrecht Oost",
                )
            ]
        },
    )
    assert with_team.status_code == 200, with_team.text
    refused = client.post(f"/api/v1/document-versions/{third['id']}/signature-requests", headers=h)
    body = assert_problem(refused, 409)
    assert body["extra"] == [
        {"party_role": "neighbourhood_team", "party_name": "Buurtteam Utrecht Oost"}
    ]


def test_the_representative_has_an_email_address_checked_on_the_form_and_the_api(flow, world):
    client, _deps, _inbox = flow
    h = world.headers("coordinator")
    bad = client.post(
        "/api/v1/people", headers=h, json={"name": "Mr. B. Bewind", "email": "geen adres"}
    )
    body = assert_problem(bad, 422)
    assert [e["field"] for e in body["errors"]] == ["email"]

    staff, csrf = logged_in(client.app, "coordinator")
    form = {
        "csrf": csrf,
        "tenant.name": "Fenna Formulier",
        "address.street": "Lange Nieuwstraat",
        "address.house_number": "4",
        "address.postcode": "3512 PH",
        "address.city": "Utrecht",
        "start_date": "2026-02-01",
        "planned_end_date": "2028-02-01",
        "representative.name": "Mr. B. Bewind",
        "representative.kind": "bewindvoerder",
        "representative.email": "bewind-at-example",
        "co_tenant.name": "Gijs Formulier",
        "co_tenant.email": "gijs@example.org",
    }
    page = staff.post("/zaken/nieuw", data=form)
    assert page.status_code == 422
    assert "bewind-at-example" in page.text  # what was typed is kept
    assert "Gijs Formulier" in page.text
    error = re.search(r'id="veld-representative-email-error">(.*?)</p>', page.text, re.S)
    assert error and "e-mailadres" in error.group(1).lower(), page.text

    made = staff.post("/zaken/nieuw", data={**form, "representative.email": "bewind@example.org"})
    assert made.status_code == 303, made.text
    case_id = int(made.headers["location"].split("/")[2].split("?")[0])
    case = client.get(f"/api/v1/cases/{case_id}", headers=h).json()
    rep = client.get(f"/api/v1/people/{case['representatives'][0]['person_id']}", headers=h).json()
    assert rep["email"] == "bewind@example.org"
    co = client.get(f"/api/v1/people/{case['co_tenant_ids'][0]}", headers=h).json()
    assert (co["name"], co["email"]) == ("Gijs Formulier", "gijs@example.org")
    shown = staff.get(f"/zaken/{case_id}").text
    assert "Gijs Formulier (medehuurder)" in shown
