"""The API documentation at /docs: Swagger UI served from this process, no CDN, no inline code."""

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
    "favicon.png": (_BUNDLE, "image/png"),
    "docs.js": (_OURS, "text/javascript"),
}
# Swagger UI fetches /openapi.json and, for "Try it out", the API itself; it draws its
# icons as data: SVGs and sets styles from script (allowed: not inline markup).
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} - API</title>
<link rel="icon" href="/assets/docs/favicon.png">
<link rel="stylesheet" href="/assets/docs/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="/assets/docs/swagger-ui-bundle.js"></script>
<script src="/assets/docs/docs.js"></script>
</body></html>"""


def page(title: str) -> HTMLResponse:
    """The documentation page for an app of this title."""
    return HTMLResponse(
        _PAGE.format(title=html.escape(title)),
        headers={**HEADERS, "Content-Security-Policy": DOCS_CSP},
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
