"""Domain values: IBAN, postcode, BSN, ECLI, text safety and money."""

from decimal import Decimal

import pytest

from agreements.domain import values


def test_iban_is_compacted_and_checked():
    assert values.normalise_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    with pytest.raises(ValueError, match="IBAN"):
        values.normalise_iban("NL91ABNA0417164301")


@pytest.mark.parametrize(("raw", "expected"), [("3511ab", "3511 AB"), ("3511 AB", "3511 AB")])
def test_postcode_is_normalised(raw, expected):
    assert values.normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["1234 SA", "12345", "0123 AB", "", "3511 A"])
def test_bad_postcodes_are_refused(raw):
    with pytest.raises(ValueError, match="postcode"):
        values.normalise_postcode(raw)


def test_bsn_eleven_test():
    assert values.normalise_bsn("111222333") == "111222333"
    with pytest.raises(ValueError, match="BSN"):
        values.normalise_bsn("111222334")


@pytest.mark.parametrize("raw", ["ECLI:NL:RBMNE:2024:1234", "ecli:nl:hr:2019:1.2"])
def test_ecli_accepted(raw):
    assert values.normalise_ecli(raw) == raw.upper()


@pytest.mark.parametrize(
    "raw", ["NL:RBMNE:2024:1", "ECLI:NL:RBMNE:24:1", "ECLI:NLD:X:2024:1", "ECLI:NL:RBMNE:2024:"]
)
def test_ecli_refused(raw):
    with pytest.raises(ValueError, match="ECLI"):
        values.normalise_ecli(raw)


@pytest.mark.parametrize("raw", ["a\ud800b", "bel\u0007", "nul\x00", "esc\x1b", "del\x7f"])
def test_unsafe_text_refused(raw):
    with pytest.raises(ValueError):
        values.refuse_unsafe_text(raw)


def test_safe_text_kept_exactly():
    text = 'Ünal & Zoë <van \'t Hek>\n\t"quoted" 🏠'
    assert values.refuse_unsafe_text(text) == text


def test_money_is_exact():
    assert values.money("1234.5") == Decimal("1234.50")
    assert values.to_cents(values.money("0.1")) + values.to_cents(values.money("0.2")) == 30
    assert values.from_cents(68745) == Decimal("687.45")
    for bad in ["1.234", "-1", "NaN", "Infinity", "abc", "10000000"]:
        with pytest.raises(ValueError):
            values.money(bad)
