"""The security headers of every response (API, pages, documents, errors): one middleware."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages load their scripts and styles from files, never inline; nothing may frame them.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# Signing links carry their token in the URL: no Referer may take it elsewhere, and no
# cache (browser or proxy) may keep a tenant's document or a care note.
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": PAGE_CSP,
}
# Only the pages' own scripts and stylesheets may be cached; they hold nothing personal.
ASSETS = "/assets/"
HSTS = "max-age=31536000"


class SecurityHeaders:
    """Pure ASGI: adds the headers above to a response that does not set them itself.

    A response may choose its own CSP (the legal pages that poll, the API documentation),
    but Cache-Control only under `/assets/`: everything else is personal or behind a login.
    """

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app, self.https = app, https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith(ASSETS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
                if self.https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, with_headers)


class ServiceApp(FastAPI):
    """FastAPI with `SecurityHeaders` outside even the error middleware.

    Starlette answers an unexpected error (500) from its outermost middleware; one added
    with `add_middleware` sits inside it and would never see that answer.
    """

    https = False

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), https=self.https)
