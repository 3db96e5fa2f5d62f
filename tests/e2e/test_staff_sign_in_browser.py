"""Staff sign-in in Chromium (issue 15): a coordinator sets up the second factor on the first
login, and then cannot get in without the code; at phone and desktop size, axe-clean."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
import uvicorn
from playwright.sync_api import Browser

from agreements.domain.enums import Role
from agreements.domain.policy import SYSTEM
from agreements.services.access import accounts
from agreements.services.context import Deps
from agreements.web.app import create_app
from tests.e2e.pages import EACH_SIZE, ONE_DATABASE, looked_at, open_page
from tests.support import free_port, uvicorn_thread

PASSWORD = "een-lang-wachtwoord-1"


@pytest.fixture(scope="module")
def signin_base(world: Any) -> Iterator[str]:
    settings = world.deps.settings.model_copy(update={"second_factor_roles": {"coordinator"}})
    deps = Deps(db=world.deps.db, settings=settings)
    config = uvicorn.Config(create_app(deps=deps), host="127.0.0.1", port=free_port(),
                            log_level="warning")  # fmt: skip
    with uvicorn_thread(config) as url:
        yield url


@ONE_DATABASE
@EACH_SIZE
def test_a_coordinator_sets_up_the_code_and_cannot_sign_in_without_it(
    world: Any, signin_base: str, browser: Browser, size: str
) -> None:
    email = f"browser-{size}-{datetime.now(UTC).timestamp():.0f}@test.example"
    accounts.create_user(email, "Sanne Bakker", Role.COORDINATOR, PASSWORD, deps=world.deps,
                         actor=SYSTEM, now=datetime.now(UTC))  # fmt: skip
    page = open_page(browser, size)
    page.goto(f"{signin_base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(re.compile("/tweestaps"))
    looked_at(page, "tweestaps", size, "Voor uw rol is een tweede stap verplicht", issue=15)
    assert page.locator("img.qr").evaluate("i => i.naturalWidth") > 100  # the QR code shows
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.fill("#code", "000000")
    page.get_by_role("button", name="Aanzetten").click()
    looked_at(page, "tweestaps-fout", size, "De code klopt niet", issue=15)
    page.fill("#code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Aanzetten").click()
    looked_at(page, "herstelcodes", size, "U ziet ze maar één keer", issue=15)
    assert page.locator("ul.recovery-codes li").count() == 10
    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    page.wait_for_url(re.compile("/werk"))
    page.context.clear_cookies()

    # The next login: the password alone opens nothing.
    page.goto(f"{signin_base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(re.compile("/login/code"))
    looked_at(page, "code", size, "Code van 6 cijfers", issue=15)
    page.goto(f"{signin_base}/zaken")
    assert "/login/code" in page.url
    page.fill("#code", "123456")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    looked_at(page, "code-fout", size, "De code klopt niet", issue=15)
    nxt = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))  # not the one used
    page.fill("#code", nxt)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(re.compile("/zaken"))
    page.goto(f"{signin_base}/account")
    looked_at(page, "account", size, "Staat aan sinds", issue=15)
    page.context.close()
