"""The settings of reminders and their escalation: when each reminder is due, and when a
judgment's age needs a decision."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from agreements.domain.legal import JUDGMENT_AGE_MONTHS, JUDGMENT_DECISION_MONTHS


class ReminderSettings(BaseSettings):
    """Reminders; mixed into `Settings`, so read with the same `AGREEMENTS_` prefix."""

    reminder_lookback_days: int = Field(
        60,
        description="Reminders whose date lies further back than this are not made at all "
        "(when the service is first started on old data, say).",
    )
    reminder_max_late_days: int = Field(
        3,
        description="A reminder found this many days after its date is not sent but "
        "flagged on the dashboard instead (the worker was down too long).",
    )
    mail_keep_days: int = Field(
        30,
        ge=1,
        description="Sent e-mails are kept this many days as a delivery log (address, "
        "subject, time; their text is dropped once sent), then deleted.",
    )
    review_upcoming_days: int = Field(
        14, description="Remind the coordinator this many days before a review."
    )
    review_tenant_days: int = Field(
        7, description="Remind the tenant this many days before a review."
    )
    review_overdue_days: int = Field(
        7, description="Days after the due date without a recorded review: remind the coordinator."
    )
    review_escalation_days: int = Field(
        14, description="Days after the due date before an unrecorded review goes to the team lead."
    )
    agreement_end_days: list[int] = Field(
        default_factory=lambda: [90, 30],
        description="Days before an agreement ends to remind the coordinator.",
    )
    arrangement_end_days: int = Field(30, description="Days before the last instalment.")
    tenancy_end_days: int = Field(60, description="Days before a temporary tenancy ends.")
    signature_pending_every_days: int = Field(
        3, description="Remind a party who has not signed after this many days, and again as often."
    )
    signature_pending_max: int = Field(5, description="At most this many signing reminders.")
    signature_expiring_days: int = Field(
        2, description="Days before a link expires to warn the coordinator."
    )
    judgment_age_months: list[int] = Field(
        default_factory=lambda: list(JUDGMENT_AGE_MONTHS),
        description="Months after the judgment date to warn legal staff and the corporation "
        "(executing a judgment about a year old is in principle an abuse of right).",
    )
    judgment_decision_months: int = Field(
        JUDGMENT_DECISION_MONTHS,
        ge=1,
        le=60,
        description="Months after the judgment date from which a judgment held in reserve "
        "needs a recorded decision (continue, new judgment, convert to a lease): without one "
        "it is a problem in the report and on the dashboard, and documents are not made.",
    )
    escalation_email: str = Field(
        "", description="Where overdue reviews go when the coordinator has no team lead."
    )
    grace_days: int = Field(
        14, description="Days a missed instalment may be late before it counts as missed."
    )
