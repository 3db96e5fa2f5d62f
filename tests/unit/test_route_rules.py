"""The legal route and the twelve-month decision as domain rules (issue 12): what contradicts
what, which judgments age, who decides; plain values, no database."""

from __future__ import annotations

from datetime import date

import pytest

from agreements.domain.enums import Role
from agreements.domain.legal import JUDGMENT_DECISION_MONTHS, JudgmentAge, Level, Row, check_links
from agreements.domain.route import (
    Decision,
    JudgmentChoice,
    LegalRoute,
    check_decision,
    check_route,
    decision_due,
    dissolves,
    judgment_in_reserve,
    may_decide,
)
from agreements.settings import Settings

TODAY = date(2026, 12, 4)
AGE = JudgmentAge()


def _row(judgment_date: date | None = None) -> Row:
    row = Row(1, "LK-1", "Zoë van 't Hek", 7, "active")
    row.judgment_linked, row.judgment_date = judgment_date is not None, judgment_date
    return row


def test_routes_and_choices_carry_dutch_labels() -> None:
    assert [r.value for r in LegalRoute] == ["lease_continues", "lease_dissolved", "second_chance"]
    assert LegalRoute.LEASE_CONTINUES.label == "huurovereenkomst loopt door"
    assert "vonnis achter de hand" in LegalRoute.LEASE_DISSOLVED.label
    assert "ten hoogste twee jaar" in LegalRoute.SECOND_CHANCE.label
    assert {c.value for c in JudgmentChoice} == {"continue", "new_judgment", "convert_to_lease"}


def test_the_decision_age_has_one_source() -> None:
    assert Settings().judgment_decision_months == JUDGMENT_DECISION_MONTHS == AGE.decision == 12
    assert Settings(judgment_decision_months=10).judgment_age.decision == 10  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("dictum", "expected"),
    [
        ("De kantonrechter ontbindt de huurovereenkomst en veroordeelt tot ontruiming.", True),
        ("Verklaart de huurovereenkomst ontbonden.", True),
        ("Ontbinding en ontruiming.", True),
        ("Veroordeelt de huurder tot betaling van de achterstand.", False),
    ],
)
def test_a_dissolving_dictum_is_recognised(dictum: str, expected: bool) -> None:
    assert dissolves(dictum) is expected


def test_lease_continues_with_a_dissolving_judgment_is_a_problem() -> None:
    row = _row()
    check_route(row, LegalRoute.LEASE_CONTINUES, dissolving=True, start=TODAY, end=TODAY)
    assert (
        row.status == Level.PROBLEM and "leeft de huurovereenkomst niet weer op" in row.findings[0]
    )
    fine = _row()
    check_route(fine, LegalRoute.LEASE_DISSOLVED, dissolving=True, start=TODAY, end=TODAY)
    check_route(fine, LegalRoute.LEASE_CONTINUES, dissolving=False, start=TODAY, end=TODAY)
    assert fine.status == Level.OK and not fine.findings


def test_a_second_chance_lease_over_two_years_is_a_problem() -> None:
    row = _row()
    start = date(2026, 1, 31)
    check_route(row, LegalRoute.SECOND_CHANCE, dissolving=True, start=start, end=date(2028, 1, 31))
    assert row.status == Level.OK  # exactly two years
    check_route(row, LegalRoute.SECOND_CHANCE, dissolving=True, start=start, end=date(2028, 2, 1))
    assert row.status == Level.PROBLEM and "ten hoogste twee jaar" in row.findings[0]


def test_no_route_is_a_warning() -> None:
    row = _row()
    check_route(row, None, dissolving=True, start=TODAY, end=TODAY)
    assert row.status == Level.WARNING and "geen juridische route" in row.findings[0]


def test_only_a_judgment_in_reserve_ages() -> None:
    assert judgment_in_reserve(LegalRoute.LEASE_DISSOLVED)
    assert judgment_in_reserve(LegalRoute.LEASE_CONTINUES)
    assert judgment_in_reserve(None)
    assert not judgment_in_reserve(LegalRoute.SECOND_CHANCE)
    old = date(2025, 11, 4)  # 13 months
    assert decision_due(LegalRoute.LEASE_DISSOLVED, old, TODAY, AGE)
    assert not decision_due(LegalRoute.SECOND_CHANCE, old, TODAY, AGE)
    assert not decision_due(LegalRoute.LEASE_DISSOLVED, date(2025, 12, 5), TODAY, AGE)  # 11
    assert decision_due(LegalRoute.LEASE_DISSOLVED, date(2025, 12, 4), TODAY, AGE)  # 12
    row = _row(old)
    check_links(row, draft=False, contract_case_id=None, judgment_case_id=1, today=TODAY,
                age=AGE, in_reserve=False)  # fmt: skip
    assert not any("vonnis" in f and "maanden oud" in f for f in row.findings)


def test_twelve_months_without_a_decision_is_a_problem_and_a_decision_clears_it() -> None:
    old = date(2025, 12, 4)
    row = _row(old)
    check_decision(row, LegalRoute.LEASE_DISSOLVED, None, TODAY, AGE)
    assert row.status == Level.PROBLEM and "geen besluit vastgelegd" in row.findings[0]
    decided = Decision(JudgmentChoice.CONTINUE, date(2026, 11, 20), "L. de Graaf", "Risico.")
    row = _row(old)
    check_decision(row, LegalRoute.LEASE_DISSOLVED, decided, TODAY, AGE)
    assert row.status == Level.OK and row.decision == "continue"
    assert "20 november 2026 door L. de Graaf" in row.findings[0]
    act = Decision(JudgmentChoice.NEW_JUDGMENT, date(2026, 11, 20), "P. Jansen", "Nieuw.")
    row = _row(old)
    check_decision(row, LegalRoute.LEASE_DISSOLVED, act, TODAY, AGE)
    assert row.status == Level.WARNING
    young = _row(date(2026, 6, 1))
    check_decision(young, LegalRoute.LEASE_DISSOLVED, None, TODAY, AGE)
    assert young.status == Level.OK and not young.findings


def test_a_decided_alarm_is_no_longer_a_problem() -> None:
    for decided, level in ((False, Level.PROBLEM), (True, Level.WARNING)):
        row = _row(date(2025, 11, 4))
        row.contract_linked = True
        check_links(row, draft=False, contract_case_id=1, judgment_case_id=1, today=TODAY,
                    age=AGE, decided=decided)  # fmt: skip
        assert row.status == level and "misbruik van recht" in row.findings[0]


def test_legal_staff_and_the_case_corporation_decide() -> None:
    assert may_decide(Role.LEGAL, corporation_of_case=False)
    assert may_decide(Role.PARTNER, corporation_of_case=True)
    assert not may_decide(Role.PARTNER, corporation_of_case=False)
    assert not may_decide(Role.COORDINATOR, corporation_of_case=True)
    assert not may_decide(Role.ADMIN, corporation_of_case=False)
