"""The kiosk in Chromium (issue 13): the coordinator starts it from the version page and names
the witness; the tenant reads the page images, draws on the pad with the mouse, types the
name, agrees and signs; the thank-you page stays in the kiosk; a staff URL is refused; the
way back takes a wrong then the right password. Axe-clean at tablet, phone and desktop at
every step; screenshots issue13-kiosk-*-{tablet,phone,desktop}.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from agreements.services.demo import DEMO_PASSWORD
from tests.e2e.pages import ONE_DATABASE, SIZES, log_in, looked_at, open_page
from tests.flows import Live

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]


def _each_size(page: Page, shot: str, *texts: str, at: str = "") -> None:
    for size in ("tablet", "phone", "desktop"):  # the kiosk is a tablet held upright
        page.set_viewport_size(SIZES[size])
        looked_at(page, f"kiosk-{shot}", size, *texts, at=at, issue=13)


def _submit(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


@ONE_DATABASE
def test_the_tenant_signs_in_the_kiosk_and_the_coordinator_returns(
    live: Live, browser: Browser
) -> None:
    tenant = live.site.request_row("tenant")
    page = open_page(browser, "desktop")
    log_in(page, live.base)
    page.goto(f"{live.base}/versies/{tenant.version_id}")
    page.locator(f"a[href='/verzoeken/{tenant.id}/kiosk']").click()
    page.fill("#witness_name", "")
    _submit(page, re.compile("Start"))
    _each_size(page, "witness-missing", "U bent de getuige")
    page.set_viewport_size(SIZES["desktop"])
    page.fill("#witness_name", "Annemarie de Getuige")
    _submit(page, re.compile("Start"))
    assert page.url.endswith("/kiosk"), page.url
    assert page.get_by_text("Uitloggen").count() == 0
    assert page.get_by_role("navigation").count() == 0
    # Full screen on a button press; refused or granted, the page stays usable.
    fullscreen = page.locator("#kiosk-fullscreen")
    if fullscreen.is_visible():
        fullscreen.click()
        page.wait_for_timeout(300)
    images = page.locator("ol.pages img")
    assert images.count() >= 1
    images.first.scroll_into_view_if_needed()
    assert page.evaluate("document.querySelector('ol.pages img').naturalWidth") > 0
    _each_size(page, "read", "Wat belooft u?", "Lees het document")
    page.set_viewport_size(SIZES["desktop"])
    canvas = page.locator("#drawn-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box
    page.mouse.move(box["x"] + 30, box["y"] + 60)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 60 + (step % 3) * 30)
    page.mouse.up()
    assert page.locator("#drawn").input_value().startswith("data:image/png;base64,")
    page.fill("#typed_name", "Zoë Browser")
    size_px = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#typed_name')).fontSize)"
    )
    assert size_px >= 16
    page.check("#consent")
    _each_size(page, "sign", "Ondertekenen", at="#drawn-canvas")
    page.set_viewport_size(SIZES["desktop"])
    _submit(page, "Ondertekenen")
    _each_size(page, "thanks", "Bedankt, u heeft getekend")
    assert live.site.signatures("tenant") == 1
    # A tenant typing a staff URL lands back in the kiosk.
    page.goto(f"{live.base}/zaken")
    assert page.url.endswith("/kiosk"), page.url
    page.get_by_role("link", name="Terug naar de coördinator").click()
    page.fill("#password", "niet-het-wachtwoord")
    _submit(page, "Terug naar het werk")
    _each_size(page, "wrong-password", "Dit wachtwoord klopt niet")
    page.goto(f"{live.base}/werk")
    assert page.url.endswith("/kiosk"), page.url
    page.goto(f"{live.base}/kiosk/verlaten")
    page.fill("#password", DEMO_PASSWORD)
    _submit(page, "Terug naar het werk")
    assert page.url.endswith("/werk"), page.url
    assert page.get_by_text("Uitloggen").count() == 1
