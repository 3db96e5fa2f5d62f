"""The signing pages keep the text policy and stop showing documents a while after signing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from agreements.db.models import DocumentVersion, Signature, SignatureRequest
from agreements.domain.enums import FinishStatus, RequestStatus
from tests.flows import MANDATE, Site, logged_in

pytestmark = pytest.mark.libreoffice


def _form(site: Site, name: str) -> dict[str, str]:
    return {"typed_name": name, "consent": "ja",
            "consent_version": site.deps.settings.consent_version, **MANDATE}  # fmt: skip


def _set(site: Site, role: str, **changes: Any) -> None:
    with site.deps.db.begin() as session:
        row = session.get(SignatureRequest, site.requests[role])
        assert row is not None
        for key, value in changes.items():
            setattr(row, key, value)


@pytest.fixture
def fake_seal(site: Site) -> Iterator[Any]:
    """Mark the version sealed at a given moment; the shared world gets its state back."""

    def seal(at: datetime | None) -> None:
        with site.deps.db.begin() as session:
            row = session.get(DocumentVersion, site.version["id"])
            assert row is not None
            if at is None:
                row.finish_status, row.sealed_sha256, row.sealed_at = (
                    FinishStatus.NOT_READY, None, None)  # fmt: skip
            else:
                digest = site.engine.store.put(b"%PDF-1.7 sealed copy for the reading test")
                row.finish_status, row.sealed_sha256, row.sealed_at = FinishStatus.DONE, digest, at

    yield seal
    seal(None)


@pytest.mark.parametrize("bad", ["Zo\x01\u202e kooH", "Zo\x00e", "\ufeffZoë", "Zoë\u200b"])
def test_a_bad_typed_name_is_refused_at_the_field_and_kept(site: Site, bad: str) -> None:
    token = site.link("representative")
    with site.client() as client:
        page = client.post(f"/s/{token}/sign", data=_form(site, bad))
        assert page.status_code == 422, page.text
        assert 'id="typed_name-error"' in page.text and "In de tekst staat" in page.text
        assert 'aria-invalid="true"' in page.text
        assert f'value="{bad}"' in page.text  # what the party typed is still there
    assert site.signatures("representative") == 0
    assert site.request_row("representative").status is RequestStatus.PENDING


def test_decline_with_a_bad_reason_is_refused_then_a_good_one_is_kept(site: Site) -> None:
    token = site.link("coordinator")
    version = site.deps.settings.consent_version
    with site.client() as client:
        for bad in ("nee\x00", "nee\u2028", "nee\uffff"):
            page = client.post(f"/s/{token}/decline",
                               data={"reason": bad, "consent_version": version})  # fmt: skip
            assert page.status_code == 422, page.text
            assert 'id="reason-error"' in page.text and "In de tekst staat" in page.text
        assert site.request_row("coordinator").status is RequestStatus.PENDING
        done = client.post(f"/s/{token}/decline",
                           data={"reason": "Nee.\r\nDe huur klopt niet.",
                                 "consent_version": version})  # fmt: skip
        assert done.status_code == 200, done.text
    assert site.request_row("coordinator").decline_reason == "Nee.\nDe huur klopt niet."
    # The decline paused the version's other open requests; the later tests use them open.
    with site.deps.db.begin() as session:
        for request in session.scalars(
            select(SignatureRequest).where(
                SignatureRequest.version_id == site.version["id"],
                SignatureRequest.status == RequestStatus.PAUSED,
            )
        ):
            request.status = RequestStatus.PENDING


def test_staff_signing_form_refuses_a_bad_name_at_the_field(site: Site) -> None:
    client, csrf = logged_in(site.app(), "portaal")
    url = f"/verzoeken/{site.requests['corporation']}/tekenen"
    assert client.get(url).status_code == 200
    form = {**_form(site, "M. Jansen\u202e"), "csrf": csrf}
    page = client.post(url, data=form)
    assert page.status_code == 422, page.text
    assert 'id="typed_name-error"' in page.text and "leesrichting" in page.text
    assert 'value="M. Jansen\u202e"' in page.text
    assert site.signatures("corporation") == 0
    signed = client.post(url, data={**form, "typed_name": "M. Jansen"})
    assert signed.status_code == 303, signed.text
    assert site.signatures("corporation") == 1


def test_the_version_page_offers_staff_what_the_service_lets_them_sign(site: Site) -> None:
    """The page asks the service's rule: a coordinator witnesses the tenant signing in person
    but never signs for an organisation (it signs for itself)."""
    roles = ("tenant", "corporation")
    with site.deps.db() as session:
        saved = {}
        for role in roles:
            row = session.get(SignatureRequest, site.requests[role])
            assert row is not None
            saved[role] = {"status": row.status, "expires_at": row.expires_at}
    later = datetime.now(UTC) + timedelta(days=7)
    for role in roles:
        _set(site, role, status=RequestStatus.PENDING, expires_at=later)
    try:
        client, csrf = logged_in(site.app(), "coordinator")
        page = client.get(f"/versies/{site.version['id']}")
        assert page.status_code == 200, page.text
        tenant = site.requests["tenant"]
        # In person only through the kiosk: the old page sends its GET and POST there.
        assert f"/verzoeken/{tenant}/kiosk" in page.text
        assert f"/verzoeken/{tenant}/tekenen" not in page.text
        assert f"/verzoeken/{site.requests['corporation']}/" not in page.text
        form = {**_form(site, "Zoë Yılmaz"), "csrf": csrf}
        for moved in (
            client.get(f"/verzoeken/{tenant}/tekenen", follow_redirects=False),
            client.post(f"/verzoeken/{tenant}/tekenen", data=form, follow_redirects=False),
        ):
            assert moved.status_code == 303, moved.text
            assert moved.headers["location"] == f"/verzoeken/{tenant}/kiosk"
        assert site.signatures("tenant") == 0
        refused = client.get(f"/verzoeken/{site.requests['corporation']}/tekenen")
        assert refused.status_code == 403
    finally:
        for role in roles:
            _set(site, role, **saved[role])


def test_a_used_link_reads_for_a_while_then_says_how_to_get_a_copy(
    site: Site,
    fake_seal: Any,
) -> None:
    token = site.link("tenant")
    now = datetime.now(UTC)
    with site.client() as client:
        refused = client.post(f"/s/{token}/sign", data=_form(site, "Zo\x01\u202e kooH"))
        assert refused.status_code == 422
        assert client.post(f"/s/{token}/sign", data=_form(site, "Zoë van 't Hek"),
                           follow_redirects=False).status_code == 303  # fmt: skip
        with site.deps.db() as session:
            sig = session.scalar(
                select(Signature).where(Signature.request_id == site.requests["tenant"])
            )
            assert sig is not None and sig.evidence["typed_name"] == "Zoë van 't Hek"
        # Signed 29 days ago and the link's signing time long over: the document still reads.
        _set(site, "tenant", done_at=now - timedelta(days=29), expires_at=now - timedelta(days=400))
        assert client.get(f"/s/{token}/document.pdf").status_code == 200
        assert client.get(f"/s/{token}/pages/1.png").status_code == 200
        assert "document.pdf" in client.get(f"/s/{token}").text

        # 400 days after signing: every way to read says how to get a copy instead.
        _set(site, "tenant", done_at=now - timedelta(days=400))
        fake_seal(now - timedelta(days=399))
        for path in ("document.pdf", "ondertekend.pdf", "pages/1.png", "", "klaar"):
            page = client.get(f"/s/{token}/{path}".rstrip("/"))
            assert page.status_code == 410, (path, page.text)
            assert page.headers["content-type"].startswith("text/html")
            assert "Het document staat niet meer klaar" in page.text
            assert "Wilt u een kopie?" in page.text and "Vraag het aan uw coördinator" in page.text
            assert "coordinator@demo.example" in page.text  # the case's coordinator
            assert "%PDF" not in page.text and f'href="/s/{token}' not in page.text
            assert re.search(r"getekend\.\s+Daarna kon u het document", page.text)

        # A seal made later starts the period again: the sealed copy is there for 30 days.
        fake_seal(now - timedelta(days=5))
        copy = client.get(f"/s/{token}/ondertekend.pdf")
        assert copy.status_code == 200 and copy.content.startswith(b"%PDF-1.7 sealed copy")
        assert client.get(f"/s/{token}/document.pdf").status_code == 200
        fake_seal(now - timedelta(days=site.deps.settings.signed_link_days + 1))
        assert client.get(f"/s/{token}/ondertekend.pdf").status_code == 410
