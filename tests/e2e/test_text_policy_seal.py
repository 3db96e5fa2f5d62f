"""The reproduction of issue 10, item 2: a bad typed name is refused, so sealing always works."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from agreements.db.models import DocumentVersion, Signature, SignatureRequest
from agreements.domain.enums import FinishStatus
from tests.flows import MANDATE, link_in, render_agreement, send_requests, sign_by_link

pytestmark = pytest.mark.libreoffice


def test_a_bad_typed_name_is_refused_a_good_one_signs_and_the_seal_is_made(
    flow: Any,
    world: Any,
) -> None:
    client, deps, inbox = flow
    version = render_agreement(client, world, world.case_mitros)
    requests = send_requests(client, world, version["id"])
    by_role = {r["party_role"]: r for r in requests}
    tokens = {r["party_role"]: link_in(inbox.invitation(r["email"])) for r in requests}
    consent = deps.settings.consent_version
    form = {"consent": "ja", "consent_version": consent}

    # The exact request: control character U+0001 and a right-to-left override.
    bad = client.post(
        f"/s/{tokens['tenant']}/sign", data={**form, "typed_name": "Zo\x01\u202e kooH"}
    )
    assert bad.status_code == 422 and 'id="typed_name-error"' in bad.text
    nul = client.post(f"/s/{tokens['tenant']}/sign", data={**form, "typed_name": "Zo\x00"})
    assert nul.status_code == 422  # on PostgreSQL this was a 500
    good = client.post(f"/s/{tokens['tenant']}/sign", data={**form, "typed_name": "Zo kooH"},
                       follow_redirects=False)  # fmt: skip
    assert good.status_code == 303, good.text

    # The API and the use case refuse the same, with the field and the reason.
    coordinator = f"/api/v1/signature-requests/{by_role['coordinator']['id']}/sign"
    h = world.headers("coordinator")
    refused = client.post(coordinator, headers=h,
                          json={"typed_name": "Coo\u200b", "consent_version": consent})  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "typed_name"
    assert "U+200B" in refused.json()["errors"][0]["reason"]
    with pytest.raises(Exception, match="typed_name"):
        sign_by_link(deps, tokens["representative"], "Bewind\ufeff")
    signed = client.post(
        coordinator, headers=h, json={"typed_name": "Coo", "consent_version": consent, **MANDATE}
    )
    assert signed.status_code == 200, signed.text
    corporation = f"/api/v1/signature-requests/{by_role['corporation']['id']}/sign"
    assert client.post(corporation, headers=world.headers("mitros"),
                       json={"typed_name": "M. Jansen", "consent_version": consent, **MANDATE},
                       ).status_code == 200  # fmt: skip
    sign_by_link(deps, tokens["representative"], "mr. J. de Bewindvoerder")
    # The other co-tenant and the buurtteam sign on their own too (issue 13).
    sign_by_link(deps, link_in(inbox.invitation(requests[0]["email"])), "Ünal Yılmaz")
    sign_by_link(deps, tokens["neighbourhood_team"], "L. de Graaf")
    last = sign_by_link(deps, tokens["municipality"], "R. Öztürk")
    assert last.complete

    with deps.db() as session:  # the worker ran at once (huey immediate): sealed
        row = session.get(DocumentVersion, version["id"])
        assert row is not None
        assert row.finish_status is FinishStatus.DONE, row.finish_error
        names = set(
            session.scalars(
                select(Signature.evidence["typed_name"].as_string())
                .join(SignatureRequest, Signature.request_id == SignatureRequest.id)
                .where(SignatureRequest.version_id == version["id"])
            )
        )
    assert names == {
        *("Zo kooH", "Coo", "M. Jansen", "mr. J. de Bewindvoerder", "R. Öztürk"),
        *("Ünal Yılmaz", "L. de Graaf"),
    }
    sealed = client.get(f"/api/v1/document-versions/{version['id']}/sealed.pdf", headers=h)
    assert sealed.status_code == 200 and sealed.content.startswith(b"%PDF")
    upload = {"file": ("s.pdf", sealed.content, "application/pdf")}
    verified = client.post("/api/v1/verify", headers=h, files=upload)
    assert verified.status_code == 200 and verified.json()["outcome"] == "authentic"
    reader = PdfReader(io.BytesIO(sealed.content))
    bundle = json.loads(reader.attachments["ondertekening.json"][0])
    assert len(bundle["signatures"]) == 7
    evidence = "".join(page.extract_text() for page in reader.pages[-3:])  # the evidence pages
    assert "Zo kooH" in evidence
