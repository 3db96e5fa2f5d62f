"""X-Forwarded-For over a real uvicorn: ignored unless the proxy sending it is trusted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from agreements.db.models import AuditEntry, Signature
from agreements.services.context import Deps
from agreements.services.signatures import sign
from agreements.web.app import create_app
from agreements.web.server import uvicorn_config
from tests.flows import MANDATE, Site
from tests.support import free_port, uvicorn_thread

pytestmark = pytest.mark.libreoffice
FORGED = "192.0.2.55"


def served(site: Site, **settings: Any) -> Any:
    deps = Deps(db=site.deps.db, settings=site.deps.settings.model_copy(update=settings))
    # The settings go through the same validation as the environment's would.
    type(deps.settings).model_validate(deps.settings.model_dump())
    config = uvicorn_config(create_app(deps=deps, engine=site.engine), deps.settings,
                            host="127.0.0.1", port=free_port())  # fmt: skip
    return uvicorn_thread(config)


@pytest.fixture
def default_base(site: Site) -> Iterator[str]:
    with served(site) as base:
        yield base


@pytest.fixture
def trusting_base(site: Site) -> Iterator[str]:
    with served(site, trusted_proxies=["127.0.0.1"]) as base:
        yield base


def wrong_logins(base: str, count: int) -> list[int]:
    with httpx.Client(base_url=base) as client:
        return [
            client.post(
                "/api/v1/auth/login",
                json={"email": "coordinator@demo.example", "password": "fout-wachtwoord"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            ).status_code
            for n in range(count)
        ]


def sign_from(base: str, site: Site, role: str) -> dict[str, Any]:
    _, token = sign.issue_link(site.requests[role], deps=site.deps, now=datetime.now(UTC))
    form = {"typed_name": "Jan Jansen", "consent": "ja",
            "consent_version": site.deps.settings.consent_version, **MANDATE}  # fmt: skip
    # This checks whose address is kept, not how fast: a busy machine may take longer than
    # httpx's 5 s default to sign (the signature's after-commit work runs in the request).
    r = httpx.post(
        f"{base}/s/{token}/sign", data=form, headers={"X-Forwarded-For": FORGED}, timeout=60
    )
    assert r.status_code == 303, r.text
    with site.deps.db() as session:
        sig = session.scalar(select(Signature).where(Signature.request_id == site.requests[role]))
        assert sig is not None
        return dict(sig.evidence)


def test_a_forged_address_does_not_escape_the_login_limit(default_base: str, site: Site) -> None:
    limit = site.deps.settings.login_attempts_per_minute
    codes = wrong_logins(default_base, limit + 2)
    assert codes[:limit] == [401] * limit
    assert codes[limit:] == [429, 429]
    with site.deps.db() as session:
        last = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "auth.login_failed")
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert last is not None and last.detail["client"] == "127.0.0.1"


def test_a_forged_address_is_not_the_signers_evidence(default_base: str, site: Site) -> None:
    evidence = sign_from(default_base, site, "tenant")
    assert evidence["ip"] == "127.0.0.1"


def test_a_trusted_proxy_names_the_client(trusting_base: str, site: Site) -> None:
    limit = site.deps.settings.login_attempts_per_minute
    # Every forwarded address has a window of its own: none is refused.
    assert wrong_logins(trusting_base, limit + 2) == [401] * (limit + 2)
    evidence = sign_from(trusting_base, site, sorted(set(site.requests) - {"tenant"})[0])
    assert evidence["ip"] == FORGED


def test_trusted_proxies_must_be_addresses() -> None:
    from pydantic import ValidationError

    from tests.conftest import make_test_settings

    assert make_test_settings(trusted_proxies=["10.0.0.0/8", " ::1"]).trusted_proxies == [
        "10.0.0.0/8",
        "::1",
    ]
    for bad in ("*", "proxy.example", "10.0.0.0/33"):
        with pytest.raises(ValidationError, match="not an IP address or network"):
            make_test_settings(trusted_proxies=[bad])
    assert make_test_settings().trusted_proxies == []
