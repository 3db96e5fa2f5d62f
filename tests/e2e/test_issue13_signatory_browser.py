"""An organisation's signer on the signing page in Chromium (issue 13): the page names the
organisation, asks who signs for it (function, the basis of the mandate and what shows it),
says in Dutch at each field what is missing, keeps what was typed, then signs; axe-clean
and nothing wider than the screen at phone and desktop size; screenshots
issue13-signatory-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from agreements.db.models import Signature
from tests.e2e.pages import ONE_DATABASE, SIZES, looked_at, open_page
from tests.flows import Live

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]


def _each_size(page: Page, shot: str, *texts: str, at: str = "") -> None:
    for size in ("phone", "desktop"):
        page.set_viewport_size(SIZES[size])
        looked_at(page, f"signatory-{shot}", size, *texts, at=at, issue=13)


def _submit(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Ondertekenen", exact=True).click()


@ONE_DATABASE
def test_an_organisations_signer_names_function_and_mandate(live: Live, browser: Browser) -> None:
    token = live.site.link("municipality")
    page = open_page(browser, "phone")
    page.goto(f"{live.base}/s/{token}")
    legend = page.locator("#bevoegdheid legend")
    assert legend.inner_text().startswith("U tekent namens Gemeente Utrecht")
    options = page.locator("#mandate_basis option").all_inner_texts()
    assert options[0] == "Kies" and "Volmacht" in options
    # Nothing filled in: each field says what it needs, in Dutch, and the page still fits.
    page.fill("#typed_name", "")
    _submit(page)
    assert page.locator("[role=alert]").is_visible()
    for field in ("function", "mandate_basis", "mandate_detail"):
        assert page.get_attribute(f"#{field}", "aria-invalid") == "true", field
    _each_size(page, "missing", "Vul uw functie in.", "Kies waarop uw bevoegdheid",
               at="#bevoegdheid")  # fmt: skip
    # Filled in: the function and mandate, the name and the consent.
    page.fill("#typed_name", "Fatima el Amrani")
    page.fill("#function", "Teamleider Schuldhulpverlening")
    page.select_option("#mandate_basis", "public_mandate")
    page.fill("#mandate_detail", "Mandaatbesluit gemeente Utrecht 2026, artikel 4")
    page.check("#consent")
    for size in ("phone", "desktop"):
        page.set_viewport_size(SIZES[size])
        box = page.locator("#bevoegdheid").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["width"], box
        for field in ("#function", "#mandate_basis", "#mandate_detail"):
            font = page.evaluate(
                f"parseFloat(getComputedStyle(document.querySelector('{field}')).fontSize)"
            )
            assert font >= 16, (field, font)
    _each_size(page, "filled", "U tekent namens Gemeente Utrecht", at="#bevoegdheid")
    _submit(page)
    assert page.locator("h1").inner_text() == "Bedankt! U heeft ondertekend"
    with live.site.deps.db() as session:
        evidence = session.scalar(
            select(Signature.evidence).where(
                Signature.request_id == live.site.requests["municipality"]
            )
        )
    assert evidence["typed_name"] == "Fatima el Amrani"
    assert evidence["organisation"] == "Gemeente Utrecht"
    assert evidence["signatory_function"] == "Teamleider Schuldhulpverlening"
    assert evidence["signatory_mandate"].startswith("mandaat (mandaatbesluit van een overheid): ")
    page.context.close()
