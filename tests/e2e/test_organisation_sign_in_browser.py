"""Sign-in through the organisation's identity provider in Chromium (issue 15): a real
OpenID provider on loopback (npm `oidc-provider`), the authorization code flow with PKCE,
a group mapped to a role and organisation; a person in no mapped group is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page
from pydantic import SecretStr

from agreements.domain.enums import Role
from agreements.services.access import accounts
from agreements.services.context import Deps
from agreements.settings_signin import GroupRole
from agreements.web.app import create_app
from agreements.web.staff.organisation import NO_GROUP
from tests.e2e.pages import EACH_SIZE, ONE_DATABASE, looked_at, open_page
from tests.oidc.provider import oidc_provider
from tests.support import free_port, uvicorn_thread

SECRET = "loopback-client-secret-for-tests"


@pytest.fixture(scope="module")
def idp_base(world: Any) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with oidc_provider(f"{base}/login/organisatie/terug", SECRET) as issuer:
        settings = world.deps.settings.model_copy(update={
            "public_base_url": base, "oidc_issuer": issuer, "oidc_client_id": "agreements",
            "oidc_client_secret": SecretStr(SECRET),
            "oidc_groups": {"portaal-medewerkers": GroupRole(role="partner",
                                                             organisation="Portaal")},
        })  # fmt: skip
        deps = Deps(db=world.deps.db, settings=settings)
        config = uvicorn.Config(create_app(deps=deps), host="127.0.0.1", port=port,
                                log_level="warning")  # fmt: skip
        with uvicorn_thread(config) as url:
            yield url


def _through_the_provider(page: Page, base: str, who: str) -> None:
    page.goto(f"{base}/login?volgende=/zaken")
    page.get_by_role("link", name="Inloggen via uw organisatie").click()
    page.wait_for_selector("input[name=login]")  # the provider's own login form
    page.fill("input[name=login]", who)
    page.fill("input[name=password]", "any")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]").click()  # the provider asks to share the claims
    page.wait_for_load_state()


@ONE_DATABASE
@EACH_SIZE
def test_the_providers_group_makes_a_partner_of_portaal(
    world: Any, idp_base: str, browser: Browser, size: str
) -> None:
    page = open_page(browser, size)
    page.goto(f"{idp_base}/login")
    looked_at(page, "login-organisatie", size, "Inloggen via uw organisatie", issue=15)
    _through_the_provider(page, idp_base, "anna.jansen@portaal.example")
    page.wait_for_url(re.compile(r"/zaken$"))
    assert page.get_by_text("Anna Jansen (medewerker partnerorganisatie)").is_visible()
    user_id = accounts.user_with_email("anna.jansen@portaal.example", deps=world.deps)
    user = next(u for u in accounts.list_users(deps=world.deps, actor=_admin()) if u.id == user_id)
    assert user.role is Role.PARTNER and user.organisation_id == world.org["Portaal"]
    page.context.close()

    other = open_page(browser, size)
    _through_the_provider(other, idp_base, "piet.peters@portaal.example")
    other.wait_for_selector("#fouten")
    looked_at(other, "login-organisatie-geweigerd", size, "niet in een groep", issue=15)
    assert NO_GROUP in other.content()
    assert accounts.user_with_email("piet.peters@portaal.example", deps=world.deps) is None
    other.context.close()


def _admin() -> Any:
    from agreements.domain.policy import SYSTEM

    return SYSTEM
