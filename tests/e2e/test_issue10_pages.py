"""The pages issue 10 changed, as readers see them: phone and desktop, axe, Dutch, kept input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page

from agreements.db.models import DocumentVersion, SignatureRequest
from agreements.domain.enums import FinishStatus, RequestStatus
from tests.e2e.pages import EACH_SIZE, ONE_DATABASE, SIZES, log_in, looked_at, open_page
from tests.flows import Live

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]
BAD_NAME = "Zo\u202e kooH"


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
