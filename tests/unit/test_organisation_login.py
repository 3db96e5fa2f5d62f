"""The organisation sign-in's own checks, without a provider: the signed state, the group
mapping and the settings that describe it (the flow itself: tests/e2e, a real provider)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from agreements.domain.errors import NotAuthenticated
from agreements.services.access import organisation_login as oidc
from agreements.settings_signin import GroupRole, SignInSettings
from tests.conftest import make_test_settings

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
GROUPS = {
    "beheer": GroupRole(role="admin"),
    "portaal-medewerkers": GroupRole(role="partner", organisation="Portaal"),
}


def _deps(**settings: Any) -> Any:
    return SimpleNamespace(settings=make_test_settings(**settings))


def test_the_state_cookie_is_signed_and_short_lived():
    deps = _deps()
    body = {"s": "state", "n": "nonce", "v": "verifier", "to": "/zaken", "at": int(NOW.timestamp())}
    signed = oidc._sign(deps, body)
    assert oidc._unsign(deps, signed, NOW + timedelta(minutes=5)) == body
    with pytest.raises(NotAuthenticated, match="too long"):
        oidc._unsign(deps, signed, NOW + timedelta(minutes=11))
    raw = signed.partition(".")[0]
    forged = oidc._sign(_deps(secret_key="another-secret-key-that-is-long-enough-42"), body)
    with pytest.raises(NotAuthenticated, match="not ours"):
        oidc._unsign(deps, f"{raw}.{forged.partition('.')[2]}", NOW)


def test_the_first_mapped_group_decides_and_no_group_is_refused():
    deps = _deps(oidc_groups=GROUPS)
    assert oidc._mapping(deps, {"groups": ["kantine", "portaal-medewerkers"]}).role == "partner"
    assert oidc._mapping(deps, {"groups": ["portaal-medewerkers", "beheer"]}).role == "admin"
    assert oidc._mapping(deps, {"groups": "beheer"}).role == "admin"  # one group as a string
    for claims in ({"groups": ["kantine"]}, {}):
        with pytest.raises(oidc.NoGroup):
            oidc._mapping(deps, claims)


def test_a_partner_group_needs_an_organisation_and_roles_are_known():
    with pytest.raises(ValueError, match="needs an organisation"):
        SignInSettings(oidc_groups={"g": GroupRole(role="partner")})
    with pytest.raises(ValueError, match="unknown role"):
        SignInSettings(oidc_groups={"g": GroupRole(role="tenant")})
    assert not SignInSettings().oidc_enabled
    assert SignInSettings(oidc_issuer="http://idp", oidc_client_id="x").oidc_enabled
