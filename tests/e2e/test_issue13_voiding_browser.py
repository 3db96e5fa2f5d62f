"""Issue 13 in Chromium: the confirmation before signatures lapse, the signal that they did,
a decline that pauses the other links, and the decline as a signal on the dashboard."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize

from agreements.services.demo import DEMO_PASSWORD
from agreements.services.signatures import sign as signing
from tests.e2e.pages import sticking_out
from tests.flows import MANDATE

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]
ONE_DATABASE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}


def looked_at(page: Page, shot: str, heading: str, *texts: str, at: str = "") -> None:
    """At both sizes: the heading, axe-clean, nothing wider than the screen, the texts
    visible; shot as docs/screenshots/issue13-<shot>-<size>.png (around `at` if given)."""
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        assert page.locator("h1").inner_text() == heading, page.url
        results = Axe().run(page)
        assert results.violations_count == 0, (page.url, size, results.generate_report())
        # After the resize has been laid out and painted (under load the first measure can
        # still see the desktop layout's table), and naming what sticks out if anything does.
        page.evaluate("document.fonts.ready.then(() => new Promise(requestAnimationFrame))")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        wide = sticking_out(page, viewport["width"])
        assert widths[0] <= widths[1], (page.url, size, widths, wide)
        for text in texts:
            assert page.get_by_text(text, exact=False).first.is_visible(), (page.url, text)
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            if at:
                page.locator(at).first.scroll_into_view_if_needed()
            path = SCREENSHOTS / f"issue13-{shot}-{size}.png"
            page.screenshot(path=str(path), full_page=not at)


def click(page: Page, role: str, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role(role, name=name, exact=True).click()  # type: ignore[arg-type]


def wait_until_ready(page: Page) -> None:
    page.wait_for_function(
        "() => document.querySelector('#status .badge').textContent.trim() === 'klaar'",
        timeout=60_000,
    )


def _sign_by_link(deps: Any, request_id: int, name: str, reason: str | None = None) -> None:
    _, token = signing.issue_link(request_id, deps=deps, now=datetime.now(UTC))
    signing.sign_with_link(
        token,
        signing.SignInput(
            **MANDATE, typed_name=name, consent_version=deps.settings.consent_version
        ),
        deps=deps,
        now=datetime.now(UTC),
        decline_reason=reason,
    )


@ONE_DATABASE
def test_voiding_asks_first_and_a_decline_pauses_and_signals(
    base: str, browser: Browser, world: Any
) -> None:
    deps = world.deps
    context = browser.new_context(viewport=SIZES["desktop"], locale="nl-NL")
    api = context.request
    h = {"Authorization": f"Bearer {world.tokens['coordinator']}"}
    found = api.get(f"{base}/api/v1/agreements?case_id={world.case_portaal}", headers=h).json()
    agreement_id = found["items"][0]["id"]
    made = api.post(
        f"{base}/api/v1/agreements/{agreement_id}/documents",
        headers=h,
        data={"confirm_void": True},
    )
    assert made.status == 202, made.text()
    version_id = made.json()["id"]
    sent = api.post(f"{base}/api/v1/document-versions/{version_id}/signature-requests", headers=h)
    assert sent.status == 201, sent.text()
    requests = sent.json()
    tenant = requests[0]
    _sign_by_link(deps, tenant["id"], tenant["party_name"])

    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", "coordinator@demo.example")
    page.fill("#password", DEMO_PASSWORD)
    click(page, "button", "Inloggen")

    # "Voorbeeld maken" on a signed agreement asks first, naming who signed and when.
    page.goto(f"{base}/overeenkomsten/{agreement_id}")
    click(page, "button", "Voorbeeld maken")
    looked_at(
        page,
        "void-confirm",
        "Nieuwe versie maken? Er is al getekend",
        tenant["party_name"],
        "huurder",
        "Deze handtekeningen tellen niet meer.",
    )
    click(page, "link", "Nee, terug: de handtekeningen blijven staan")
    assert page.url.endswith(f"/overeenkomsten/{agreement_id}")
    listed = api.get(f"{base}/api/v1/document-versions/{version_id}/signature-requests", headers=h)
    assert {r["status"] for r in listed.json()} == {"signed", "pending"}  # nothing lapsed

    click(page, "button", "Voorbeeld maken")
    click(page, "button", "Ja, nieuwe versie maken en handtekeningen laten vervallen")
    wait_until_ready(page)
    new_version = int(page.url.rstrip("/").split("/")[-1].split("?")[0])
    assert new_version != version_id
    listed = api.get(f"{base}/api/v1/document-versions/{version_id}/signature-requests", headers=h)
    assert {r["status"] for r in listed.json()} == {"voided"}

    page.goto(f"{base}/werk")
    looked_at(
        page,
        "void-signal",
        "Te doen",
        "Handtekeningen vervallen",
        "Woonbegeleidingsovereenkomst: er is een nieuwe versie gemaakt.",
        at="#signalen-kop",
    )

    # The new version goes out; the tenant declines; the other links pause.
    page.goto(f"{base}/versies/{new_version}")
    click(page, "button", "Versturen om te tekenen")
    requests = api.get(
        f"{base}/api/v1/document-versions/{new_version}/signature-requests", headers=h
    ).json()
    tenant, representative = requests[0], requests[1]
    _, tenant_token = signing.issue_link(tenant["id"], deps=deps, now=datetime.now(UTC))
    _, paused_token = signing.issue_link(representative["id"], deps=deps, now=datetime.now(UTC))
    party = browser.new_context(viewport=SIZES["phone"], locale="nl-NL", is_mobile=True)
    link = party.new_page()
    link.goto(f"{base}/s/{tenant_token}")
    link.fill("#reason", "De einddatum klopt niet.")
    click(link, "button", "Ik teken niet")
    link.goto(f"{base}/s/{paused_token}")
    looked_at(
        link,
        "decline-paused",
        "Tekenen staat even stil",
        "Daarom kunt u nu niet tekenen.",
        "neemt contact met u op",
    )
    assert link.locator("#typed_name").count() == 0  # no sign form
    party.close()

    page.goto(f"{base}/werk")
    looked_at(
        page,
        "decline-signal",
        "Te doen",
        "Geweigerd",
        "De einddatum klopt niet.",
        at="#signalen-kop",
    )
    page.goto(f"{base}/versies/{new_version}")
    assert page.locator("tr[data-status=paused]").count() == len(requests) - 1
    context.close()
