"""A payment schedule's total, arrears and stored end agree with its rows, or nothing prints."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from agreements.domain.errors import SumsDisagree, ValidationFailed
from agreements.domain.sums import check_schedule, check_schedule_data, instalment_sum
from templates.defaults import DEFAULTS_DIR

ROWS = [
    {"number": 1, "due": "2024-04-01", "amount": "201.10"},
    {"number": 2, "due": "2024-05-01", "amount": "199.70"},
]


def test_a_total_one_cent_off_is_refused_naming_both_sums() -> None:
    with pytest.raises(SumsDisagree) as caught:
        check_schedule(ROWS, total="400.81")
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.errors[0].field == "total"
    assert caught.value.message_nl == (
        "De termijnen tellen op tot € 400,80, maar het totaal is € 400,81."
    )


def test_arrears_that_differ_from_the_rows_are_refused() -> None:
    with pytest.raises(SumsDisagree) as caught:
        check_schedule_data(
            {"instalments": ROWS, "arrears": {"amount": "2412.80"}, "total": "400.80"}
        )
    assert caught.value.errors[0].field == "arrears.amount"
    assert "€ 400,80" in caught.value.message_nl and "€ 2.412,80" in caught.value.message_nl


def test_a_stored_end_other_than_the_last_row_is_refused() -> None:
    with pytest.raises(SumsDisagree) as caught:
        check_schedule(ROWS, total="400.80", stored_end=date(2031, 1, 1))
    assert caught.value.errors[0].field == "last_instalment_date"
    assert "1-5-2024" in caught.value.message_nl and "1-1-2031" in caught.value.message_nl
    check_schedule(ROWS, total="400.80", stored_end="2024-05-01")  # agreeing: no error


@pytest.mark.parametrize("path", sorted(DEFAULTS_DIR.glob("*.sample.json")), ids=lambda p: p.name)
def test_every_default_sample_adds_up(path: object) -> None:
    data = json.loads(DEFAULTS_DIR.joinpath(str(path)).read_text("utf-8"))
    # Raises when a sample's total, arrears or end disagrees with its rows.
    check_schedule_data(data)
    if "instalments" in data:
        assert instalment_sum(data["instalments"]) == Decimal(data["total"])
        if data.get("schedule", {}).get("end"):
            assert data["schedule"]["end"] == data["instalments"][-1]["due"]
