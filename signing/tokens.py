"""Link tokens: making them, storing only their HMAC, and deciding whether one is usable."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

TOKEN_BYTES = 32
"""256 random bits: guessing a live token is out of reach even with no rate limit."""

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class LinkState(StrEnum):
    """Whether a link can still be used, and if not, why; each carries the Dutch page text."""

    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    VOIDED = "voided"
    UNKNOWN = "unknown"

    @property
    def usable(self) -> bool:
        return self is LinkState.VALID

    @property
    def description_nl(self) -> str:
        return _LINK_STATE_NL[self]


_LINK_STATE_NL = {
    LinkState.VALID: "Deze link is geldig.",
    LinkState.EXPIRED: "Deze link is verlopen.",
    LinkState.USED: "Deze link is al gebruikt: u heeft dit document al ondertekend of geweigerd.",
    LinkState.REVOKED: "Deze link is ingetrokken door de coördinator.",
    LinkState.VOIDED: "Dit document is vervangen door een nieuwe versie. U krijgt een nieuwe link.",
    LinkState.UNKNOWN: "Deze link kennen wij niet. Controleer of u de hele link heeft gebruikt.",
}


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """What a token is bound to: one request, one party, one exact document, until a moment."""

    request_id: str
    party: str
    document_sha256: str
    expires_at: datetime

    def __post_init__(self) -> None:
        _require_sha256(self.document_sha256)
        _require_aware(self.expires_at, "expires_at")


@dataclass(frozen=True, slots=True)
class StoredLink:
    """The fields of a stored link row that decide its state; the token itself is never stored."""

    digest: str
    claim: LinkClaim
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    voided_at: datetime | None = None


def new_token() -> str:
    """A fresh URL-safe token of 256 random bits, to be sent once and never stored."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str, key: bytes) -> str:
    """The HMAC-SHA256 of a token as hex: a leaked table of digests opens no link."""
    if not key:
        raise ValueError("an HMAC key is required")
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def digests_equal(a: str, b: str) -> bool:
    """Compare two digests in constant time, so timing reveals nothing about the stored one."""
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def link_state(
    token: str,
    stored: StoredLink | None,
    *,
    key: bytes,
    now: datetime,
    document_sha256: str | None = None,
) -> LinkState:
    """Say whether `token` may be used at `now` against the row found for it (None: no row).

    `document_sha256`, when given, is the hash of the version the service would show now;
    a link bound to another version belongs to a replaced document and counts as voided.
    The order matters for the page a party sees: a replaced document or a revoked link
    says more than "already used", and "already used" more than "expired".
    """
    _require_aware(now, "now")
    if stored is None or not digests_equal(token_digest(token, key), stored.digest):
        return LinkState.UNKNOWN
    if stored.voided_at is not None:
        return LinkState.VOIDED
    if document_sha256 is not None and document_sha256 != stored.claim.document_sha256:
        return LinkState.VOIDED
    if stored.revoked_at is not None:
        return LinkState.REVOKED
    if stored.used_at is not None:
        return LinkState.USED
    if now >= stored.claim.expires_at:
        return LinkState.EXPIRED
    return LinkState.VALID


def _require_aware(moment: datetime, name: str) -> None:
    # Naive times from a database or a test would compare against the wrong zone silently.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _require_sha256(value: str) -> None:
    if not _SHA256_HEX.fullmatch(value):
        raise ValueError("a document SHA-256 must be 64 lowercase hexadecimal characters")
