"""Signatories are people (issue 13): whoever signs for an organisation gives a function and
a mandate; a signature without them is refused field by field; the evidence keeps them, and
the demo's evidence page names a natural person for every organisation."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from agreements.db.models import Signature
from tests.flows import MANDATE, render_agreement, send_requests
from tests.support import run_command


def _fields(response) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"] for e in response.json()["errors"]}


def test_an_organisation_signature_needs_function_and_mandate(flow, world):
    client, deps, _inbox = flow
    version = render_agreement(client, world, world.case_portaal)
    requests = send_requests(client, world, version["id"])
    coordinator = next(r for r in requests if r["party_role"] == "coordinator")
    url = f"/api/v1/signature-requests/{coordinator['id']}/sign"
    h = world.headers("coordinator")
    base = {"consent_version": deps.settings.consent_version, "typed_name": "Anna Bakker"}

    assert {"function", "mandate_basis", "mandate_detail"} <= _fields(
        client.post(url, headers=h, json=base)
    )
    assert "mandate_basis" in _fields(
        client.post(url, headers=h, json={**base, **MANDATE, "mandate_basis": "koning"})
    )
    assert "function" in _fields(
        client.post(url, headers=h, json={**base, **MANDATE, "function": "x" * 101})
    )
    with deps.db() as session:  # nothing was recorded by the refusals
        assert (
            session.scalar(select(Signature).where(Signature.request_id == coordinator["id"]))
            is None
        )

    signed = client.post(url, headers=h, json={**base, **MANDATE})
    assert signed.status_code == 200, signed.text
    with deps.db() as session:
        evidence = session.scalar(
            select(Signature.evidence).where(Signature.request_id == coordinator["id"])
        )
    assert evidence["typed_name"] == "Anna Bakker"
    assert MANDATE["function"] in str(evidence)
    assert MANDATE["mandate_detail"] in str(evidence)


def test_the_demo_evidence_page_names_a_person_for_every_organisation(cli_env):
    for args in (["init", "--demo"], ["demo"]):
        done = run_command(args, cli_env)
        assert done.returncode == 0, done.stderr[-2000:]
    path = Path(cli_env["AGREEMENTS_DATA_DIR"]) / "demo-agreement.pdf"
    verified = run_command(["verify", str(path)], cli_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    pdf = path.read_bytes()

    reader = PdfReader(io.BytesIO(pdf))
    evidence = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in reader.pages
        if "Ondertekeningsbewijs" in (page.extract_text() or "")
    )
    # Every organisation: a named person, the organisation, a function and the authority.
    for person, organisation in [
        ("Marieke Jansen", "Portaal"),
        ("Anna Bakker", "Het Vierde Huis"),
        ("Fatima Haddou", "Gemeente Utrecht"),
        ("Sander Visser", "Buurtteam Utrecht Oost"),
    ]:
        assert person in evidence and organisation in evidence
    assert evidence.count("Functie") >= 4 and evidence.count("Bevoegdheid") >= 4
    # Times with their offset, and no organisation standing in for a person.
    assert "(+01:00)" in evidence
    assert "Geïdentificeerd Portaal" not in evidence
