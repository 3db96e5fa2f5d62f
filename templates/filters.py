"""Jinja filters for template authors: Dutch dates, money and IBANs, formatted through Babel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from stdnum import iban as stdnum_iban

# Babel is given the locale per call: locale.setlocale is process-global and unsafe in a server.
LOCALE = "nl_NL"
# Signing times are shown as the parties experienced them, in Dutch local time.
TIMEZONE = ZoneInfo("Europe/Amsterdam")
CENTS = Decimal("0.01")


def to_date(value: object) -> date:
    """A date from a date, a datetime or an ISO 8601 string (data often comes from JSON)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            if len(value) > 10:
                return datetime.fromisoformat(value).date()
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date (expected a date or an ISO string like 2017-06-12)")


def to_datetime(value: object) -> datetime:
    """An aware datetime from a datetime or an ISO string; a naive one is taken as UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time (ISO 8601 expected)") from None
    else:
        raise ValueError(f"{value!r} is not a date and time")
    # Services store UTC; a naive time is read the way Babel reads it, so no hour shifts twice.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_amount(value: object) -> Decimal:
    """A money amount from a Decimal, an int (whole euros), a float or a decimal string."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        # repr gives the shortest text that round-trips: what the JSON author wrote.
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount (expected e.g. 1234.56)") from None
    else:
        raise ValueError(f"{value!r} is not an amount")
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    # Rounding money silently would print a different sum than the one agreed on.
    if amount != amount.quantize(CENTS):
        raise ValueError(f"{value!r} has more than two decimals; round it before rendering")
    return amount


def datum(value: object) -> str:
    """`12 juni 2017`."""
    return str(format_date(to_date(value), format="long", locale=LOCALE))


def datum_kort(value: object) -> str:
    """`12-06-2017`."""
    return str(format_date(to_date(value), format="dd-MM-yyyy", locale=LOCALE))


def datumtijd(value: object) -> str:
    """`12 juni 2017 om 14:03:09` in Dutch local time."""
    moment = to_datetime(value)
    return str(format_datetime(moment, "d MMMM yyyy 'om' HH:mm:ss", tzinfo=TIMEZONE, locale=LOCALE))


def datumtijd_zone(value: object) -> str:
    """`25 oktober 2026 02:30:00 (+01:00)`: Dutch local time with its offset from UTC, so the
    two 02:30s of the night the clocks go back (and a time in another tool) tell apart."""
    moment = to_datetime(value)
    pattern = "d MMMM yyyy HH:mm:ss '('xxx')'"
    return str(format_datetime(moment, pattern, tzinfo=TIMEZONE, locale=LOCALE))


def euro(value: object) -> str:
    """`€ 1.234,56` (with a non-breaking space, so the sign never ends a line alone)."""
    return str(format_currency(to_amount(value), "EUR", locale=LOCALE))


def bedrag(value: object) -> str:
    """`1.234,56`: the amount without the euro sign, for tables with a currency column."""
    return str(format_decimal(to_amount(value), format="#,##0.00", locale=LOCALE))


def iban(value: object) -> str:
    """`NL91 ABNA 0417 1643 00`: grouped in fours, upper case, as printed on bank statements."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an IBAN")
    return str(stdnum_iban.format(value))


FILTERS: dict[str, Callable[[Any], str]] = {
    "datum": datum,
    "datum_kort": datum_kort,
    "datumtijd": datumtijd,
    "datumtijd_zone": datumtijd_zone,
    "euro": euro,
    "bedrag": bedrag,
    "iban": iban,
}
