"""The wording and layout of the default templates, one module per document (plain Dutch,
B1 and "u" where tenants read)."""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocumentObject

from templates.defaults.texts.agreement import agreement
from templates.defaults.texts.arrangement import payment_arrangement
from templates.defaults.texts.evidence import evidence_page
from templates.defaults.texts.letters import (
    closing_letter,
    execution_notice,
    letter,
    termination,
    warning,
)
from templates.defaults.texts.minutes import review_minutes

DOCUMENTS: dict[str, Callable[[], DocumentObject]] = {
    "agreement": agreement,
    "payment_arrangement": payment_arrangement,
    "review_minutes": review_minutes,
    "evidence_page": evidence_page,
    "warning": warning,
    "execution_notice": execution_notice,
    "termination": termination,
    "closing_letter": closing_letter,
    "letter": letter,
}
