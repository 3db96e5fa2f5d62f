"""Reminders in the app, missed instalments reported by corporations, and calendar feeds."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from agreements.domain.enums import ReminderKind, ReminderStatus
from agreements.services.inputs import Day, Input
from agreements.services.reminders import calendar
from agreements.services.reminders import sweep as reminders
from agreements.web.deps import ActorDep, DepsDep, NowDep, OptId, PathId
from agreements.web.problems import responses

router = APIRouter(tags=["reminders"])
feeds = APIRouter(tags=["reminders"])


class ReminderOut(BaseModel):
    id: int
    kind: ReminderKind
    title: str
    case_id: int
    subject_type: str
    subject_id: int
    due_date: date
    recipients: str
    status: ReminderStatus
    attempts: int = Field(
        description="The most delivery attempts any of its e-mails took (the mail queue's)."
    )
    last_error: str = Field(
        description="Why one of its e-mails is not delivered yet or was refused; empty if none."
    )
    sent_at: datetime | None


class MissedIn(Input):
    due_date: Day


class MissedOut(BaseModel):
    id: int
    arrangement_id: int
    due_date: date


class FeedOut(BaseModel):
    url: str


@router.get("/reminders", response_model=list[ReminderOut])
def list_reminders(
    actor: ActorDep,
    deps: DepsDep,
    case_id: OptId = None,
    status: list[ReminderStatus] = Query(default=[ReminderStatus.FLAGGED, ReminderStatus.PENDING]),
) -> list[ReminderOut]:
    """Reminders of the cases you may see; by default what still needs attention."""
    found = reminders.for_actor(deps=deps, actor=actor, statuses=status, case_id=case_id)
    delivered = reminders.delivery([r.id for r in found], deps=deps)
    none = reminders.Delivery(0, "")
    return [
        ReminderOut(
            id=r.id,
            kind=r.kind,
            title=r.kind.label,
            case_id=r.case_id,
            subject_type=r.subject_type,
            subject_id=r.subject_id,
            due_date=r.due_date,
            recipients=r.recipients,
            status=r.status,
            attempts=delivered.get(r.id, none).attempts,
            last_error=delivered.get(r.id, none).last_error,
            sent_at=r.sent_at,
        )
        for r in found
    ]


@router.post(
    "/payment-arrangements/{row_id}/missed-instalments",
    response_model=MissedOut,
    status_code=status.HTTP_201_CREATED,
    tags=["payment_arrangements"],
    responses=responses(403, 409),
)
def report_missed(
    row_id: PathId, body: MissedIn, actor: ActorDep, deps: DepsDep, now: NowDep
) -> MissedOut:
    """The corporation reports that an instalment was not paid; the coordinator is told."""
    report = reminders.report_missed_instalment(
        row_id, body.due_date, deps=deps, actor=actor, now=now
    )
    return MissedOut(id=report.id, arrangement_id=report.arrangement_id, due_date=report.due_date)


@router.post(
    "/auth/calendar-feed",
    response_model=FeedOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(403),
)
def calendar_feed(actor: ActorDep, deps: DepsDep, now: NowDep) -> FeedOut:
    """A personal iCalendar link (for Outlook) with your cases' reviews and expiring terms."""
    token = calendar.new_feed_token(deps=deps, actor=actor, now=now)
    return FeedOut(url=calendar.feed_url(deps, token))


@feeds.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **responses(401)},
)
def calendar_ics(token: str, deps: DepsDep, now: NowDep) -> Response:
    """The feed itself; the token in the link is the key."""
    return Response(
        calendar.feed(token, deps=deps, now=now),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )
