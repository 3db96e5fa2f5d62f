"""The iCalendar feed per coordinator: reviews and expiring terms, opened with a personal token."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from icalendar import Calendar, Event
from sqlalchemy import select

from agreements.db.models import Agreement, AuthToken, Case, EvictionJudgment, Review, User
from agreements.domain.enums import AgreementStatus, Role
from agreements.domain.errors import Forbidden, NotAuthenticated
from agreements.domain.policy import Actor
from agreements.services.access.accounts import token_digest
from agreements.services.context import Deps
from agreements.services.uow import unit_of_work

LIVE = (AgreementStatus.ACTIVE, AgreementStatus.OUT_FOR_SIGNATURE)


def feed_url(deps: Deps, token: str) -> str:
    """The address of a calendar link, to paste into Outlook ("Agenda toevoegen van internet")."""
    return f"{deps.settings.public_base_url.rstrip('/')}/calendar/{token}.ics"


def new_feed_token(*, deps: Deps, actor: Actor, now: datetime) -> str:
    """A personal calendar link; making a new one stops the old one."""
    if actor.role is not Role.COORDINATOR or actor.user_id is None:
        raise Forbidden("calendar feeds are for coordinators")
    token = secrets.token_urlsafe(32)
    with unit_of_work(deps, actor, now) as uow:
        session = uow.session
        for old in session.scalars(
            select(AuthToken).where(
                AuthToken.user_id == actor.user_id,
                AuthToken.kind == "calendar",
                AuthToken.revoked_at.is_(None),
            )
        ):
            old.revoked_at = now
        session.add(
            AuthToken(
                user_id=actor.user_id,
                kind="calendar",
                name="agenda",
                digest=token_digest(deps, token),
                created_at=now,
                expires_at=now + timedelta(days=3650),
            )
        )
        uow.audit("calendar.token", "user", actor.user_id)
    return token


def feed(token: str, *, deps: Deps, now: datetime) -> bytes:
    with deps.db() as session:
        row = session.scalar(
            select(AuthToken).where(
                AuthToken.digest == token_digest(deps, token), AuthToken.kind == "calendar"
            )
        )
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise NotAuthenticated("this calendar link is not valid (any more)")
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            raise NotAuthenticated("this account is disabled")
        cal = Calendar()
        cal.add("prodid", "-//Woonbegeleidingsovereenkomsten//NL")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"Trajecten van {user.name}")
        cases = select(Case.id).where(Case.coordinator_id == user.id)
        base = deps.settings.public_base_url.rstrip("/")
        rows = session.execute(
            select(Review, Agreement, Case.reference)
            .join(Agreement, Agreement.id == Review.agreement_id)
            .join(Case, Case.id == Agreement.case_id)
            .where(Agreement.case_id.in_(cases), Agreement.status.in_(LIVE))
        )
        for review, agreement, reference in rows:
            # A review held is in the calendar on the day it was held, not the day planned.
            held = " (gehouden)" if review.held_date else ""
            _event(
                cal,
                f"review-{review.id}",
                review.held_date or review.due_date,
                f"Evaluatie {review.number}: {reference}{held}",
                f"Kwartaalevaluatie van traject {reference}.",
                now,
                f"{base}/zaken/{agreement.case_id}",
            )
        for agreement, reference in session.execute(
            select(Agreement, Case.reference)
            .join(Case, Case.id == Agreement.case_id)
            .where(Agreement.case_id.in_(cases), Agreement.status.in_(LIVE))
        ):
            _event(
                cal,
                f"agreement-end-{agreement.id}",
                agreement.end_date,
                f"Einde overeenkomst: {reference}",
                "De woonbegeleidingsovereenkomst eindigt.",
                now,
                f"{base}/zaken/{agreement.case_id}",
            )
            judgment = session.get(EvictionJudgment, agreement.eviction_judgment_id)
            if judgment is not None:
                for months in deps.settings.judgment_age_months:
                    _event(
                        cal,
                        f"judgment-{judgment.id}-{months}",
                        judgment.judgment_date + relativedelta(months=months),
                        f"Vonnis {months} maanden oud: {reference}",
                        f"Zaaknummer {judgment.case_number}. Een vonnis van ongeveer een "
                        "jaar oud mag in beginsel niet meer worden uitgevoerd.",
                        now,
                        f"{base}/zaken/{agreement.case_id}",
                    )
    return bytes(cal.to_ical())


def _event(
    cal: Calendar, uid: str, day: date, summary: str, description: str, stamp: datetime, url: str
) -> None:
    """One all-day event that links to its case (Outlook shows the link in the text)."""
    event = Event()
    event.add("uid", f"{uid}@agreements")
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", f"{description}\n\nDe zaak: {url}")
    event.add("url", url)
    event.add("dtstamp", stamp)
    cal.add_component(event)
