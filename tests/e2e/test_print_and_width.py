"""Staff pages on paper and on a laptop (issue 14): a case prints without the menu and the
forms; the legal report's table fits 1366 px without scrolling sideways."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser
from pypdf import PdfReader

from agreements.web.app import create_app
from tests.e2e.pages import ONE_DATABASE, SCREENSHOTS, log_in
from tests.support import free_port, uvicorn_thread

pytestmark = ONE_DATABASE


@pytest.fixture(scope="module")
def pages_base(world: Any) -> Iterator[str]:
    config = uvicorn.Config(create_app(deps=world.deps), host="127.0.0.1", port=free_port(),
                            log_level="warning")  # fmt: skip
    with uvicorn_thread(config) as url:
        yield url


def test_the_legal_report_fits_a_laptop(browser: Browser, pages_base: str) -> None:
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    log_in(page, pages_base, "jurist")
    page.goto(f"{pages_base}/juridisch?include_drafts=true")
    region = page.locator(".table-scroll")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "issue14-legal-report-1366.png"))
    widths = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # Real numbers and names can be one long token (other tests' cases have them): give every
    # one of them 40 characters without a space, and the table must still fit.
    region.evaluate(
        "e => e.querySelectorAll('.ident').forEach(s => { s.textContent = 'X'.repeat(40); })"
    )
    widths = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], widths
    page.context.close()


def test_a_case_prints_without_menu_and_forms(browser: Browser, pages_base: str,
                                              world: Any) -> None:  # fmt: skip
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, pages_base, "coordinator")
    page.goto(f"{pages_base}/zaken/{world.case_portaal}")
    assert page.locator("nav[aria-label='Hoofdmenu']").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("nav[aria-label='Hoofdmenu']").is_visible()
    assert not page.locator("main form").first.is_visible()
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_text("Logboek van deze zaak").is_visible()
    pdf = page.pdf(format="A4")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "issue14-case-print.png"), full_page=True)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Uitloggen" not in text and "Nieuwe zaak" not in text
    page.context.close()
