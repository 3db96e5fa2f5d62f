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


class LinkUnusable(TokenInvalid):
    """A link token cannot be used; `state` names why and `message_nl` is the page text."""

    def __init__(self, state: str, message_nl: str) -> None:
        super().__init__(f"link is {state}")
        self.state = state
        self.message_nl = message_nl
