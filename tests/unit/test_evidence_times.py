"""Times on the evidence page (issue 13): Dutch local time with the offset from UTC, so the
two 02:30s of the night the clocks go back, and a time read in another tool, tell apart."""

from __future__ import annotations

from datetime import UTC, datetime

from templates.filters import datumtijd_zone


def test_the_offset_is_printed_in_summer_and_winter() -> None:
    assert datumtijd_zone(datetime(2026, 12, 3, 10, 2, 7, tzinfo=UTC)) == (
        "3 december 2026 11:02:07 (+01:00)"
    )
    assert datumtijd_zone("2026-06-12T12:03:09.000000Z") == "12 juni 2026 14:03:09 (+02:00)"


def test_the_night_the_clocks_go_back_prints_two_different_half_past_twos() -> None:
    before = datumtijd_zone(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    after = datumtijd_zone(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    assert before == "25 oktober 2026 02:30:00 (+02:00)"
    assert after == "25 oktober 2026 02:30:00 (+01:00)"


def test_a_naive_time_is_taken_as_utc() -> None:
    assert datumtijd_zone("2026-10-25T01:30:00") == "25 oktober 2026 02:30:00 (+01:00)"
