"""Review dates: anchored on the start date and moved past weekends and Dutch public holidays."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

REVIEW_INTERVAL_MONTHS = 3


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def next_working_day(day: date) -> date:
    """The day itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def nominal_review_date(start: date, n: int) -> date:
    """Review n falls on start + 3n months, computed from the anchor, never from the last one
    (31 Jan -> 30 Apr -> 31 Jul, not 30 Jul)."""
    return start + relativedelta(months=REVIEW_INTERVAL_MONTHS * n)


def instalment_date(start: date, n: int, frequency: str) -> date:
    """Instalment n (from 0) of a payment arrangement; monthly ones anchored on the start
    (31 Jan -> 28 Feb -> 31 Mar), never chained."""
    if frequency == "monthly":
        return start + relativedelta(months=n)
    weeks = 1 if frequency == "weekly" else 4
    return start + timedelta(weeks=weeks * n)


def last_instalment(start: date, terms: int, frequency: str) -> date:
    """The date of the last instalment of a payment arrangement."""
    return instalment_date(start, terms - 1, frequency)


def review_due_dates(start: date, end: date) -> Iterator[tuple[int, date]]:
    """(n, due date) for every quarterly review from start up to and including end."""
    n = 1
    while (nominal := nominal_review_date(start, n)) <= end:
        yield n, next_working_day(nominal)
        n += 1
