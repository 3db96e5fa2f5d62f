"""The data of the review minutes (evaluatieverslag): who came and who did not, the outcome
and any written warning, progress per obligation, actions, and the agreement they belong to."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agreements.db.models import Agreement, Case, Document, DocumentVersion, Review
from agreements.domain.enums import DocumentStatus, ReviewOutcome
from agreements.domain.errors import ValidationFailed
from agreements.services.documents.data import _heading, _signers, _tenants, _together
from agreements.settings import Settings

ROLES = ("tenant", "corporation", "coordinator", "municipality", "others")
OUTCOMES = {
    ReviewOutcome.ON_TRACK: "op schema: de afspraken worden nagekomen",
    ReviewOutcome.CONCERNS: "zorgen: er zijn zorgen over een of meer afspraken",
    ReviewOutcome.BREACH: "tekortkoming: een of meer afspraken zijn niet nagekomen",
}


def _absent(session: Session, case: Case, attendees: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The parties to the agreement that nobody attended for: neither a person by that
    name nor someone from that organisation."""
    present = {
        str(a.get(key) or "").strip().casefold()
        for a in attendees
        for key in ("name", "organisation")
    }
    return [
        {"name": line["party"], "role": line["label"]}
        for line in _signers(session, case, ROLES)
        if line["party"].strip().casefold() not in present
    ]


def _agreement(session: Session, agreement: Agreement) -> dict[str, Any]:
    """The agreement the minutes belong to: its term and its latest finished version."""
    version = session.scalar(
        select(func.max(DocumentVersion.number))
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(
            Document.subject_type == "agreement",
            Document.subject_id == agreement.id,
            DocumentVersion.status == DocumentStatus.READY,
        )
    )
    return {
        "title": "Woonbegeleidingsovereenkomst",
        "start": agreement.start_date.isoformat(),
        "end": agreement.end_date.isoformat(),
        "version": version,
    }


def review_minutes_data(
    session: Session, review: Review, settings: Settings, today: date
) -> dict[str, Any]:
    """The evaluatieverslag of a held review: attendees, progress per obligation, actions."""
    if review.held_date is None or review.outcome is None:
        raise ValidationFailed.one("held_date", "record the review (date and outcome) first")
    agreement = session.get(Agreement, review.agreement_id)
    assert agreement is not None
    case = session.get(Case, agreement.case_id)
    assert case is not None
    obligations = {o.id: o for o in agreement.obligations}
    progress = []
    for item in review.progress:
        obligation = obligations.get(int(item["obligation_id"]))
        if obligation is not None:
            progress.append(
                {
                    "party": obligation.party.label.capitalize(),
                    "obligation": obligation.text,
                    "status": item["status"],
                    "notes": item.get("notes") or "-",
                }
            )
    following = session.scalar(
        select(Review)
        .where(
            Review.agreement_id == agreement.id,
            Review.number > review.number,
            Review.held_date.is_(None),
        )
        .order_by(Review.number)
        .limit(1)
    )
    return {
        **_heading(settings, case, today),
        "tenant": {"name": _together([t.name for t in _tenants(session, case)])},
        "signers": _signers(session, case, ("tenant", "coordinator")),
        "agreement": _agreement(session, agreement),
        "review": {
            "number": review.number,
            "date": review.held_date.isoformat(),
            "location": review.location or "-",
            "chair": review.chair or "-",
            "outcome": OUTCOMES[review.outcome],
            "warning_given": bool(review.warning_given),
        },
        "absent": _absent(session, case, review.attendees),
        "attendees": [
            {"name": a["name"], "role": a["role"], "organisation": a.get("organisation") or "-"}
            for a in review.attendees
        ],
        "summary": review.summary or f"Uitkomst: {review.outcome.label}.",
        "progress": progress,
        "actions": [
            {"action": a["action"], "who": a["who"], "due": a["due"]} for a in review.actions
        ],
        "next_review": {
            "date": (following.due_date if following else agreement.end_date).isoformat(),
            "location": review.location or "-",
        },
    }
