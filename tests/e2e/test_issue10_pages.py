"""The pages issue 10 changed, as readers see them: phone and desktop, axe, Dutch, kept input."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize

from agreements.db.models import DocumentVersion, SignatureRequest
from agreements.domain.enums import FinishStatus, RequestStatus
from agreements.services.demo import DEMO_PASSWORD
from tests.flows import Live

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]
ONE_DATABASE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}
EACH_SIZE = pytest.mark.parametrize("size", SIZES)
BAD_NAME = "Zo\u202e kooH"


def open_page(browser: Browser, size: str) -> Page:
    phone = size == "phone"
    context = browser.new_context(
        viewport=SIZES[size], locale="nl-NL", is_mobile=phone, has_touch=phone,
        device_scale_factor=1,
    )  # fmt: skip
    return context.new_page()


def looked_at(page: Page, shot: str, size: str, *texts: str, at: str = "") -> None:
    """Axe-clean, nothing wider than the screen, and the Dutch message visible.

    A long page is shot as the reader sees it, around `at`; a short one whole."""
    results = Axe().run(page)
    assert results.violations_count == 0, (page.url, results.generate_report())
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (page.url, widths)
    for text in texts:
        assert page.get_by_text(text, exact=False).first.is_visible(), (page.url, text)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        if at:
            page.evaluate(f"document.querySelector('{at}').scrollIntoView({{block: 'center'}})")
        path = SCREENSHOTS / f"issue10-{shot}-{size}.png"
        page.screenshot(path=str(path), full_page=not at)


def error_linked(page: Page, field: str, error: str) -> None:
    """The error is named by the field's aria-describedby, and the field says it is invalid."""
    assert page.get_attribute(f"#{field}", "aria-invalid") == "true"
    described = (page.get_attribute(f"#{field}", "aria-describedby") or "").split()
    assert error in described, described
    assert page.locator(f"#{error}").is_visible()


def post_form(page: Page, action: str, fields: dict[str, str]) -> None:
    """Send a form as a browser does, without the page's own checks in between."""
    with page.expect_navigation():
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement('form');
                form.method = 'post'; form.action = action;
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement('input');
                    input.type = 'hidden'; input.name = name; input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form); form.submit();
            }""",
            [action, fields],
        )


def log_in(page: Page, base: str, who: str = "coordinator") -> None:
    page.goto(f"{base}/login")
    page.fill("#email", f"{who}@demo.example")
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen", exact=True).click()
    assert "/login" not in page.url, page.url


@ONE_DATABASE
@EACH_SIZE
def test_signing_page_with_a_refused_name(live: Live, browser: Browser, size: str) -> None:
    token = live.site.link("representative")
    page = open_page(browser, size)
    page.goto(f"{live.base}/s/{token}")
    page.fill("#typed_name", BAD_NAME)
    page.check("#consent")
    with page.expect_navigation():
        page.get_by_role("button", name="Ondertekenen", exact=True).click()
    assert page.input_value("#typed_name") == BAD_NAME  # what was typed is kept
    error_linked(page, "typed_name", "typed_name-error")
    looked_at(page, "sign-name-refused", size, "In de tekst staat", at="#typed_name")
    assert live.site.signatures("representative") == 0
    page.context.close()


@pytest.fixture
def read_closed(live: Live) -> Iterator[str]:
    """A tenant's link, signed 400 days ago with its seal 399 days ago: reading has ended."""
    served = live.site
    token = served.link("tenant")
    now = datetime.now(UTC)
    with served.deps.db.begin() as session:
        row = session.get(SignatureRequest, served.requests["tenant"])
        version = session.get(DocumentVersion, served.version["id"])
        assert row is not None and version is not None
        saved = (row.status, row.done_at, version.finish_status, version.sealed_at)
        row.status, row.done_at = RequestStatus.SIGNED, now - timedelta(days=400)
        version.finish_status, version.sealed_at = FinishStatus.DONE, now - timedelta(days=399)
        version.sealed_sha256 = served.engine.store.put(b"%PDF-1.7 sealed copy")
    yield token
    with served.deps.db.begin() as session:
        row = session.get(SignatureRequest, served.requests["tenant"])
        version = session.get(DocumentVersion, served.version["id"])
        assert row is not None and version is not None
        row.status, row.done_at, version.finish_status, version.sealed_at = saved
        version.sealed_sha256 = None


@ONE_DATABASE
@EACH_SIZE
def test_the_document_is_no_longer_there(
    live: Live,
    browser: Browser,
    read_closed: str,
    size: str,
) -> None:
    page = open_page(browser, size)
    answer = page.goto(f"{live.base}/s/{read_closed}")
    assert answer is not None and answer.status == 410
    assert page.locator("h1").inner_text() == "Het document staat niet meer klaar"
    looked_at(page, "read-closed", size, "Wilt u een kopie?", "Vraag het aan uw coördinator")
    page.context.close()


@ONE_DATABASE
@EACH_SIZE
def test_text_refused_pages(live: Live, browser: Browser, size: str) -> None:
    page = open_page(browser, size)
    log_in(page, live.base)
    answer = page.goto(f"{live.base}/zaken?q=a%00b")
    assert answer is not None and answer.status == 400
    looked_at(page, "search-refused", size, "Deze zoekopdracht kunnen wij niet gebruiken",
              "In de tekst staat")  # fmt: skip
    page.goto(f"{live.base}/werk")
    post_form(page, "/logout", {"csrf": "a\u202eb"})
    assert page.locator("h1").inner_text() == "Dit formulier kunnen wij niet verwerken"
    looked_at(page, "form-refused", size, "In de tekst staat")
    page.context.close()


@ONE_DATABASE
@EACH_SIZE
def test_login_with_a_refused_email(live: Live, browser: Browser, size: str) -> None:
    page = open_page(browser, size)
    page.goto(f"{live.base}/login")
    post_form(page, "/login", {"email": "a\u202eb@x.nl", "password": "wat dan ook",
                               "volgende": "/werk"})  # fmt: skip
    assert page.input_value("#email") == "a\u202eb@x.nl"
    error_linked(page, "email", "email-error")
    looked_at(page, "login-refused", size, "In de tekst staat een onzichtbaar")
    page.context.close()


@ONE_DATABASE
@EACH_SIZE
def test_care_notes_with_a_refused_character(live: Live, browser: Browser, size: str) -> None:
    page = open_page(browser, size)
    log_in(page, live.base)
    page.goto(f"{live.base}/zaken/{live.site.world.case_portaal}")
    typed = "Zorgen over\u200b de huur"
    page.fill("#zorgnotities-tekst", typed)
    with page.expect_navigation():
        page.locator("#zorgnotities button[type=submit]").click()
    assert page.input_value("#zorgnotities-tekst") == typed
    error_linked(page, "zorgnotities-tekst", "zorgnotities-fout")
    # The form sits low on a long page: after sending, the browser is at the error, not the top.
    top = page.evaluate("document.getElementById('zorgnotities-fout').getBoundingClientRect().top")
    assert 0 <= top < SIZES[size]["height"], top
    looked_at(page, "care-notes-refused", size, "(U+200B, teken 12)", at="#zorgnotities-tekst")
    page.context.close()
