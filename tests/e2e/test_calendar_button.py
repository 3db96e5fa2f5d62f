"""The calendar feed from the dashboard (issue 14): a coordinator makes a personal link on
/werk and copies it for Outlook (a copy button with script, a selectable field without);
the link serves the feed. Axe-clean on a phone and a desktop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser

from agreements.web.app import create_app
from tests.e2e.pages import EACH_SIZE, ONE_DATABASE, SIZES, log_in, looked_at, open_page
from tests.support import free_port, uvicorn_thread

pytestmark = ONE_DATABASE


@pytest.fixture(scope="module")
def werk_base(world: Any) -> Iterator[str]:
    config = uvicorn.Config(create_app(deps=world.deps), host="127.0.0.1", port=free_port(),
                            log_level="warning")  # fmt: skip
    with uvicorn_thread(config) as url:
        yield url


@EACH_SIZE
def test_a_coordinator_copies_the_calendar_link(browser: Browser, werk_base: str,
                                                size: str) -> None:  # fmt: skip
    page = open_page(browser, size)
    log_in(page, werk_base)
    page.goto(f"{werk_base}/werk")
    assert page.title() == "Te doen | Het Vierde Huis"  # the section once, in the page only
    looked_at(page, "werk-agenda", size, "Evaluaties in uw agenda", at="#agenda-kop", issue=14)
    with page.expect_navigation():
        page.get_by_role("button", name="Agenda-link maken").click()
    field = page.get_by_label("Uw agenda-link")
    url = field.input_value()
    assert url.startswith("http://127.0.0.1:8000/calendar/") and url.endswith(".ics")
    page.get_by_role("button", name="Link kopiëren").click()
    page.get_by_text("De link is gekopieerd.").or_(page.get_by_text("Kopieer de geselecteerde")
                                                     ).wait_for()  # fmt: skip
    looked_at(page, "werk-agenda-link", size, "Uw agenda-link", at="#agenda-kop", issue=14)
    feed = httpx.get(werk_base + url.removeprefix("http://127.0.0.1:8000"))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    page.context.close()


def test_without_script_the_link_is_a_field_to_select(browser: Browser, werk_base: str) -> None:
    page = browser.new_context(viewport=SIZES["desktop"], java_script_enabled=False).new_page()
    log_in(page, werk_base)
    page.goto(f"{werk_base}/werk")
    page.get_by_role("button", name="Agenda-link maken").click()
    page.wait_for_load_state()
    assert page.get_by_label("Uw agenda-link").input_value().endswith(".ics")
    assert not page.get_by_role("button", name="Link kopiëren").is_visible()
    page.context.close()


def test_partners_get_no_calendar_button(browser: Browser, werk_base: str) -> None:
    page = open_page(browser, "desktop")
    log_in(page, werk_base, "portaal")
    page.goto(f"{werk_base}/werk")
    assert page.get_by_role("button", name="Agenda-link maken").count() == 0
    page.context.close()
