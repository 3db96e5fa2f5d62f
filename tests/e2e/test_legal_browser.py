"""The legal pages in a real Chromium: report, CSV, dossier, verify and a batch, with axe."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from agreements import tasks
from agreements.domain.enums import FinishStatus, Role
from agreements.domain.policy import Actor
from agreements.services.demo import DEMO_PASSWORD
from agreements.services.demo_package import sign_everything
from agreements.services.documents.engine import DocumentEngine
from agreements.services.signatures import finish
from agreements.web.app import create_app
from signing.certs import ensure_dev_certificate
from tests.flows import decide, new_case
from tests.support import TABLET, run_queued

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]
ONE_DATABASE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
T = TypeVar("T")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def checked(page: Page, heading: str, shot: str = "") -> None:
    """Every page: the expected heading, no axe violations, no sideways scrolling."""
    assert page.locator("h1").inner_text() == heading, page.url
    results = Axe().run(page)
    assert results.violations_count == 0, (page.url, results.generate_report())
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (page.url, widths)
    if shot and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"legal-{shot}.png"), full_page=True)


def submit(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def off_the_loop(work: Callable[..., T], *args: Any) -> T:
    """Sealing refuses to run inside an event loop, and Playwright's sync API runs one here."""
    with ThreadPoolExecutor(1) as executor:
        return executor.submit(work, *args).result()


def sealed_case(world: Any, pool: Any, tenant: str) -> int:
    """A case whose agreement every party signed and the service sealed, as `agreements demo`;
    its judgment is 400 days old and its lease names another street than the case."""
    settings = world.deps.settings
    ensure_dev_certificate(settings.effective_seal_pkcs12, settings.effective_seal_password)
    engine = DocumentEngine(settings, converter=pool)
    api = TestClient(create_app(deps=world.deps, engine=engine), raise_server_exceptions=False)
    made = new_case(api, world, tenant, contract_street="Vredenburg")
    h = world.headers("coordinator")
    decide(api, world, made["agreement"])  # the judgment is 13 months old
    version = api.post(f"/api/v1/agreements/{made['agreement']}/documents", headers=h).json()
    assert version["status"] == "ready", version
    coordinator = Actor(user_id=None, role=Role.COORDINATOR, name="test")
    sign_everything(world.deps, engine, version["id"], coordinator)
    status = finish.finish_version(
        version["id"], deps=world.deps, engine=engine, clock=lambda: datetime.now(UTC)
    )
    assert status is FinishStatus.DONE
    return int(made["case"])


@ONE_DATABASE
def test_legal_staff_report_csv_dossier_verify_and_batch(
    base: str,
    browser: Browser,
    world: Any,
    pool: Any,
    tmp_path: Path,
) -> None:
    prefix = f"Jurist Browser {uuid.uuid4().hex[:6]}"
    case_id = off_the_loop(sealed_case, world, pool, f"{prefix} Zoë & Co")
    other = new_case(TestClient(create_app(deps=world.deps)), world, f"{prefix} Bakker",
                      contract_street="Oudegracht")["case"]  # fmt: skip
    context = browser.new_context(viewport=TABLET, locale="nl-NL", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", "jurist@demo.example")
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "Inloggen")
    page.get_by_role("link", name="Juridisch overzicht").click()
    checked(page, "Juridisch overzicht", "report-all")

    # Find the agreement: search, alarm for the judgment, then sort by tenant.
    page.fill("#q", prefix)
    page.get_by_label("alarm", exact=True).check()
    page.get_by_label("Ook concepten").check()
    submit(page, "Filteren")
    row = page.locator(f"tr:has(a[href='/zaken/{case_id}'])")
    assert row.count() == 1
    text = row.inner_text()
    assert "13 maanden oud: alarm" in text and "verschilt" in text and "probleem" in text
    assert "zegel: bestand ongewijzigd" in text and "Vredenburg" in text
    with page.expect_navigation():
        page.get_by_role("link", name="Huurder").click()
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Huurder")
    assert "judgment_level=alarm" in page.url and page.locator("tbody tr").count() == 2
    page.get_by_role("link", name="Huurder").focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    checked(page, "Juridisch overzicht", "report")

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Exporteer als CSV").click()
    exported = Path(csv_download.value.path()).read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf") and f"{prefix} Zoë & Co".encode() in exported
    assert exported.decode("utf-8-sig").count("\r\n") == 3  # the header and both rows

    reference = page.locator(f"a[href='/zaken/{case_id}']").inner_text()
    with page.expect_download(timeout=60_000) as pdf_download:
        page.get_by_role("link", name=f"Dossier downloaden voor zaak {reference}").click()
    dossier = tmp_path / "dossier.pdf"
    pdf_download.value.save_as(dossier)
    assert dossier.read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="PDF controleren").click()
    checked(page, "PDF controleren")
    page.set_input_files("#bestand", str(dossier))
    submit(page, "Controleren")
    assert "Echt: dit document komt van" in page.locator("#uitslag-kop").inner_text()
    assert "Procesdossier" in page.locator("#uitslag").inner_text()
    checked(page, "PDF controleren", "verify")
    page.set_input_files("#bestand", {"name": "brief.txt", "mimeType": "text/plain",
                                      "buffer": b"geen pdf"})  # fmt: skip
    submit(page, "Controleren")
    assert "Dit is geen PDF-bestand" in page.locator("#fouten").inner_text()
    checked(page, "PDF controleren")

    # A batch of two on a real queue: the page shows them waiting, then polls to done.
    page.goto(f"{base}/juridisch?q={prefix.replace(' ', '+')}&include_drafts=true")
    for case in (case_id, other):
        page.locator(f"input[name=case_id][value='{case}']").check()
    before, tasks.huey.immediate = tasks.huey.immediate, False
    try:
        submit(page, "Dossiers maken")
        checked(page, "Dossiers maken")
        assert page.locator("tr[data-job=queued]").count() == 2
        assert page.get_by_role("link", name="Vernieuwen").count() == 1
        assert page.locator("progress").get_attribute("value") == "0"
        jobs = parse_qs(urlparse(page.url).query)["taak"]
        page.evaluate("window.stayed = true")  # legal.js updates in place, no reload
        off_the_loop(run_queued, [job.split(".", 1)[1] for job in jobs])
        page.wait_for_function(
            "() => document.querySelectorAll('tr[data-job=done]').length === 2", timeout=20_000
        )
        assert page.evaluate("window.stayed") is True
        assert "Klaar: 2 van 2 dossiers gemaakt." in page.locator("#voortgang-tekst").inner_text()
        assert page.locator("progress").evaluate("p => p.value") == 2
        checked(page, "Dossiers maken", "dossiers")
        with page.expect_download() as batch_download:
            page.get_by_role(
                "link", name=re.compile(r"^Dossier downloaden voor zaak .*Bakker$")
            ).click()
        assert Path(batch_download.value.path()).read_bytes().startswith(b"%PDF")
    finally:  # the results are kept in the real queue: download them before this
        tasks.huey.immediate = before
    context.close()
