"""The pages that offer a sealed document, as their readers see them (issue 13): the staff
version page names the sealed file as the document that counts, when it was sealed and when
each party signed, and offers the unsealed file only as a concept; the party's link offers
the sealed copy. Phone and desktop, axe-clean; the links give the sealed bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from agreements.db.models import DocumentVersion
from signing.certs import ensure_dev_certificate
from tests.e2e.pages import EACH_SIZE, ONE_DATABASE, log_in, looked_at, open_page
from tests.flows import Live, sign_by_link

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]


@pytest.fixture(scope="module")
def sealed(live: Live) -> Iterator[tuple[Live, str, str]]:
    """Every party of the site's version signed through its link; the worker (inline here)
    sealed it. The tenant's token and the sealed file's SHA-256."""
    site = live.site
    settings = site.deps.settings
    ensure_dev_certificate(settings.effective_seal_pkcs12, settings.effective_seal_password)
    tokens = {role: site.link(role) for role in site.requests}
    for role, token in tokens.items():
        sign_by_link(site.deps, token, f"Ondertekenaar {role}")
    with site.deps.db() as session:
        row = session.get(DocumentVersion, site.version["id"])
        assert row is not None and row.is_sealed, (row.finish_status, row.finish_error)
        digest = row.sealed_sha256
    assert digest is not None
    yield live, tokens["tenant"], digest


@ONE_DATABASE
@EACH_SIZE
def test_the_version_page_offers_the_sealed_file(
    sealed: tuple[Live, str, str], browser: Browser, size: str
) -> None:
    live, _, digest = sealed
    page = open_page(browser, size)
    log_in(page, live.base)
    page.goto(f"{live.base}/versies/{live.site.version['id']}")
    looked_at(
        page,
        "version-sealed",
        size,
        "Open het ondertekende document (PDF, verzegeld)",
        "Het document is verzegeld op",
        "Concept zonder handtekeningen openen (niet ondertekend",
        "Getekend op",
        issue=13,
    )
    link = page.get_by_role("link", name="Open het ondertekende document (PDF, verzegeld)")
    served = page.request.get(f"{live.base}{link.get_attribute('href')}")
    assert served.ok and hashlib.sha256(served.body()).hexdigest() == digest


@ONE_DATABASE
@EACH_SIZE
def test_the_tenants_link_offers_the_sealed_copy(
    sealed: tuple[Live, str, str], browser: Browser, size: str
) -> None:
    live, token, digest = sealed
    page = open_page(browser, size)
    page.goto(f"{live.base}/s/{token}")
    looked_at(
        page,
        "link-sealed",
        size,
        "Alle partijen hebben getekend",
        "Download uw ondertekende document (PDF)",
        issue=13,
    )
    link = page.get_by_role("link", name="Download uw ondertekende document (PDF)")
    served = page.request.get(f"{live.base}{link.get_attribute('href')}")
    assert served.ok and hashlib.sha256(served.body()).hexdigest() == digest
    also = page.request.get(f"{live.base}/s/{token}/document.pdf")
    assert hashlib.sha256(also.body()).hexdigest() == digest
