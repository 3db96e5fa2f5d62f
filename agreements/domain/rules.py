"""Rules of the agreement itself: its term and the order its status may change in."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from agreements.domain.enums import AgreementStatus as S
from agreements.domain.errors import Conflict, ValidationFailed

MIN_TERM_YEARS, MAX_TERM_YEARS = 2, 4

TRANSITIONS: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.OUT_FOR_SIGNATURE, S.TERMINATED}),
    S.OUT_FOR_SIGNATURE: frozenset({S.DRAFT, S.ACTIVE, S.TERMINATED}),
    S.ACTIVE: frozenset({S.COMPLETED, S.TERMINATED}),
    S.COMPLETED: frozenset(),
    S.TERMINATED: frozenset(),
}


def check_term(start: date, end: date) -> None:
    """The Laatste Kansbeleid runs two to four years; anything else is a typing error."""
    if end <= start:
        raise ValidationFailed.one("end_date", "must be after the start date")
    if end < start + relativedelta(years=MIN_TERM_YEARS):
        raise ValidationFailed.one("end_date", f"the term is at least {MIN_TERM_YEARS} years")
    if end > start + relativedelta(years=MAX_TERM_YEARS):
        raise ValidationFailed.one("end_date", f"the term is at most {MAX_TERM_YEARS} years")


def check_transition(current: S, new: S) -> None:
    """A change someone asks for (PATCH status): Conflict when the transitions forbid it."""
    if new != current and new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none"
        raise Conflict(
            f"an agreement that is {current.value} cannot become {new.value} (allowed: {allowed})"
        )


def follow(current: S, new: S) -> S:
    """The status an event moves an agreement to (sent for signature, sealed): `new` where the
    transitions allow it, else the one it has; so only a draft goes out for signature, only
    one out for signature becomes active, and a terminated agreement stays terminated."""
    return new if new in TRANSITIONS[current] else current
