"""The signing page in a real Chromium on a phone: read, draw, sign by keyboard, run axe."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from agreements.db.models import Signature
from tests.flows import Live

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]
# One backend is enough here: the pages test covers both databases over HTTP.
ONE_DATABASE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 375, "height": 812}


def phone(browser: Browser, **options: Any) -> Page:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="nl-NL",
        **options,
    )  # fmt: skip
    return context.new_page()


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def assert_fits_the_phone(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == PHONE["width"], widths


def screenshot(page: Page, name: str) -> None:
    # Only on request, so a test run never dirties the working tree.
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name))


def tab_to(page: Page, element_id: str, key: str = "Tab", limit: int = 15) -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"{key} never reached #{element_id}")


def focus_visible(page: Page) -> bool:
    return bool(page.evaluate("getComputedStyle(document.activeElement).outlineStyle !== 'none'"))


@ONE_DATABASE
def test_tenant_reads_draws_and_signs_with_the_keyboard(live: Live, browser: Browser) -> None:
    token = live.site.link("tenant")
    page = phone(browser)
    page.goto(f"{live.base}/s/{token}")
    assert page.locator("h1").inner_text() == "Lezen en ondertekenen"
    page.locator(".pages img").first.wait_for()
    page.wait_for_function("() => document.querySelector('.pages img').naturalWidth > 0")
    assert page.locator("#tekenvak").is_visible()  # the script ran despite the strict CSP
    assert_fits_the_phone(page)
    assert_accessible(page)
    screenshot(page, "signing-phone.png")

    # Sending the empty form: the errors are announced, focused, and pass axe too.
    with page.expect_navigation():
        page.get_by_role("button", name="Ondertekenen", exact=True).click()
    assert page.evaluate("document.activeElement.id") == "fouten"
    assert page.locator("#typed_name").get_attribute("aria-invalid") == "true"
    assert_fits_the_phone(page)
    assert_accessible(page)

    tab_to(page, "typed_name")
    assert focus_visible(page)
    page.keyboard.type("Zoë van 't Hek")
    canvas = page.locator("#drawn-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"] + box["height"] / 2
    page.mouse.move(x + 20, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 20 + step * 25, y + (15 if step % 2 else -15), steps=2)
    page.mouse.up()
    assert page.input_value("#drawn").startswith("data:image/png;base64,")
    tab_to(page, "consent")
    page.keyboard.press("Space")
    assert page.is_checked("#consent")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Ondertekenen"
    assert focus_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith(f"/s/{token}/klaar")
    assert page.locator("h1").inner_text() == "Bedankt! U heeft ondertekend"
    assert_fits_the_phone(page)
    assert_accessible(page)
    screenshot(page, "signing-done.png")
    with live.site.deps.db() as session:
        signature = session.scalar(
            select(Signature).where(Signature.request_id == live.site.requests["tenant"])
        )
    assert signature is not None and signature.evidence["typed_name"] == "Zoë van 't Hek"
    assert signature.drawn_png_sha256 is not None
    assert live.site.engine.store.get(signature.drawn_png_sha256).startswith(b"\x89PNG")

    # The used link and an unknown link explain themselves, accessibly.
    assert page.goto(f"{live.base}/s/{token}").status == 410
    assert "al ondertekend" in page.locator("h1").inner_text()
    assert_accessible(page)
    assert page.goto(f"{live.base}/s/{'B' * 43}").status == 404
    assert_fits_the_phone(page)
    assert_accessible(page)
    page.context.close()


@ONE_DATABASE
def test_without_javascript_errors_are_shown_and_signing_still_works(
    live: Live, browser: Browser
) -> None:
    token = live.site.link("corporation")
    page = phone(browser, java_script_enabled=False)
    page.goto(f"{live.base}/s/{token}")
    assert not page.locator("#tekenvak").is_visible()  # no drawing without a script
    page.fill("#typed_name", "J. de Vries")
    with page.expect_navigation():
        page.get_by_role("button", name="Ondertekenen", exact=True).click()
    assert page.locator("[role=alert]").is_visible()
    assert page.input_value("#typed_name") == "J. de Vries"
    assert page.get_attribute("#consent", "aria-invalid") == "true"
    # The corporation signs through a person: function and mandate are asked (issue 13).
    assert page.get_attribute("#function", "aria-invalid") == "true"
    page.check("#consent")
    page.fill("#function", "Teamleider Wonen")
    page.select_option("#mandate_basis", "power_of_attorney")
    page.fill("#mandate_detail", "volmacht van de directie van 1 september 2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Ondertekenen", exact=True).click()
    assert page.locator("h1").inner_text() == "Bedankt! U heeft ondertekend"
    page.context.close()
