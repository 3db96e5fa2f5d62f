"""Each party signs under the consent text for its kind (issue 13): the party's page shows
it, the signature's evidence keeps it word for word, and the sealed evidence page lists
each text that was confirmed; an organisation promises for itself, named."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from agreements.db.models import (
    CaseParty,
    DocumentVersion,
    Organisation,
    Person,
    Signature,
    SignatureRequest,
)
from agreements.domain import consent
from agreements.domain.enums import PartyRole
from tests.flows import link_in, render_agreement, send_requests, sign_by_link

pytestmark = pytest.mark.libreoffice


def test_each_party_sees_and_signs_its_own_text(flow, world) -> None:
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    by_email = {r["email"]: r for r in requests}
    current = deps.settings.consent_version
    assert current == consent.CURRENT
    tokens: dict[int, tuple[str, str]] = {}  # per request: two co-tenants share a role
    invitations = [m for m in inbox.messages if m["Subject"].startswith("Ondertekenen")]
    for message in invitations:
        request = by_email[message["To"]]
        token = link_in(message)
        tokens[request["id"]] = (request["party_role"], token)
        page = client.get(f"/s/{token}")
        assert page.status_code == 200
        text = consent.consent_text(current, request["party_role"])
        assert text in page.text, request["party_role"]
        if request["party_role"] == "tenant":
            assert "U belooft dit:" in page.text
        elif request["party_role"] != "representative":
            assert "Uw organisatie belooft dit:" in page.text
            assert "gegevens over mij" not in page.text
    for role, token in tokens.values():
        sign_by_link(deps, token, f"Ondertekenaar {role}")

    with deps.db() as session:
        signed = session.execute(
            select(SignatureRequest.party_role, Signature.evidence)
            .join(Signature, Signature.request_id == SignatureRequest.id)
            .where(SignatureRequest.version_id == version["id"])
        ).all()
    assert {role for role, _ in signed} == {role for role, _ in tokens.values()}
    assert len(signed) == len(requests) == 7
    for role, evidence in signed:
        assert evidence["consent_text"] == consent.consent_text(current, role)
        assert evidence["consent_version"] == current

    sealed = client.get(
        f"/api/v1/document-versions/{version['id']}/sealed.pdf",
        headers=world.headers("coordinator"),
    )
    assert sealed.status_code == 200, sealed.text
    pages = PdfReader(io.BytesIO(sealed.content)).pages
    evidence_text = " ".join(" ".join(p.extract_text().split()) for p in pages[-4:])
    assert "de tekst voor haar soort partij" in evidence_text
    for who in ("De huurder", "De vertegenwoordiger van de huurder",
                "Wie tekent namens een organisatie"):  # fmt: skip
        assert f"{who} (versie {current})" in evidence_text, evidence_text[-1500:]
    assert "Ik teken namens mijn organisatie en ik mag dat doen." in evidence_text


def test_the_page_says_for_whom_each_signer_signs(flow, world) -> None:
    """An organisation's link goes to its contact person, but the party is the organisation:
    the page names it ("U tekent namens Portaal"), never the person; the representative
    signs for the tenant; the tenant promises for herself."""
    client, deps, inbox = flow
    with deps.db.begin() as session:
        party = session.scalars(
            select(CaseParty).where(
                CaseParty.case_id == world.case_mitros,
                CaseParty.role == PartyRole.HOUSING_CORPORATION,
            )
        ).one()
        organisation = session.get(Organisation, party.organisation_id)
        assert organisation is not None
        contact = Person(name="Marieke Contactpersoon", email="m.contact@corporatie.example",
                         organisation_id=organisation.id, created_at=datetime.now(UTC))  # fmt: skip
        session.add(contact)
        session.flush()
        party.contact_person_id, corporation = contact.id, organisation.name
    try:
        version = render_agreement(client, world, world.case_mitros)
        inbox.clear()
        requests = {r["email"]: r for r in send_requests(client, world, version["id"])}
    finally:
        with deps.db.begin() as session:
            session.get(CaseParty, party.id).contact_person_id = None  # type: ignore[union-attr]
    with deps.db() as session:
        tenants = session.get(DocumentVersion, version["id"]).data["tenant"]["name"]  # type: ignore[union-attr]
        capacity = {r.id: r.capacity for r in session.scalars(select(SignatureRequest))}
    seen = set()
    for message in inbox.messages:
        if not message["Subject"].startswith("Ondertekenen"):
            continue
        request = requests[message["To"]]
        page = client.get(f"/s/{link_in(message)}").text.replace("&#39;", "'")
        role = request["party_role"]
        seen.add(role)
        if role == "corporation":
            assert request["party_name"] == "Marieke Contactpersoon"
            assert f"U tekent namens {corporation}. Uw organisatie belooft dit:" in page
            assert "U tekent namens Marieke" not in page
            assert f"<dt>U tekent namens</dt><dd>{corporation} (woningcorporatie)</dd>" in page
        elif role == "coordinator":  # the coordinator's account signs for Het Vierde Huis
            assert "U tekent namens Het Vierde Huis. Uw organisatie belooft dit:" in page
            assert f"U tekent namens {request['party_name']}" not in page
        elif role == "representative":
            assert f"U tekent als {capacity[request['id']]} voor {tenants}." in page, page
            assert "U helpt de huurder zich aan deze afspraken te houden" in page
            assert "U tekent namens" not in page
        elif role == "tenant":
            assert "U belooft dit:" in page and "U tekent namens" not in page
            assert f"<dt>U tekent als</dt><dd>{request['party_name']} (huurder)</dd>" in page
    assert {"corporation", "coordinator", "representative", "tenant"} <= seen
