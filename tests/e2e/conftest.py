"""Fixtures of the end-to-end tests: the signing pages' site, a live server, Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from agreements import tasks
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.web.app import create_app
from tests.flows import Live, Site, render_and_read
from tests.support import CHROMIUM_ARGS, free_port, require_chromium, uvicorn_thread


@pytest.fixture(scope="module")
def smtp_port() -> Iterator[int]:
    # Sending for signature mails invitations; a loopback sink takes them.
    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture(scope="module")
def site(world: Any, pool: Any, smtp_port: int) -> Iterator[Site]:
    settings = world.deps.settings.model_copy(update={"smtp_port": smtp_port})
    deps = Deps(db=world.deps.db, settings=settings)
    engine = DocumentEngine(settings, converter=pool)
    tasks.huey.immediate = True
    tasks.use_runtime(tasks.Runtime(deps, engine))
    try:
        with TestClient(create_app(deps=deps, engine=engine)) as client:
            version = render_and_read(client, world, world.case_portaal)
            sent = client.post(
                f"/api/v1/document-versions/{version['id']}/signature-requests",
                headers=world.headers("coordinator"),
            )
            assert sent.status_code == 201, sent.text
            requests = {r["party_role"]: r["id"] for r in sent.json()}
        yield Site(world, deps, engine, version, requests)
    finally:
        tasks.use_runtime(None)
        tasks.huey.immediate = False


@pytest.fixture(scope="module")
def live(site: Site) -> Iterator[Live]:
    config = uvicorn.Config(site.app(), host="127.0.0.1", port=free_port(), log_level="warning")
    with uvicorn_thread(config) as base:
        yield Live(base, site)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def base(world: Any, pool: Any, smtp_port: int) -> Iterator[str]:
    settings = world.deps.settings.model_copy(update={"smtp_port": smtp_port})
    deps = Deps(db=world.deps.db, settings=settings)
    engine = DocumentEngine(settings, converter=pool)
    tasks.huey.immediate = True
    tasks.use_runtime(tasks.Runtime(deps, engine))
    config = uvicorn.Config(create_app(deps=deps, engine=engine), host="127.0.0.1",
                            port=free_port(), log_level="warning")  # fmt: skip
    try:
        with uvicorn_thread(config) as url:
            yield url
    finally:
        tasks.use_runtime(None)
        tasks.huey.immediate = False
