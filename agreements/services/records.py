"""The persistent records the use cases return, named for their callers.

Entry points (the web's output models and pages) annotate with these names and read the
rows' attributes; they import them from here, never from `agreements.db`, so that what
persists stays the service's business."""

from __future__ import annotations

from agreements.db.models import (
    Agreement,
    Case,
    Document,
    DocumentVersion,
    JudgmentDecision,
    Organisation,
    PaymentArrangement,
    Person,
    Review,
    SignatureRequest,
    TenancyContract,
    User,
)

__all__ = [
    "Agreement",
    "Case",
    "Document",
    "DocumentVersion",
    "JudgmentDecision",
    "Organisation",
    "PaymentArrangement",
    "Person",
    "Review",
    "SignatureRequest",
    "TenancyContract",
    "User",
]
