"""Issue 12's pages as their readers see them, phone and desktop: the drafting page's legal
route (refused when not chosen, what was typed kept) and the case's legal page with the form
for the judgment decision (refused without a choice and a reason, then recorded)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.e2e.pages import EACH_SIZE, ONE_DATABASE, log_in, looked_at, open_page

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]


@ONE_DATABASE
@EACH_SIZE
def test_the_drafting_page_asks_for_the_route(
    base: str, browser: Browser, world: Any, size: str
) -> None:
    page = open_page(browser, size)
    log_in(page, base, "coordinator")
    page.goto(f"{base}/zaken/{world.case_portaal}/overeenkomst")
    assert page.locator("#veld-legal-route option").count() == 4
    page.fill("#veld-obligations-tenant", "Ik betaal de huur op tijd.")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan", exact=True).click()
    assert page.input_value("#veld-obligations-tenant") == "Ik betaal de huur op tijd."
    assert page.get_attribute("#veld-legal-route", "aria-invalid") == "true"
    looked_at(page, "route-refused", size, "Kies de route.", at="#veld-legal-route", issue=12)
    page.select_option("#veld-legal-route", "lease_dissolved")
    assert page.input_value("#veld-legal-route") == "lease_dissolved"
    looked_at(page, "route-chosen", size, "De tekst van de overeenkomst volgt de route.",
              at="#veld-legal-route", issue=12)  # fmt: skip
    page.context.close()


@ONE_DATABASE
@EACH_SIZE
def test_the_legal_page_records_the_judgment_decision(
    base: str, browser: Browser, world: Any, size: str
) -> None:
    page = open_page(browser, size)
    log_in(page, base, "jurist")
    page.goto(f"{base}/juridisch/zaken/{world.case_mitros}")
    assert "Besluit over het vonnis vastleggen" in page.content()
    page.fill("#veld-reason", "Kort")
    with page.expect_navigation():
        page.get_by_role("button", name="Besluit vastleggen", exact=True).click()
    assert page.input_value("#veld-reason") == "Kort"
    looked_at(page, "decision-refused", size, "Kies een besluit.", at="#veld-choice", issue=12)
    page.select_option("#veld-choice", "continue")
    page.fill("#veld-reason", f"De huurder komt alle afspraken na ({size}); risico aanvaard.")
    with page.expect_navigation():
        page.get_by_role("button", name="Besluit vastleggen", exact=True).click()
    looked_at(page, "decision-recorded", size, "Het besluit over het vonnis is vastgelegd.",
              issue=12)  # fmt: skip
    assert "Laura de Graaf" in page.content()
    page.context.close()
