"""The signing pages over HTTP: reading changes nothing, signing and declining happen once."""

from __future__ import annotations

import base64
import html
import re
import struct
import threading
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from agreements.db.models import AuditEntry, DocumentVersion, Signature, SignatureRequest
from agreements.domain import consent
from agreements.domain.enums import FinishStatus, RequestStatus
from agreements.services.audit import log as audit
from tests.flows import MANDATE, Site, render_and_read

pytestmark = pytest.mark.libreoffice


def tiny_png() -> bytes:
    """A valid 1x1 PNG, made by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def snapshot(site: Site, role: str) -> tuple[Any, ...]:
    """Everything a GET could have changed: the request row, signatures, the audit chain."""
    with site.deps.db() as session:
        row = session.get(SignatureRequest, site.requests[role])
        assert row is not None
        columns = tuple(getattr(row, c.key) for c in SignatureRequest.__table__.columns)
        return (
            columns,
            session.scalar(select(func.count()).select_from(Signature)),
            session.scalar(select(func.max(AuditEntry.seq))),
        )


def test_opening_a_link_shows_the_page_and_changes_nothing(site: Site) -> None:
    token = site.link("tenant")
    before = snapshot(site, "tenant")
    with site.client() as client:
        page = client.get(f"/s/{token}")
        assert page.status_code == 200, page.text
        text = page.text
        assert '<html lang="nl">' in text and text.count("<h1>") == 1
        assert (
            "<h1>Lezen en ondertekenen</h1>" in text
            and "Woonbegeleidingsovereenkomst, versie" in text
        )
        assert '<meta name="referrer" content="no-referrer">' in text
        assert "Wat belooft u?" in text and 'autocomplete="name"' in text
        version = site.deps.settings.consent_version
        assert html.escape(consent.consent_text(version, "tenant")) in text
        assert f"versie {site.deps.settings.consent_version}" in text
        with site.deps.db() as session:
            version = session.get(DocumentVersion, site.version["id"])
            assert version is not None
            data, pages = version.data, version.pages or 0
        assert data["case"]["reference"] in text
        for promise in data["tenant"]["obligations"]:
            assert html.escape(promise) in text
        assert pages >= 1 and text.count(f'src="/s/{token}/pages/') == pages
        assert re.search(r'alt="Pagina 1 van \d+ van de woonbegeleidingsovereenkomst', text)
        assert page.headers["cache-control"] == "no-store"
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "<script>" not in text and not re.search(r"\son[a-z]+=", text)

        image = client.get(f"/s/{token}/pages/1.png")
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert image.content.startswith(b"\x89PNG")
        cached = site.engine.store.root.parent / "page-images" / site.version["pdf_sha256"][:2]
        assert (cached / f"{site.version['pdf_sha256']}-1.png").exists()
        assert client.get(f"/s/{token}/pages/1.png").content == image.content
        assert client.get(f"/s/{token}/pages/0.png").status_code == 404
        assert client.get(f"/s/{token}/pages/{pages + 1}.png").status_code == 404
        pdf = client.get(f"/s/{token}/document.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content == site.engine.store.get(site.version["pdf_sha256"])
        assert client.get(f"/s/{token}/klaar", follow_redirects=False).status_code == 303
        assert client.get("/assets/signing.js").status_code == 200
        assert client.get("/assets/nope.js").status_code == 404
    assert snapshot(site, "tenant") == before


def test_sign_once_keeps_input_on_errors_and_then_the_link_is_used(site: Site) -> None:
    token = site.link("tenant")
    version = site.deps.settings.consent_version
    with site.client(headers={"User-Agent": "Telefoon/1.0"}) as client:
        missing = client.post(
            f"/s/{token}/sign", data={"typed_name": "Zoë & co", "consent_version": version}
        )
        assert missing.status_code == 422
        assert 'role="alert"' in missing.text and "Zet een vinkje" in missing.text
        assert 'value="Zoë &amp; co"' in missing.text
        assert 'aria-invalid="true" aria-describedby="consent-error"' in missing.text
        bad = client.post(
            f"/s/{token}/sign",
            data={"typed_name": "Zoë", "consent": "ja", "consent_version": version,
                  "drawn": "data:image/png;base64," + base64.b64encode(b"GIF89a").decode()},
        )  # fmt: skip
        assert bad.status_code == 422 and "Deze tekening kunnen wij niet gebruiken" in bad.text
        assert 'id="drawn-error"' in bad.text
        huge = (
            "data:image/png;base64,"
            + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(210_000)).decode()
        )
        too_big = client.post(
            f"/s/{token}/sign",
            data={"typed_name": "Zoë", "consent": "ja", "consent_version": version, "drawn": huge},
        )
        assert too_big.status_code == 422 and 'id="drawn-error"' in too_big.text
        assert site.signatures("tenant") == 0
        drawn = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
        form = {"typed_name": "Zoë van 't Hek", "consent": "ja", "consent_version": version,
                "drawn": drawn}  # fmt: skip
        signed = client.post(f"/s/{token}/sign", data=form, follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == f"/s/{token}/klaar"
        thanks = client.get(f"/s/{token}/klaar")
        assert thanks.status_code == 200 and "Bedankt! U heeft ondertekend" in thanks.text
        again = client.post(f"/s/{token}/sign", data=form, follow_redirects=False)
        assert again.status_code == 410 and "al gebruikt" in again.text
        assert site.signatures("tenant") == 1
        with site.deps.db() as session:
            sig = session.scalar(
                select(Signature).where(Signature.request_id == site.requests["tenant"])
            )
            assert sig is not None
        assert sig.evidence["typed_name"] == "Zoë van 't Hek"
        assert sig.evidence["ip"] == "testclient" and sig.evidence["user_agent"] == "Telefoon/1.0"
        assert sig.drawn_png_sha256 and site.engine.store.get(sig.drawn_png_sha256) == tiny_png()

        # Until the document is sealed the party can fetch what it signed, not a sealed copy.
        used = client.get(f"/s/{token}")
        assert used.status_code == 410 and f"/s/{token}/document.pdf" in used.text
        assert "ondertekend.pdf" not in used.text
        assert client.get(f"/s/{token}/ondertekend.pdf").status_code == 404
        sealed = site.engine.store.put(b"%PDF-1.7 sealed copy for the test")
        with site.deps.db.begin() as session:
            row = session.get(DocumentVersion, site.version["id"])
            assert row is not None
            row.finish_status, row.sealed_sha256 = FinishStatus.DONE, sealed
        used = client.get(f"/s/{token}")
        assert used.status_code == 410 and f"/s/{token}/ondertekend.pdf" in used.text
        before = _sealed_reads(site)
        copy = client.get(f"/s/{token}/ondertekend.pdf")
        assert copy.status_code == 200 and copy.content == site.engine.store.get(sealed)
        assert _sealed_reads(site) == [*before, "party:tenant"]  # the read is logged
        assert "ondertekend.pdf" in client.get(f"/s/{token}/klaar").text
        # The shared test world must not keep a fake seal (a dossier would include it).
        with site.deps.db.begin() as session:
            row = session.get(DocumentVersion, site.version["id"])
            assert row is not None
            row.finish_status, row.sealed_sha256 = FinishStatus.NOT_READY, None


def _sealed_reads(site: Site) -> list[str]:
    """Who read the sealed copy of the site's version, by the audit log (reads chained)."""
    audit.chain_staged(site.deps)
    with site.deps.db() as session:
        return list(
            session.scalars(
                select(AuditEntry.actor)
                .where(
                    AuditEntry.action == "document.read_sealed",
                    AuditEntry.subject_id == str(site.version["id"]),
                )
                .order_by(AuditEntry.seq)
            )
        )


def test_sixteen_concurrent_posts_make_one_signature(site: Site) -> None:
    token = site.link("corporation")
    form = {"typed_name": "J. de Vries", "consent": "ja",
            "consent_version": site.deps.settings.consent_version, **MANDATE}  # fmt: skip
    app, gate, codes = site.app(), threading.Barrier(16), []
    lock = threading.Lock()

    def post() -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            gate.wait()
            code = client.post(f"/s/{token}/sign", data=form, follow_redirects=False).status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=post) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [303] + [410] * 15, codes
    assert site.signatures("corporation") == 1


def test_decline_needs_a_reason(site: Site) -> None:
    token = site.link("coordinator")
    version = site.deps.settings.consent_version
    with site.client() as client:
        empty = client.post(
            f"/s/{token}/decline", data={"reason": "  ", "consent_version": version}
        )
        assert empty.status_code == 422 and "Schrijf op waarom u niet tekent" in empty.text
        assert 'aria-invalid="true" aria-describedby="reason-error"' in empty.text
        declined = client.post(
            f"/s/{token}/decline",
            data={"reason": "De afspraken over de huur kloppen niet.", "consent_version": version},
        )
        assert declined.status_code == 200 and "U heeft niet getekend" in declined.text
        again = client.get(f"/s/{token}")
        assert again.status_code == 410 and "niet tekent" in again.text
    row = site.request_row("coordinator")
    assert row.status is RequestStatus.DECLINED
    assert row.decline_reason == "De afspraken over de huur kloppen niet."
    assert site.signatures("coordinator") == 1
    # The decline paused the version's other open requests; the later tests of this module
    # use them as open ones again.
    with site.deps.db.begin() as session:
        paused = list(
            session.scalars(
                select(SignatureRequest).where(
                    SignatureRequest.version_id == site.version["id"],
                    SignatureRequest.status == RequestStatus.PAUSED,
                )
            )
        )
        assert paused
        for request in paused:
            request.status = RequestStatus.PENDING


def test_posts_are_rate_limited_per_route_and_client(site: Site) -> None:
    with site.client(sign_attempts_per_minute=3) as client:
        unknown = "x" * 43
        codes = [client.post(f"/s/{unknown}{n}/sign").status_code for n in range(3)]
        assert codes == [404, 404, 404]
        limited = client.post(f"/s/{unknown}/sign")
        assert limited.status_code == 429 and "te vaak" in limited.text
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        # Another route has its own count; reading is never limited.
        assert client.post(f"/s/{unknown}/decline").status_code == 404
        assert client.get(f"/s/{unknown}").status_code == 404


def test_dead_links_say_what_happened_and_whom_to_call(site: Site) -> None:
    settings = site.deps.settings
    representative, municipality = site.link("representative"), site.link("municipality")
    with site.client() as client:
        page = client.get(f"/s/{representative}")
        assert page.status_code == 200 and "U tekent als bewindvoerder voor" in page.text

        # In an ordered signing a later party waits for the earlier ones.
        with site.deps.db.begin() as session:
            session.get(SignatureRequest, site.requests["municipality"]).position = 1
            session.get(SignatureRequest, site.requests["representative"]).position = 2
        waiting = client.get(f"/s/{representative}")
        assert waiting.status_code == 200 and "U kunt nog niet tekenen" in waiting.text
        form = {
            "typed_name": "B. Bewind",
            "consent": "ja",
            "consent_version": settings.consent_version,
        }
        assert client.post(f"/s/{representative}/sign", data=form).status_code == 409
        assert site.signatures("representative") == 0

        revoked = client.post(
            f"/api/v1/signature-requests/{site.requests['representative']}/manage",
            headers=site.world.headers("coordinator"),
            json={"action": "revoke"},
        )
        assert revoked.status_code == 200, revoked.text
        page = client.get(f"/s/{representative}")
        assert page.status_code == 410 and "ingetrokken" in page.text
        assert settings.letterhead_phone in page.text and settings.letterhead_email in page.text
        assert client.post(f"/s/{representative}/sign", data=form).status_code == 410

        with site.deps.db.begin() as session:
            row = session.get(SignatureRequest, site.requests["municipality"])
            row.expires_at = datetime.now(UTC) - timedelta(days=1)
        page = client.get(f"/s/{municipality}")
        assert page.status_code == 410 and "verlopen" in page.text
        assert client.get(f"/s/{municipality}/document.pdf").status_code == 410

        render_and_read(client, site.world, site.world.case_portaal)
        page = client.get(f"/s/{municipality}")
        assert page.status_code == 410 and "nieuwe versie" in page.text
        assert client.get(f"/s/{municipality}/pages/1.png").status_code == 404

        page = client.get("/s/" + "A" * 43)
        assert page.status_code == 404 and "kennen wij niet" in page.text
        assert "Het Vierde Huis" in page.text and settings.letterhead_phone in page.text
