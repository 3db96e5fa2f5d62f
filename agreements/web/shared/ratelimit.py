"""Rate limits for the signing pages' posts: a moving window per route and client address."""

from __future__ import annotations

import math
import threading
import time

from fastapi import Request
from fastapi.responses import HTMLResponse
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from agreements.services.context import Deps
from agreements.web.deps import client_address
from agreements.web.shared.views import html

__all__ = ["PostLimiter", "client_address", "limiter_for"]


class PostLimiter:
    """Counts posts per (route, client) in a one-minute moving window, in this process.

    The key is the route and the client, never the token in the URL: someone guessing tokens
    uses a new URL for every try, so a per-URL limit would never stop them.
    """

    def __init__(self, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, route: str, client: str) -> int | None:
        """Count one attempt; None when allowed, else whole seconds until the next is."""
        if self.limiter.hit(self.item, route, client):
            return None
        stats = self.limiter.get_window_stats(self.item, route, client)
        return max(1, math.ceil(stats.reset_time - time.time()))


_create_lock = threading.Lock()


def limiter_for(request: Request, per_minute: int) -> PostLimiter:
    """The app's limiter, made on first use so that every app (and every test) has its own."""
    state = request.app.state
    with _create_lock:
        limiter: PostLimiter | None = getattr(state, "signing_post_limiter", None)
        if limiter is None:
            limiter = PostLimiter(per_minute)
            state.signing_post_limiter = limiter
        return limiter


def too_many(request: Request, deps: Deps, route: str) -> HTMLResponse | None:
    """The party pages' answer to one post too many on `route`: 429 with the Dutch page and
    Retry-After; None while the client is within its limit."""
    limiter = limiter_for(request, deps.settings.sign_attempts_per_minute)
    wait = limiter.retry_after(route, client_address(request))
    if wait is None:
        return None
    page = html("too_many.html", 429, deps, wait=wait)
    page.headers["Retry-After"] = str(wait)
    return page
