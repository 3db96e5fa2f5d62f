"""The app factory: builds the FastAPI app for given settings or collaborators."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from agreements import tasks
from agreements.bootstrap import build_deps
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.settings import Settings
from agreements.web import docs, outbox, problems, staff
from agreements.web.api import (
    agreements,
    auth,
    case_file,
    cases,
    directory,
    documents,
    legal,
    reminders,
    signatures,
)
from agreements.web.limits import BodyLimit
from agreements.web.party import codes as party_codes
from agreements.web.party import pages as party_pages
from agreements.web.security import ServiceApp

API = "/api/v1"

_HOME = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport"
content="width=device-width, initial-scale=1"><title>Woonbegeleiding</title></head>
<body><main><h1>Woonbegeleidingsovereenkomsten</h1>
<p>Dit is de dienst voor de overeenkomsten van het Laatste Kansbeleid.</p>
<ul><li><a href="/login">Inloggen voor medewerkers</a></li>
<li><a href="/docs">API-documentatie (inloggen met <code>POST /api/v1/auth/login</code>)</a>,
ook <a href="/redoc">als ReDoc</a></li>
<li><a href="/openapi.json">OpenAPI-beschrijving</a></li></ul>
<p>Een huurder of partij die moet ondertekenen, gebruikt de persoonlijke link uit de e-mail.</p>
</main></body></html>"""


def create_app(
    settings: Settings | None = None,
    deps: Deps | None = None,
    engine: DocumentEngine | None = None,
) -> FastAPI:
    deps = tasks.with_queue(deps or build_deps(settings))  # use cases enqueue after commit
    app = ServiceApp(
        title="Woonbegeleidingsovereenkomsten",
        version="0.1.0",
        description="Housing support agreements for the Utrecht Laatste Kansbeleid: cases, "
        "tenancy contracts, eviction judgments, payment arrangements, agreements and reviews. "
        "Errors are RFC 9457 problem details (application/problem+json).",
        docs_url=None,  # served by `docs` from local files instead of a CDN
        redoc_url=None,
    )
    app.https = deps.settings.secure_cookies
    app.state.deps = deps
    # The worker converts (renders, evidence pages, dossiers); a web process that started
    # LibreOffice would carry converters that can outlive it. Tests hand in their own engine.
    app.state.engine = engine or DocumentEngine(deps.settings, converts=False)
    problems.install(app)
    for module in (
        auth,
        directory,
        cases,
        case_file,
        agreements,
        documents,
        signatures,
        reminders,
        legal,
    ):
        app.include_router(module.router, prefix=API)
    app.include_router(party_pages.router)
    app.include_router(party_codes.router)
    for staff_router in staff.ROUTERS:
        app.include_router(staff_router)
    app.include_router(reminders.feeds)
    app.include_router(outbox.router)
    app.include_router(docs.router)
    app.add_middleware(
        BodyLimit, max_json=deps.settings.max_body_bytes, max_upload=deps.settings.max_upload_bytes
    )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return _HOME

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return docs.page(app.title)

    @app.get("/redoc", include_in_schema=False)
    def api_redoc() -> HTMLResponse:
        return docs.page(app.title, redoc=True)

    @app.get("/healthz", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    return app
