"""CSRF tokens for the staff pages: an HMAC of the session, checked on every POST."""

from __future__ import annotations

import hashlib
import hmac

from agreements.settings import Settings

FIELD = "csrf"


def token_for(session_token: str, settings: Settings) -> str:
    """Derived from the session, so it needs no storage and dies with the session."""
    return hmac.new(settings.key("csrf"), session_token.encode(), hashlib.sha256).hexdigest()


def valid(session_token: str, submitted: str, settings: Settings) -> bool:
    return bool(submitted) and hmac.compare_digest(token_for(session_token, settings), submitted)
