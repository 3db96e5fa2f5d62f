"""Validation and normalisation of the domain's values: IBAN, postcode, BSN, ECLI, e-mail,
text, money."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

from agreements.domain import text

# ECLI: "ECLI:" country ":" court code ":" year ":" ordinal (Council decision 2011/C 127/01).
_ECLI = re.compile(r"ECLI:[A-Z]{2}:[A-Z0-9]{1,7}:\d{4}:[A-Z0-9.]{1,25}")


def normalise_iban(value: str) -> str:
    """Return the IBAN in compact form (`NL91ABNA0417164300`) or raise ValueError."""
    try:
        return str(stdnum_iban.validate(value))
    except StdnumError as exc:
        raise ValueError(f"not a valid IBAN ({exc})") from None


def normalise_postcode(value: str) -> str:
    """Return a Dutch postcode as `1234 AB` or raise ValueError."""
    try:
        compact = str(stdnum_postcode.validate(value))
    except StdnumError:
        raise ValueError(
            "not a valid Dutch postcode (expected four digits and two letters, such as 3511 AB)"
        ) from None
    return compact if " " in compact else f"{compact[:4]} {compact[4:]}"


def normalise_bsn(value: str) -> str:
    """Return a nine-digit BSN that passes the eleven test, or raise ValueError."""
    try:
        return str(stdnum_bsn.validate(value))
    except StdnumError:
        raise ValueError("not a valid BSN (nine digits that pass the eleven test)") from None


def normalise_ecli(value: str) -> str:
    """Return an ECLI in upper case (`ECLI:NL:RBMNE:2024:1234`) or raise ValueError."""
    candidate = value.strip().upper()
    if not _ECLI.fullmatch(candidate):
        raise ValueError("not a valid ECLI (expected e.g. ECLI:NL:RBMNE:2024:1234)")
    return candidate


def normalise_email(value: str) -> str:
    """Return an e-mail address as it can be written to (its domain in lower case), or raise
    ValueError: `naam@voorbeeld` has no dot in its domain, `naam@host.invalid` is reserved.
    The syntax only (email-validator): no DNS look-up while a form is filled in."""
    try:
        return str(validate_email(value.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValueError(f"not an e-mail address: {exc}") from None


def refuse_unsafe_text(value: str, *, multiline: bool = True) -> str:
    """The text policy (`domain/text.py`): `value` with normalised line ends, or UnsafeText."""
    return text.check(value, multiline=multiline)


def money(value: Decimal | str | int) -> Decimal:
    """Return an exact amount in euros with at most two decimals, or raise ValueError."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("not an amount") from None
    if not amount.is_finite():
        raise ValueError("not an amount")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("at most two decimals (whole cents)")
    if amount < 0:
        raise ValueError("must not be negative")
    if amount >= Decimal("10000000"):  # also keeps cents within a 32-bit column
        raise ValueError("too large (at most 9,999,999.99)")
    return amount.quantize(Decimal("0.01"))


def to_cents(amount: Decimal) -> int:
    return int(amount * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))
