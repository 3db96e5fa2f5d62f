"""The tables of the case domain as typed SQLAlchemy 2 models; money in whole cents.

One module per part of the domain. Importing this package defines every table on
`Base.metadata`, which Alembic compares with the migrations; import the models from here.
"""

from __future__ import annotations

from agreements.db.models.accounts import (
    AuthToken,
    LoginFailure,
    Organisation,
    Person,
    RecoveryCode,
    User,
)
from agreements.db.models.agreements import Agreement, JudgmentDecision, Obligation, Review
from agreements.db.models.audit import AuditEntry, AuditHead, AuditStaged
from agreements.db.models.base import NAMING, AddressMixin, Base, UTCDateTime, enum_column
from agreements.db.models.cases import (
    Case,
    CaseCoTenant,
    CaseParty,
    CaseRepresentative,
    EvictionJudgment,
    PaymentArrangement,
    TenancyContract,
)
from agreements.db.models.codes import SigningCode
from agreements.db.models.documents import Document, DocumentVersion, SealRenewal
from agreements.db.models.mail import QueuedMail
from agreements.db.models.reminders import MissedInstalment, Reminder
from agreements.db.models.signatures import Signature, SignatureRequest

__all__ = [
    "NAMING",
    "AddressMixin",
    "Agreement",
    "AuditEntry",
    "AuditHead",
    "AuditStaged",
    "AuthToken",
    "Base",
    "Case",
    "CaseCoTenant",
    "CaseParty",
    "CaseRepresentative",
    "Document",
    "DocumentVersion",
    "EvictionJudgment",
    "JudgmentDecision",
    "LoginFailure",
    "MissedInstalment",
    "Obligation",
    "Organisation",
    "PaymentArrangement",
    "Person",
    "QueuedMail",
    "RecoveryCode",
    "Reminder",
    "Review",
    "SealRenewal",
    "Signature",
    "SignatureRequest",
    "SigningCode",
    "TenancyContract",
    "UTCDateTime",
    "User",
    "enum_column",
]
