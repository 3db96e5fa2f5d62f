"""Security headers on every answer (API, pages, documents, errors) and /docs without a CDN."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from agreements.services.context import Deps
from agreements.services.signatures import sign
from agreements.web.app import create_app
from agreements.web.server import uvicorn_config
from tests.flows import Site
from tests.support import CHROMIUM_ARGS, free_port, require_chromium, uvicorn_thread

API = "/api/v1"
ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_protected(r: httpx.Response, *, cache: str = "no-store") -> str:
    """The headers every answer has; returns its CSP for more checks."""
    for name, value in ALWAYS.items():
        assert r.headers.get(name) == value, (r.url, name, r.headers)
    assert r.headers.get("cache-control") == cache, (r.url, r.headers)
    csp = r.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, (r.url, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    return csp


@pytest.fixture
def app_client(world: Any) -> Iterator[TestClient]:
    app = create_app(deps=world.deps)

    @app.get("/test-boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("unexpected")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_api_answers_are_not_stored_or_sniffed(app_client: TestClient, world: Any) -> None:
    h = world.headers("coordinator")
    case_id = world.case_portaal
    answers = [
        app_client.get(f"{API}/cases/{case_id}/care-notes", headers=h),
        app_client.get(f"{API}/cases", headers=h),
        app_client.get(f"{API}/auth/me", headers=h),
        app_client.post(f"{API}/auth/calendar-feed", headers=h),
        app_client.get(f"{API}/cases"),  # 401 problem
        app_client.get(f"{API}/cases/999999999", headers=h),  # 404 problem
        app_client.post(f"{API}/people", content=b"{" + b" " * 2_000_000 + b"}", headers={
            **h, "Content-Type": "application/json"}),  # 413 from the body limit
        app_client.get("/test-boom"),  # 500 from the error middleware
        app_client.get("/healthz"),
    ]  # fmt: skip
    assert [r.status_code for r in answers] == [200, 200, 200, 201, 401, 404, 413, 500, 200]
    for r in answers:
        assert_protected(r)
    feed = answers[3].json()["url"].removeprefix(world.deps.settings.public_base_url)
    ics = app_client.get(feed)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert_protected(ics)


def test_home_openapi_docs_and_pages(app_client: TestClient) -> None:
    for path in ("/", "/openapi.json", "/login"):
        r = app_client.get(path)
        assert r.status_code == 200, path
        assert_protected(r)
    docs = app_client.get("/docs")
    assert docs.status_code == 200
    csp = assert_protected(docs)
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "cdn" not in docs.text and "<script>" not in docs.text
    scripts = re.findall(r'src="([^"]+)"', docs.text) + re.findall(r'href="([^"]+)"', docs.text)
    assert scripts and all(s.startswith("/assets/docs/") for s in scripts), scripts
    for asset in scripts:
        r = app_client.get(asset)
        assert r.status_code == 200 and len(r.content) > 100, asset
        assert_protected(r, cache="public, max-age=3600")
    assert app_client.get("/assets/docs/../../settings.py").status_code == 404
    redoc = app_client.get("/redoc")  # ReDoc from the same local files (issue 14)
    assert redoc.status_code == 200 and "/assets/docs/redoc.standalone.js" in redoc.text
    csp = redoc.headers["content-security-policy"]  # styles inline (styled-components) only
    assert "script-src 'self';" in csp and "default-src 'none'" in csp and "http" not in csp
    assert "unsafe-eval" not in csp and "cdn" not in redoc.text


def test_a_route_cannot_make_a_personal_answer_cacheable(world: Any) -> None:
    app = create_app(deps=world.deps)

    @app.get("/test-cached", include_in_schema=False)
    def cached() -> Any:
        from fastapi import Response

        return Response(b"%PDF-", media_type="application/pdf",
                        headers={"Cache-Control": "public, max-age=600"})  # fmt: skip

    with TestClient(app) as client:
        assert_protected(client.get("/test-cached"))


def test_https_adds_strict_transport_security(world: Any) -> None:
    deps = Deps(db=world.deps.db, settings=world.deps.settings.model_copy(
        update={"public_base_url": "https://woonbegeleiding.example"}))  # fmt: skip
    with TestClient(create_app(deps=deps)) as client:
        assert client.get("/healthz").headers["strict-transport-security"] == "max-age=31536000"
    with TestClient(create_app(deps=world.deps)) as client:
        assert "strict-transport-security" not in client.get("/healthz").headers


@pytest.mark.libreoffice
def test_documents_and_page_images_are_never_stored(site: Site) -> None:
    h = site.world.headers("coordinator")
    _, token = sign.issue_link(site.requests["tenant"], deps=site.deps, now=datetime.now(UTC))
    with site.client() as client:
        version = site.version["id"]
        for path in (f"{API}/document-versions/{version}/pdf", f"/s/{token}/document.pdf",
                     f"/s/{token}/pages/1.png", f"/s/{token}"):  # fmt: skip
            r = client.get(path, headers=h if path.startswith(API) else None)
            assert r.status_code == 200, (path, r.text[:200])
            assert_protected(r)


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_docs_work_offline_under_their_csp(world: Any, tmp_path: Path) -> None:
    """Swagger UI draws the API from local files only, and "Try it out" reaches the API."""
    chromium = require_chromium()
    config = uvicorn_config(create_app(deps=world.deps), world.deps.settings,
                            host="127.0.0.1", port=free_port())  # fmt: skip
    with uvicorn_thread(config) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside: list[str] = []
        problems: list[str] = []

        def only_loopback(route: Any) -> None:
            if route.request.url.startswith(base):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_loopback)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
        assert "Woonbegeleidingsovereenkomsten" in page.inner_text(".swagger-ui .info .title")
        assert page.locator(".opblock").count() > 20
        page.locator(".opblock-summary", has_text="/healthz").first.click()
        page.get_by_role("button", name="Try it out").click()
        page.get_by_role("button", name="Execute").click()
        page.wait_for_selector(".responses-wrapper .live-responses-table .response-col_status")
        status = page.inner_text(".live-responses-table .response .response-col_status")
        assert status.strip().startswith("200"), status
        page.screenshot(path=str(tmp_path / "docs.png"))
        browser.close()
    assert outside == []
    assert problems == []
