"""The numbers of a payment schedule must agree before anything is printed: the total and the
arrears are the sum of the instalments, and a stored end date is the last instalment's date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from agreements.domain.errors import SumsDisagree


def euro_nl(amount: Decimal) -> str:
    """`€ 2.411,80`: the way the documents print an amount."""
    whole, cents = f"{amount:,.2f}".split(".")
    return f"€ {whole.replace(',', '.')},{cents}"


def _date_nl(day: date) -> str:
    return f"{day.day}-{day.month}-{day.year}"


def instalment_sum(rows: Sequence[Mapping[str, Any]]) -> Decimal:
    return sum((Decimal(str(row["amount"])) for row in rows), Decimal("0.00"))


def check_schedule(
    rows: Sequence[Mapping[str, Any]],
    *,
    total: object = None,
    arrears: object = None,
    stored_end: date | str | None = None,
) -> None:
    """Raise SumsDisagree when a given total, arrears or stored end disagrees with the rows."""
    counted = instalment_sum(rows)
    given = [("total", "het totaal", total), ("arrears.amount", "de achterstand", arrears)]
    for field, label, value in given:
        if value is not None and Decimal(str(value)) != counted:
            raise SumsDisagree(
                field,
                f"De termijnen tellen op tot {euro_nl(counted)}, "
                f"maar {label} is {euro_nl(Decimal(str(value)))}.",
            )
    if stored_end is not None and rows:
        end = date.fromisoformat(stored_end) if isinstance(stored_end, str) else stored_end
        last = date.fromisoformat(str(rows[-1]["due"]))
        if end != last:
            raise SumsDisagree(
                "last_instalment_date",
                f"De laatste termijn is op {_date_nl(last)}, "
                f"maar de opgeslagen einddatum is {_date_nl(end)}.",
            )


def check_schedule_data(data: Mapping[str, Any]) -> None:
    """The check on a document's data, for every kind that carries instalments."""
    rows = data.get("instalments")
    if not isinstance(rows, list):
        return
    arrears = data.get("arrears")
    schedule = data.get("schedule")
    check_schedule(
        rows,
        total=data.get("total"),
        arrears=arrears.get("amount") if isinstance(arrears, Mapping) else None,
        stored_end=schedule.get("end") if isinstance(schedule, Mapping) else None,
    )
