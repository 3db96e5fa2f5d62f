"""The staff pages in a real Chromium on a tablet: from a new case to sent-for-signature, axe."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from agreements.services.demo import DEMO_PASSWORD
from tests.support import TABLET

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]
ONE_DATABASE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def checked(page: Page, heading: str, shot: str = "") -> None:
    """Every page: the expected heading, no axe violations, a visible focus ring."""
    assert page.locator("h1").inner_text() == heading, page.url
    results = Axe().run(page)
    assert results.violations_count == 0, (page.url, results.generate_report())
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (page.url, widths)
    if shot and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"staff-{shot}.png"), full_page=True)


def submit(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


@ONE_DATABASE
def test_coordinator_from_a_new_case_to_sent_for_signature(
    base: str, browser: Browser, world: Any
) -> None:
    context = browser.new_context(viewport=TABLET, locale="nl-NL", has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/werk")
    assert page.url.startswith(f"{base}/login")
    checked(page, "Inloggen voor medewerkers", "login")
    # The keyboard alone: skip link first, then the form.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.focus("#email")
    page.keyboard.type("coordinator@demo.example")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    checked(page, "Te doen", "dashboard")
    page.goto(f"{base}/zaken?todo=ja")
    checked(page, "Zaken", "cases")

    page.get_by_role("link", name="Nieuwe zaak").click()
    checked(page, "Nieuwe zaak")
    page.fill("#veld-tenant-name", "Zoë Browser & Co")
    page.fill("#veld-address-postcode", "99")
    submit(page, "Zaak aanmaken")
    assert page.evaluate("document.activeElement.id") == "fouten"  # staff.js ran under the CSP
    assert page.input_value("#veld-tenant-name") == "Zoë Browser & Co"
    checked(page, "Nieuwe zaak", "new-case-errors")
    for field, value in {
        "#veld-tenant-email": "zoe@example.org", "#veld-tenant-date-of-birth": "1990-02-03",
        "#veld-address-street": "Biltstraat",
        "#veld-address-house-number": "7", "#veld-address-postcode": "3572 AB",
        "#veld-address-city": "Utrecht", "#veld-start-date": "2026-03-01",
        "#veld-planned-end-date": "2029-03-01",
    }.items():  # fmt: skip
        page.fill(field, value)
    for org in ("Portaal", "Het Vierde Huis", "Gemeente Utrecht"):
        page.get_by_label(org, exact=True).check()
    submit(page, "Zaak aanmaken")
    checked(page, page.locator("h1").inner_text())
    assert "De zaak is aangemaakt" in page.content()
    case_url = page.url.split("?")[0]

    page.get_by_role("link", name="Huurovereenkomst toevoegen").click()
    checked(page, "Huurovereenkomst")
    page.fill("#veld-contract-number", "HO-2020-1")
    page.fill("#veld-start-date", "2020-05-01")
    page.fill("#veld-monthly-rent", "712,50")
    submit(page, "Opslaan")
    page.get_by_role("link", name="Vonnis toevoegen").click()
    checked(page, "Ontruimingsvonnis")
    page.fill("#veld-court", "Rechtbank Midden-Nederland, kanton Utrecht")
    page.fill("#veld-case-number", "11223344 \\ UC EXPL 25-1")
    page.fill("#veld-judgment-date", "2026-01-10")
    page.fill("#veld-operative-decision", "Ontruiming toegestaan.")
    page.fill("#veld-suspension-conditions", "Niet zolang de huurder zich aan de afspraken houdt.")
    submit(page, "Opslaan")
    assert "maanden oud" in page.content()

    page.get_by_role("link", name="Nieuwe overeenkomst opstellen").click()
    checked(page, "Overeenkomst opstellen")
    page.fill("#veld-obligations-tenant", "Ik betaal de huur op tijd.\nIk kom naar de afspraken.")
    page.fill("#veld-obligations-housing-corporation", "Portaal voert het vonnis niet uit.")
    page.fill("#veld-reason", "De huurder wil de woning houden.")
    page.select_option("#veld-legal-route", "lease_continues")  # "Ontruiming": no dissolution
    submit(page, "Opslaan")
    checked(page, "Woonbegeleidingsovereenkomst", "agreement")

    submit(page, "Voorbeeld maken")
    page.wait_for_function(
        "() => document.querySelector('#status .badge').textContent.trim() === 'klaar'",
        timeout=60_000,
    )
    page.locator(".pages img").first.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.pages img').naturalWidth > 0")
    href = page.get_by_role("link", name="Open de PDF").first.get_attribute("href")
    pdf = page.request.get(f"{base}{href}")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    checked(page, page.locator("h1").inner_text(), "preview")

    asked = "huurder (elke huurder en vertegenwoordiger apart), woningcorporatie, coördinator"
    assert asked in page.locator("#versturen-kop + p").inner_text()
    submit(page, "Versturen om te tekenen")
    assert "Verstuurd om te tekenen" in page.content()
    statuses = page.locator("tr[data-status]")
    assert statuses.count() == 4
    assert {statuses.nth(n).get_attribute("data-status") for n in range(4)} == {"pending"}
    checked(page, page.locator("h1").inner_text(), "sent")

    # In person, through the kiosk: the coordinator types her name as the witness and hands
    # the tablet to the tenant; the way back asks for her password.
    version_url = page.url
    page.get_by_role("link", name="Laten tekenen op dit apparaat door Zoë Browser & Co").click()
    checked(page, "Laten tekenen op dit apparaat", "kiosk-start")
    page.fill("#witness_name", "Annemarie de Getuige")
    submit(page, "Start: geef het apparaat aan Zoë Browser & Co")
    checked(page, "Lezen en ondertekenen", "sign-in-person")
    assert page.get_by_role("navigation").count() == 0
    page.fill("#typed_name", "Zoë Browser")
    page.check("#consent")
    submit(page, "Ondertekenen")
    checked(page, "Bedankt, u heeft getekend")
    page.get_by_role("link", name="Terug naar de coördinator").click()
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "Terug naar het werk")
    page.goto(version_url)
    assert page.locator("tr[data-status=signed]").count() == 1

    page.goto(case_url)
    checked(page, page.locator("h1").inner_text(), "case")
    page.get_by_role("link", name="Evaluatie 1", exact=True).click()
    checked(page, "Evaluatie 1: Zoë Browser & Co")
    page.fill("#veld-held-date", "2026-06-02")
    page.select_option("#veld-outcome", "on_track")
    page.fill("#veld-attendees-0-name", "Zoë Browser")
    page.fill("#veld-attendees-0-role", "huurder")
    page.locator("select[name^=progress]").first.select_option("gaat goed")
    page.fill("#veld-actions-0-action", "Budgetplan bespreken")
    page.fill("#veld-actions-0-who", "Gemeente")
    page.fill("#veld-actions-0-due", "2026-07-01")
    page.fill("#veld-summary", "Het gaat goed.")
    submit(page, "Evaluatie opslaan")
    checked(page, "Evaluatie 1: Zoë Browser & Co", "review")
    submit(page, "Verslag maken")
    page.wait_for_function(
        "() => document.querySelector('#status .badge').textContent.trim() === 'klaar'",
        timeout=60_000,
    )
    checked(page, page.locator("h1").inner_text())
    context.close()


@ONE_DATABASE
def test_partner_pages_are_read_only_and_accessible(
    base: str, browser: Browser, world: Any
) -> None:
    context = browser.new_context(viewport=TABLET, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", "portaal@demo.example")
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "Inloggen")
    checked(page, "Te doen")
    page.goto(f"{base}/zaken/{world.case_portaal}")
    checked(page, page.locator("h1").inner_text(), "case-partner")
    assert page.locator("#zorgnotities").count() == 0
    assert page.get_by_role("link", name="Nieuwe overeenkomst opstellen").count() == 0
    assert page.goto(f"{base}/zaken/{world.case_mitros}").status == 404
    checked(page, "Niet gevonden")
    context.close()
