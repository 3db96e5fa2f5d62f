"""The exceptions of the signing library: one family."""

from __future__ import annotations


class SigningError(Exception):
    """Base of every error the signing library raises on purpose."""


class TokenInvalid(SigningError):
    """A link token is unknown, malformed, expired, used, revoked or voided."""


class SealError(SigningError):
    """The seal could not be applied (key, certificate or PDF problem)."""


class VerificationFailed(SigningError):
    """A PDF is not an authentic sealed document; the message says why."""
