"""After sealing, every way to download a document gives the sealed file (issue 13): the
API's `pdf` and `sealed.pdf`, the staff page's "Open het ondertekende document", each party's
`document.pdf` and `ondertekend.pdf`; each download passes the check `agreements verify`
makes (`verification.verify`). The unsealed file stays open to staff only as the concept it
is, and every read is in the audit trail under what it read."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from agreements.db.models import AuditEntry, DocumentVersion
from agreements.services.audit import log as audit_log
from agreements.services.signatures import sign as signature_flow
from agreements.services.signatures import verification
from tests.flows import link_in, logged_in, render_agreement, send_requests, sign_by_link

pytestmark = pytest.mark.libreoffice


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _seal_one(client, deps, inbox, world) -> tuple[int, dict[str, str]]:
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    tokens = {}
    invitations = [m for m in inbox.messages if m["Subject"].startswith("Ondertekenen")]
    for message in invitations:
        token = link_in(message)
        view = signature_flow.open_link(token, deps=deps, now=datetime.now(UTC))
        assert view is not None
        tokens[f"{view.request.party_role} {view.request.id}"] = token  # two tenants
    assert len(tokens) == len(requests)
    for role, token in tokens.items():
        sign_by_link(deps, token, f"Ondertekenaar {role}")
    with deps.db() as session:
        row = session.get(DocumentVersion, version["id"])
        assert row is not None and row.is_sealed, (row.finish_status, row.finish_error)
    return version["id"], tokens


def _verified(data: bytes, deps) -> None:
    result = verification.verify(data, deps=deps)
    assert result.report.ok, result.report


def test_every_download_gives_the_sealed_file(flow, world) -> None:
    client, deps, inbox = flow
    version_id, tokens = _seal_one(client, deps, inbox, world)
    with deps.db() as session:
        row = session.get(DocumentVersion, version_id)
        sealed_digest, unsealed_digest = row.sealed_sha256, row.pdf_sha256
    assert sealed_digest != unsealed_digest
    h = world.headers("coordinator")

    api = client.get(f"/api/v1/document-versions/{version_id}/pdf", headers=h)
    assert api.status_code == 200, api.text
    assert _sha(api.content) == sealed_digest
    assert api.headers["etag"] == f'"{sealed_digest}"'
    assert "-ondertekend.pdf" in api.headers["content-disposition"]
    also = client.get(f"/api/v1/document-versions/{version_id}/sealed.pdf", headers=h)
    assert also.status_code == 200 and also.content == api.content
    assert also.headers["etag"] == f'"{sealed_digest}"'

    downloads = {"api pdf": api.content, "api sealed.pdf": also.content}
    for role, token in tokens.items():
        for path in ("document.pdf", "ondertekend.pdf"):
            got = client.get(f"/s/{token}/{path}")
            assert got.status_code == 200, (role, path, got.text[:200])
            assert got.headers["content-type"] == "application/pdf"
            downloads[f"{role} {path}"] = got.content

    staff, _ = logged_in(client.app, "coordinator")
    page = staff.get(f"/versies/{version_id}")
    assert page.status_code == 200, page.text
    assert "Open het ondertekende document (PDF, verzegeld)" in page.text
    assert "Verzegeld: verzegeld" not in page.text
    assert re.search(r"verzegeld op \d{1,2} \w+ \d{4} om \d\d:\d\d uur", page.text)
    assert "Concept zonder handtekeningen openen (niet ondertekend" in page.text
    assert "Getekend op" in page.text
    opened = staff.get(f"/versies/{version_id}/document.pdf")
    assert opened.status_code == 200
    downloads["staff document.pdf"] = opened.content

    for where, data in downloads.items():
        assert _sha(data) == sealed_digest, where
    _verified(api.content, deps)

    # The unsealed file is still there for staff, named as the concept it is; the
    # service's own check does not take it for the signed document.
    concept = staff.get(f"/versies/{version_id}/concept.pdf")
    assert concept.status_code == 200
    assert _sha(concept.content) == unsealed_digest
    assert "concept-niet-ondertekend.pdf" in concept.headers["content-disposition"]
    assert not verification.verify(concept.content, deps=deps).report.ok

    audit_log.chain_staged(deps)  # reads are staged, then chained
    with deps.db() as session:
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.subject_type == "document_version",
                    AuditEntry.subject_id == str(version_id),
                    AuditEntry.action.like("document.read_%"),
                )
            )
        )
    # Two API reads and the staff read are of the sealed file, one of the concept; the
    # parties' reads of their sealed copy are logged under their role.
    assert actions.count("document.read_pdf") == 1
    assert actions.count("document.read_sealed") == 3 + 2 * len(tokens)


def test_before_sealing_the_pdf_is_the_one_to_sign_and_there_is_no_concept_label(
    flow, world
) -> None:
    client, _, inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    send_requests(client, world, version["id"])
    h = world.headers("coordinator")
    got = client.get(f"/api/v1/document-versions/{version['id']}/pdf", headers=h)
    assert got.status_code == 200
    assert _sha(got.content) == version["pdf_sha256"]
    assert got.headers["etag"] == f'"{version["pdf_sha256"]}"'
    assert "ondertekend" not in got.headers["content-disposition"]
    token = link_in(inbox.invitation(inbox.messages[0]["To"]))
    party = client.get(f"/s/{token}/document.pdf")
    assert _sha(party.content) == version["pdf_sha256"]
    not_yet = client.get(f"/api/v1/document-versions/{version['id']}/sealed.pdf", headers=h)
    assert not_yet.status_code == 409
    assert not_yet.headers["content-type"].startswith("application/problem+json")
    staff, _ = logged_in(client.app, "coordinator")
    page = staff.get(f"/versies/{version['id']}")
    assert "Open de PDF (" in page.text and "Concept zonder handtekeningen" not in page.text
    assert "Stand: nog niet door iedereen ondertekend." in page.text


def test_a_version_outside_the_scope_is_not_found_for_the_concept_too(flow, world) -> None:
    client, deps, inbox = flow
    version_id, _ = _seal_one(client, deps, inbox, world)
    portaal, _ = logged_in(client.app, "portaal")  # a partner of the other case only
    assert portaal.get(f"/versies/{version_id}/concept.pdf").status_code == 404
    assert portaal.get(f"/versies/{version_id}/document.pdf").status_code == 404
    coordinator, _ = logged_in(client.app, "coordinator")
    assert coordinator.get("/versies/999999/concept.pdf").status_code == 404
