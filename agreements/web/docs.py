"""The API documentation at /docs (Swagger UI) and /redoc (ReDoc), served from this process:
no CDN, no inline code."""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse, HTMLResponse

from agreements.web.security import HEADERS

router = APIRouter(include_in_schema=False)
# Swagger UI's own files, as the fastapi-offline package ships them; our start-up script.
_BUNDLE = Path(str(resources.files("fastapi_offline") / "static"))
_OURS = Path(__file__).resolve().parent / "static"
_ASSETS = {
    "swagger-ui-bundle.js": (_BUNDLE, "text/javascript"),
    "swagger-ui.css": (_BUNDLE, "text/css"),
    "redoc.standalone.js": (_BUNDLE, "text/javascript"),
    "favicon.png": (_BUNDLE, "image/png"),
    "docs.js": (_OURS, "text/javascript"),
}
# Swagger UI fetches /openapi.json and, for "Try it out", the API itself; it draws its
# icons as data: SVGs and sets styles from script (allowed: not inline markup).
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# ReDoc writes its styles into <style> elements (styled-components) and searches in a worker
# it starts from a blob: URL; scripts stay our own files, and the page shows no personal data.
REDOC_CSP = DOCS_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
    "form-action", "worker-src blob:; form-action"
)
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} - API</title>
<link rel="icon" href="/assets/docs/favicon.png">
{head}</head><body>{body}
</body></html>"""
_SWAGGER = (
    '<link rel="stylesheet" href="/assets/docs/swagger-ui.css">\n',
    '<div id="swagger-ui"></div>\n<script src="/assets/docs/swagger-ui-bundle.js"></script>\n'
    '<script src="/assets/docs/docs.js"></script>',
)
# ReDoc starts itself on a <redoc> element that names the spec.
_REDOC = (
    "",
    '<redoc spec-url="/openapi.json"></redoc>\n'
    '<script src="/assets/docs/redoc.standalone.js"></script>',
)


def page(title: str, *, redoc: bool = False) -> HTMLResponse:
    """The documentation page for an app of this title: Swagger UI, or ReDoc."""
    head, body = _REDOC if redoc else _SWAGGER
    return HTMLResponse(
        _PAGE.format(title=html.escape(title), head=head, body=body),
        headers={**HEADERS, "Content-Security-Policy": REDOC_CSP if redoc else DOCS_CSP},
    )


@router.get("/assets/docs/{name}")
def asset(name: str) -> Response:
    """Swagger UI's script, stylesheet and icon, and the script that starts it."""
    found = _ASSETS.get(name)
    if found is None:
        return Response(status_code=404)
    folder, media = found
    return FileResponse(
        folder / name, media_type=media, headers={"Cache-Control": "public, max-age=3600"}
    )
