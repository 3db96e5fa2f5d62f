"""How pages are drawn: templates, security headers, downloads, static files and page images."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from fastapi import Response
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.web import security
from templates.filters import datum, datum_kort, euro

WEB = Path(__file__).resolve().parent.parent
# The token in the URL is the only secret: keep it out of Referer headers, caches and frames.
# The middleware adds these to every response as well; pages name them to be explicit.
HEADERS = security.HEADERS
# Where each error in the summary at the top of the form links to.
_ANCHORS = {"drawn": "drawn-canvas", "consent_version": "toestemming", "signature": "typed_name"}


@cache
def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(WEB / "html"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["datum"] = datum
    env.filters["moment"] = _moment
    env.filters["datum_kort"] = datum_kort
    env.filters["euro"] = euro
    return env


def _moment(at: datetime, zone: tzinfo) -> str:
    """Minutes, not seconds: `21 november 2026 om 10:54 uur` in the service's time zone."""
    return str(format_datetime(at, "d MMMM yyyy 'om' HH:mm 'uur'", tzinfo=zone, locale="nl_NL"))


def html(name: str, status: int, deps: Deps, **context: Any) -> HTMLResponse:
    """A page from `web/html` with the coordinator's contact details and the safety headers."""
    settings = deps.settings
    contact = {
        "name": settings.letterhead_name,
        "phone": settings.letterhead_phone,
        "tel": "".join(c for c in settings.letterhead_phone if c.isdigit() or c == "+"),
        "email": settings.letterhead_email,
    }
    template = _templates().get_template(name)
    body = template.render(contact=contact, anchors=_ANCHORS, zone=settings.zone, **context)
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def pdf(engine: DocumentEngine, digest: str, name: str) -> Response:
    return pdf_download(engine.store.get(digest), name)


def pdf_download(data: bytes, name: str) -> Response:
    return attachment(data, name, "application/pdf")


def attachment(data: bytes, name: str, media_type: str) -> Response:
    """A download: `data` saved as the file `name`, with the safety headers."""
    return Response(
        data,
        media_type=media_type,
        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


# The pages' stylesheets and scripts: files, because the CSP forbids inline code. They hold
# nothing personal, so they may be cached (the middleware lets `/assets/` keep this).
_ASSET_HEADERS = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}


def asset(name: str, media_types: dict[str, str]) -> Response:
    """One of the files in `web/static` that `media_types` names; 404 for any other name."""
    media = media_types.get(name)
    if media is None:
        return Response(status_code=404)
    return FileResponse(WEB / "static" / name, media_type=media, headers=_ASSET_HEADERS)


PAGE_DPI = 110  # A4 at 910 px wide: the page image as shown
BIG_DPI = 2 * PAGE_DPI  # 1820 px: twice that, for sharp screens and zooming in


def page_png(engine: DocumentEngine, digest: str, number: int, dpi: int = PAGE_DPI) -> Path:
    """Render a page once with pdftoppm; the cache beside the store is keyed by hash, page
    and resolution."""
    cache_dir = engine.store.root.parent / "page-images" / digest[:2]
    suffix = "" if dpi == PAGE_DPI else f"-{dpi}"
    target = cache_dir / f"{digest}-{number}{suffix}.png"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    program = shutil.which("pdftoppm") or "pdftoppm"
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        subprocess.run(  # noqa: S603 - a fixed program; the arguments are numbers and our paths
            [program, "-r", str(dpi), "-png", "-f", str(number), "-l", str(number), "-singlefile",
             str(engine.store.path(digest)), str(Path(tmp) / "page")],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        # Rename into place: a reader never sees half a PNG, and a racing render is harmless.
        os.replace(Path(tmp) / "page.png", target)
    return target
