"""Review dates: anchored on the start, moved past weekends and Dutch public holidays."""

from datetime import date

import pytest

from agreements.domain.schedule import (
    is_working_day,
    next_working_day,
    nominal_review_date,
    review_due_dates,
)


def test_anchor_rule_not_drifting():
    start = date(2027, 1, 31)
    assert [nominal_review_date(start, n) for n in range(1, 5)] == [
        date(2027, 4, 30),
        date(2027, 7, 31),
        date(2027, 10, 31),
        date(2028, 1, 31),
    ]


def test_leap_day_anchor():
    start = date(2028, 2, 29)
    assert nominal_review_date(start, 4) == date(2029, 2, 28)
    assert nominal_review_date(start, 16) == date(2032, 2, 29)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 27), date(2026, 4, 28)),  # King's Day (Monday)
        (date(2025, 4, 26), date(2025, 4, 28)),  # King's Day moved to Saturday 26 April in 2025
        (date(2026, 12, 25), date(2026, 12, 28)),  # Christmas on Friday, then the weekend
        (date(2026, 4, 6), date(2026, 4, 7)),  # Easter Monday
        (date(2025, 5, 5), date(2025, 5, 6)),  # Liberation Day, lustrum year
        (date(2026, 10, 31), date(2026, 11, 2)),  # Saturday
    ],
)
def test_next_working_day(day, expected):
    assert next_working_day(day) == expected


def test_working_day_stays():
    assert is_working_day(date(2026, 11, 23))
    assert next_working_day(date(2026, 11, 23)) == date(2026, 11, 23)


def test_review_schedule_for_a_two_year_agreement():
    due = list(review_due_dates(date(2026, 1, 31), date(2028, 1, 31)))
    assert len(due) == 8
    assert due[:3] == [(1, date(2026, 4, 30)), (2, date(2026, 7, 31)), (3, date(2026, 11, 2))]
