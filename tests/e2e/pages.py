"""What the browser tests share: the two screen sizes, a page at one of them, logging in,
and looking at a page as its reader would (axe-clean, nothing wider than the screen, the
Dutch text visible, a screenshot in docs/screenshots/ with UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize

from agreements.services.demo import DEMO_PASSWORD

ONE_DATABASE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 820, "height": 1180},  # upright, as a tenant holds it in the kiosk
    "desktop": {"width": 1280, "height": 900},
}
EACH_SIZE = pytest.mark.parametrize("size", ["phone", "desktop"])


def open_page(browser: Browser, size: str) -> Page:
    phone = size == "phone"  # a tablet has touch too, but no mobile viewport quirks
    touch = size in ("phone", "tablet")
    context = browser.new_context(
        viewport=SIZES[size], locale="nl-NL", is_mobile=phone, has_touch=touch,
        device_scale_factor=1,
    )  # fmt: skip
    return context.new_page()


def sticking_out(page: Page, width: int) -> list[str]:
    """What reaches past `width` (the first five), to name in a failure."""
    return page.evaluate(  # type: ignore[no-any-return]
        """(limit) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > limit + 1)
            .slice(0, 5)
            .map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))""",
        width,
    )


def looked_at(page: Page, shot: str, size: str, *texts: str, at: str = "", issue: int = 10) -> None:
    """Axe-clean, nothing wider than the screen, and the Dutch message visible.

    A long page is shot as the reader sees it, around `at`; a short one whole."""
    results = Axe().run(page)
    assert results.violations_count == 0, (page.url, results.generate_report())
    # On a phone the browser widens its window to fit what overflows: compare with the
    # screen, not with the window.
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wide = sticking_out(page, SIZES[size]["width"])
    assert widths[0] <= min(widths[1], SIZES[size]["width"]), (page.url, widths, wide)
    for text in texts:
        assert page.get_by_text(text, exact=False).first.is_visible(), (page.url, text)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # Lazy page images below the fold would be blank in a whole-page shot: load them.
        page.evaluate(
            "Promise.all([...document.images].map(i => "
            "{ i.loading = 'eager'; return i.decode().catch(() => null); }))"
        )
        if at:
            page.evaluate(f"document.querySelector('{at}').scrollIntoView({{block: 'center'}})")
        path = SCREENSHOTS / f"issue{issue}-{shot}-{size}.png"
        page.screenshot(path=str(path), full_page=not at)


def log_in(page: Page, base: str, who: str = "coordinator") -> None:
    page.goto(f"{base}/login")
    page.fill("#email", f"{who}@demo.example")
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen", exact=True).click()
    assert "/login" not in page.url, page.url
