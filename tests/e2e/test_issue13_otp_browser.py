"""The one-time code before signing from a link, in Chromium at phone and desktop size
(issue 13): ask for a code by e-mail, type a wrong one (Dutch message, typed kept), then the
right one, and the signing page opens. Axe-clean, screenshots issue13-otp-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Browser

from agreements.services.mail import send as mail
from tests.e2e.pages import EACH_SIZE, ONE_DATABASE, looked_at, open_page
from tests.flows import Live, Site
from tests.support import free_port, uvicorn_thread

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]
ROLE_FOR_SIZE = {"phone": "municipality", "desktop": "corporation"}  # a fresh request each


@pytest.fixture(scope="module")
def otp_live(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    outbox = tmp_path_factory.mktemp("otp-outbox")
    app = site.app(otp_required_roles=set(ROLE_FOR_SIZE.values()), mail_outbox=outbox)
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    with uvicorn_thread(config) as base:
        live = Live(base, site)
        live.outbox = outbox  # type: ignore[attr-defined]
        yield live


@ONE_DATABASE
@EACH_SIZE
def test_the_code_is_asked_checked_and_then_signing_opens(
    otp_live: Live, browser: Browser, size: str
) -> None:
    token = otp_live.site.link(ROLE_FOR_SIZE[size])
    page = open_page(browser, size)
    page.goto(f"{otp_live.base}/s/{token}")
    assert page.url.endswith(f"/s/{token}/code"), page.url
    looked_at(page, "otp-ask", size, "Eerst een code", "Hoe wilt u de code krijgen?", issue=13)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Stuur de code per e-mail")).click()
    field = page.locator("#code")
    assert field.get_attribute("autocomplete") == "one-time-code"
    assert field.get_attribute("inputmode") == "numeric"
    size_px = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#code')).fontSize)"
    )
    assert size_px >= 16
    looked_at(page, "otp-sent", size, "Wij hebben een e-mail met de code gestuurd", issue=13)
    kept = [m for m in mail.outbox(otp_live.outbox) if m.subject == "Uw code om te tekenen"]  # type: ignore[attr-defined]
    code = re.search(r"\b(\d{6})\b", kept[0].body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    field.fill(wrong)
    with page.expect_navigation():
        page.get_by_role("button", name="Verder").click()
    assert page.locator("#code").input_value() == wrong
    looked_at(page, "otp-wrong", size, "Deze code klopt niet", "nog 4 keer", issue=13)
    page.locator("#code").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Verder").click()
    assert page.url.endswith(f"/s/{token}"), page.url
    assert page.get_by_role("button", name="Ondertekenen").is_visible()
