"""/docs (Swagger UI) and /redoc (ReDoc) render from the service's own files with no network:
Chromium may reach only loopback, and both list the API's operations (issue 14)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, Route

from agreements.web.app import create_app
from tests.e2e.pages import ONE_DATABASE, SCREENSHOTS, open_page
from tests.support import free_port, uvicorn_thread

pytestmark = ONE_DATABASE


@pytest.fixture(scope="module")
def docs_base(world: Any) -> Iterator[str]:
    config = uvicorn.Config(create_app(deps=world.deps), host="127.0.0.1", port=free_port(),
                            log_level="warning")  # fmt: skip
    with uvicorn_thread(config) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "operation"),
    [("/docs", "#swagger-ui .opblock"), ("/redoc", "[data-section-id^='tag/']")],
)
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_docs_render_with_no_network(browser: Browser, docs_base: str, path: str,
                                     operation: str, size: str) -> None:  # fmt: skip
    page = open_page(browser, size)
    outside: list[str] = []
    problems: list[str] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    # ReDoc's sidebar always asks for the Redocly logo from its CDN; the page's CSP refuses it
    # before it leaves the browser, and the sidebar shows the words without it.
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and "cdn.redoc.ly/redoc/logo-mini.svg" not in m.text else None)  # fmt: skip
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{docs_base}{path}")
    page.locator(operation).first.wait_for(timeout=30_000)
    assert page.locator(operation).count() >= 5
    assert "/api/v1/auth/calendar-feed" in page.content()
    assert not outside, outside
    assert not problems, problems
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"issue14-api{path.replace('/', '-')}-{size}.png"))
    page.context.close()
