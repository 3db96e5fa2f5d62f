"""The checks an agreement's data must pass before it is rendered (issue 12): dates in an
order that makes sense, an old judgment's decision, a signer for every obligation; each a
Dutch sentence on a DocumentRefused, as SumsDisagree says its sums."""

from __future__ import annotations

from datetime import date

import pytest

from agreements.domain.checks import date_errors, decision_errors, refuse, signatory_errors
from agreements.domain.enums import PartyRole
from agreements.domain.errors import DocumentRefused, ValidationFailed
from agreements.domain.legal import JudgmentAge
from agreements.domain.route import LegalRoute

DOCUMENT = date(2026, 12, 4)
GOOD = {
    "document": DOCUMENT,
    "start": date(2026, 9, 1),
    "end": date(2029, 9, 1),
    "first_review": date(2026, 12, 1),
    "judgment": date(2026, 8, 4),
    "served": date(2026, 8, 18),
    "tenancy_start": date(2019, 5, 1),
}


def _fields(**changes: object) -> list[str]:
    return [e.field for e in date_errors(**{**GOOD, **changes})]  # type: ignore[arg-type]


def test_coherent_dates_pass_and_a_start_before_the_document_is_allowed() -> None:
    assert _fields() == []
    assert _fields(start=date(2026, 8, 4), first_review=date(2026, 11, 4)) == []


def test_each_impossible_order_is_named() -> None:
    assert _fields(judgment=date(2026, 12, 5), served=None, start=date(2026, 12, 6),
                   first_review=date(2027, 3, 6)) == ["judgment.date"]  # fmt: skip
    assert _fields(served=date(2026, 12, 10)) == ["judgment.served_date"]
    assert _fields(start=date(2026, 8, 1)) == ["term.start"]
    assert _fields(tenancy_start=date(2026, 10, 1)) == ["tenancy.start_date"]
    assert _fields(first_review=date(2026, 9, 1)) == ["reviews.first"]
    assert _fields(first_review=date(2029, 10, 1)) == ["reviews.first"]


def test_the_demo_story_of_the_issue_is_refused_in_dutch() -> None:
    """Judgment after the start and the first review: the start is named with both dates."""
    story = {"judgment": date(2026, 12, 1), "start": date(2026, 1, 31), "served": None}
    story |= {"first_review": date(2026, 4, 30)}
    found = date_errors(**{**GOOD, **story})  # type: ignore[arg-type]
    assert [e.field for e in found] == ["term.start"]
    assert found[0].reason.startswith("De overeenkomst begint op 31 januari 2026, vóór het vonnis")
    amended = date_errors(**{**GOOD, **story, "amended": True})  # type: ignore[arg-type]
    assert amended == []  # a later version after a new judgment


def test_an_old_judgment_without_a_decision_is_refused() -> None:
    age = JudgmentAge()
    old = date(2025, 12, 4)
    found = decision_errors(LegalRoute.LEASE_DISSOLVED, old, DOCUMENT, age, decided=False)
    assert [e.field for e in found] == ["judgment.decision"]
    assert "12 maanden oud" in found[0].reason and "geen besluit" in found[0].reason
    assert decision_errors(LegalRoute.LEASE_DISSOLVED, old, DOCUMENT, age, decided=True) == []
    assert decision_errors(LegalRoute.SECOND_CHANCE, old, DOCUMENT, age, decided=False) == []
    young = date(2025, 12, 5)
    assert decision_errors(None, young, DOCUMENT, age, decided=False) == []
    assert decision_errors(None, old, DOCUMENT, JudgmentAge(decision=13), decided=False) == []


def test_a_party_with_obligations_but_no_signature_line_is_refused() -> None:
    roles = [PartyRole.TENANT, PartyRole.CARE_PROVIDER, PartyRole.CARE_PROVIDER]
    found = signatory_errors(roles, ["tenant", "corporation", "coordinator"])
    assert [e.field for e in found] == ["obligations.care_provider"]
    assert "afspraken voor de zorgaanbieder" in found[0].reason
    assert signatory_errors(roles, ["tenant", "care_provider"]) == []


def test_refusals_are_validation_problems_with_every_reason() -> None:
    refuse([])
    with pytest.raises(DocumentRefused) as caught:
        refuse(
            date_errors(**{**GOOD, "start": date(2026, 8, 1), "tenancy_start": date(2027, 1, 1)})
        )
    assert isinstance(caught.value, ValidationFailed)
    assert [e.field for e in caught.value.errors] == ["term.start", "tenancy.start_date"]
    assert caught.value.message_nl == " ".join(e.reason for e in caught.value.errors)
