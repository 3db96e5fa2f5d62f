"""The legal rules in the domain: labelled levels, one source for the judgment-age thresholds,
and the integrity checks run on plain values, without a database."""

from __future__ import annotations

from datetime import date

from agreements.domain import legal
from agreements.domain.enums import FinishStatus, ReminderKind
from agreements.domain.legal import (
    JUDGMENT_AGE_MONTHS,
    JudgmentAge,
    JudgmentLevel,
    Level,
    Row,
    SealState,
    Version,
    check_document,
    check_links,
    judgment_age_reminders,
)
from agreements.services.legal import integrity
from agreements.settings import Settings
from templates import filters


def _row(**facts: object) -> Row:
    return Row(1, "LK-1", "Zoë van 't Hek", 7, "active", **facts)  # type: ignore[arg-type]


def test_levels_carry_their_dutch_label_and_order() -> None:
    assert [(m.value, m.label) for m in Level] == [
        ("ok", "in orde"),
        ("warning", "waarschuwing"),
        ("problem", "probleem"),
    ]
    assert integrity.LEVELS == ("ok", "warning", "problem")
    assert integrity.JUDGMENT_LEVELS == ("none", "ok", "warning", "alarm")
    assert JudgmentLevel.NONE.label == "geen vonnis"
    assert SealState.INVALID.label == "ongeldig"
    row = _row()
    row.flag(Level.PROBLEM, "a")
    row.flag(Level.WARNING, "b")  # a milder finding never lowers the verdict
    assert (row.status, row.findings) == (Level.PROBLEM, ["a", "b"])


def test_findings_write_dates_as_the_templates_do() -> None:
    for day in (date(2025, 12, 4), date(2026, 3, 1), date(2024, 2, 29)):
        assert legal.datum(day) == filters.datum(day)


def test_the_judgment_age_thresholds_have_one_source() -> None:
    assert Settings().judgment_age_months == list(JUDGMENT_AGE_MONTHS)
    assert JudgmentAge.of([]) == JudgmentAge(*JUDGMENT_AGE_MONTHS)
    assert JudgmentAge.of([12, 6, 8]) == JudgmentAge(6, 12)
    assert judgment_age_reminders([11, 9]) == [
        (9, ReminderKind.JUDGMENT_AGE_9),
        (11, ReminderKind.JUDGMENT_AGE_11),
    ]


def test_an_old_judgment_alarms_a_younger_one_warns() -> None:
    today, age = date(2026, 12, 2), JudgmentAge.of([9, 11])
    for given, level, verdict in [
        (date(2025, 12, 2), JudgmentLevel.ALARM, Level.PROBLEM),
        (date(2026, 2, 2), JudgmentLevel.WARNING, Level.WARNING),
        (date(2026, 6, 2), JudgmentLevel.OK, Level.OK),
    ]:
        row = _row(contract_linked=True, judgment_linked=True, judgment_date=given)
        check_links(row, draft=False, contract_case_id=1, judgment_case_id=1, today=today, age=age)
        assert (row.judgment_level, row.status) == (level, verdict), given


def test_a_signed_version_is_checked_through_the_seal_it_is_given() -> None:
    version = Version(
        3, 2, FinishStatus.DONE, "ab" * 32, 4, 4, {"tenant": {"name": "Zoe van t Hek"}}
    )
    row = _row()
    check_document(row, version, lambda digest: (SealState.INVALID, "gewijzigd"))
    assert row.seal == SealState.INVALID and row.status == Level.PROBLEM
    assert row.findings == ["Het zegel van versie 2 is niet geldig: gewijzigd"]
    assert row.comparisons[0].outcome == "gelijk"  # accents and punctuation do not differ
