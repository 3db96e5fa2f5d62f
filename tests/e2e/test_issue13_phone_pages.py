"""The signing page read on a phone (issue 13): each page image has a link that opens it at
twice the shown resolution or more, the summary says what happens on a breach, every input
and button is 16 px or more; the verify page shows the fingerprint line of a sealed file.
Phone and desktop, axe-clean."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Browser

from signing.certs import ensure_dev_certificate
from tests.e2e.pages import EACH_SIZE, ONE_DATABASE, log_in, looked_at, open_page
from tests.flows import Live, sign_by_link

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]

BREACH = "Wat gebeurt er als de afspraken niet worden nagekomen?"


@ONE_DATABASE
@EACH_SIZE
def test_the_signing_page_reads_on_a_phone(live: Live, browser: Browser, size: str) -> None:
    token = live.site.link("tenant")
    page = open_page(browser, size)
    page.goto(f"{live.base}/s/{token}")
    looked_at(
        page, "phone-sign", size, BREACH, "het vonnis laten uitvoeren",
        "Dit bestand is het officiële document", at="#breuk-kop", issue=13,
    )  # fmt: skip
    looked_at(page, "phone-pages", size, "Pagina 1 groot bekijken", at=".pages a.zoom", issue=13)
    sizes = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), button, textarea')]
            .map(e => [e.id || e.textContent, parseFloat(getComputedStyle(e).fontSize)])"""
    )
    assert sizes and all(px >= 16 for _, px in sizes), sizes
    images = page.locator(".pages img")
    links = page.locator(".pages a.zoom")
    assert links.count() == images.count() > 0
    for wrong in ("999", "0", "x"):  # no such page: nothing, as for the small images
        gone = page.request.get(f"{live.base}/s/{token}/pagina-groot/{wrong}.png")
        assert gone.status in (404, 422), (wrong, gone.status)
    for i in range(links.count()):
        link = links.nth(i)
        assert link.inner_text().startswith(f"Pagina {i + 1} groot bekijken")
        images.nth(i).scroll_into_view_if_needed()
        shown = images.nth(i).evaluate("e => e.getBoundingClientRect().width")
        big = page.context.new_page()
        big.goto(f"{live.base}{link.get_attribute('href')}")
        natural = big.evaluate("document.images[0].naturalWidth")
        big.close()
        assert natural >= 2 * shown, (natural, shown)
        if size == "phone" and i == 0:
            # the image the phone picks from srcset is at least as sharp as the page as shown
            picked = images.nth(i).evaluate("e => e.complete ? e.naturalWidth : 0")
            assert picked == 0 or picked >= shown


@pytest.fixture(scope="module")
def sealed_pdf(live: Live) -> bytes:
    """Every party signed through its link; the worker (inline here) sealed it."""
    site = live.site
    settings = site.deps.settings
    ensure_dev_certificate(settings.effective_seal_pkcs12, settings.effective_seal_password)
    tokens = {role: site.link(role) for role in site.requests}
    # Playwright's sync API runs an event loop in this thread; sealing refuses to run inside one.
    with ThreadPoolExecutor(1) as pool:
        for role, token in tokens.items():
            pool.submit(sign_by_link, site.deps, token, f"Ondertekenaar {role}").result()
    with httpx.Client(base_url=live.base) as client:
        sealed = client.get(f"/s/{tokens['tenant']}/ondertekend.pdf")
    assert sealed.status_code == 200, sealed.status_code
    return sealed.content


@ONE_DATABASE
@EACH_SIZE
def test_the_verify_page_shows_the_fingerprint(
    live: Live, sealed_pdf: bytes, browser: Browser, size: str
) -> None:
    page = open_page(browser, size)
    log_in(page, live.base)
    page.goto(f"{live.base}/controleren")
    page.set_input_files(
        "#bestand", files=[{"name": "ondertekend.pdf", "mimeType": "application/pdf",
                            "buffer": sealed_pdf}],
    )  # fmt: skip
    page.get_by_role("button", name="Controleren").click()
    looked_at(
        page, "phone-verify", size, "Vingerafdruk van het ondertekende document",
        "Vingerafdruk klopt", issue=13,
    )  # fmt: skip
    # Dutch words only: the glossary's roles, the seal's holder without asn1crypto's labels.
    shown = page.locator("#uitslag").inner_text()
    for dutch in ("(huurder)", "(woningcorporatie)", "(coördinator)", "(gemeente)", "Naam: "):
        assert dutch in shown, shown
    for english in ("(corporation)", "(tenant)", "(municipality)", "Common Name", "Country"):
        assert english not in shown, shown
