"""How uvicorn serves the app: the address, and which proxies may name the client."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

from agreements.settings import Settings


def uvicorn_config(
    app: ASGIApp, settings: Settings, *, host: str | None = None, port: int | None = None
) -> uvicorn.Config:
    """The server's settings; logging is configured beforehand (`bootstrap.configure_logging`).

    uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise, so anyone on the
    machine (or a proxy passing the header on) could pick the address that rate limits and
    signing evidence record. Only the proxies listed in `trusted_proxies` are believed.
    """
    trusted = list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        log_level=settings.log_level.lower(),
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted,
    )
