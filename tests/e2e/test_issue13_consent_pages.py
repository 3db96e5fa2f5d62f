"""The signing page as an organisation's signer and as the tenant see it (issue 13): each
reads the consent text for their kind of party; the organisation's promises are its own,
named. Phone and desktop, axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from agreements.domain import consent
from tests.e2e.pages import EACH_SIZE, ONE_DATABASE, looked_at, open_page
from tests.flows import Live

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]


@ONE_DATABASE
@EACH_SIZE
@pytest.mark.parametrize("role", ["municipality", "tenant"])
def test_the_signing_page_shows_the_text_for_the_party(
    live: Live, browser: Browser, size: str, role: str
) -> None:
    token = live.site.link(role)
    page = open_page(browser, size)
    page.goto(f"{live.base}/s/{token}")
    text = consent.consent_text(live.site.deps.settings.consent_version, role)
    promise = "Uw organisatie belooft dit:" if role != "tenant" else "U belooft dit:"
    looked_at(page, f"consent-{role}", size, text, promise, at="#toestemming", issue=13)
    if role != "tenant":
        assert page.get_by_text("U tekent namens Gemeente Utrecht.", exact=False).is_visible()
        assert "gegevens over mij" not in page.content()
