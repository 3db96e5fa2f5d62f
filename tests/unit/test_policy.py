"""The role matrix and agreement rules, without I/O."""

import re
from datetime import date
from pathlib import Path

import pytest

from agreements.domain.enums import AgreementStatus as S
from agreements.domain.enums import Role
from agreements.domain.errors import Conflict, Forbidden, ValidationFailed
from agreements.domain.policy import MATRIX, Action, Actor, Resource, allowed, authorize
from agreements.domain.rules import check_term, check_transition, follow


def test_matrix_is_complete():
    for role in Role:
        assert set(MATRIX[role]) == set(Resource), role


@pytest.mark.parametrize("role", list(Role))
def test_only_coordinators_touch_care_notes(role):
    assert allowed(role, Action.READ, Resource.CARE_NOTES) is (role is Role.COORDINATOR)


@pytest.mark.parametrize("role", [Role.PARTNER, Role.LEGAL])
def test_partners_and_legal_only_read(role):
    for resource in Resource:
        assert not allowed(role, Action.WRITE, resource)


def test_authorize_raises_forbidden():
    with pytest.raises(Forbidden):
        authorize(Actor(user_id=1, role=Role.LEGAL), Action.READ, Resource.CARE_NOTES)


def test_term_between_two_and_four_years():
    check_term(date(2026, 1, 31), date(2028, 1, 31))
    check_term(date(2026, 1, 31), date(2030, 1, 31))
    for end in (date(2027, 12, 31), date(2030, 2, 1), date(2026, 1, 1)):
        with pytest.raises(ValidationFailed) as info:
            check_term(date(2026, 1, 31), end)
        assert info.value.errors[0].field == "end_date"


def test_status_transitions():
    check_transition(S.DRAFT, S.OUT_FOR_SIGNATURE)
    check_transition(S.OUT_FOR_SIGNATURE, S.ACTIVE)
    check_transition(S.ACTIVE, S.COMPLETED)
    for current, new in [(S.DRAFT, S.ACTIVE), (S.COMPLETED, S.ACTIVE), (S.TERMINATED, S.DRAFT)]:
        with pytest.raises(Conflict):
            check_transition(current, new)


def test_events_move_the_status_only_where_the_transitions_allow():
    # Sending for signature and sealing: a draft goes out, one out for signature becomes
    # active; an agreement already further (or ended) keeps its status.
    assert {s: follow(s, S.OUT_FOR_SIGNATURE) for s in S} == {
        S.DRAFT: S.OUT_FOR_SIGNATURE,
        S.OUT_FOR_SIGNATURE: S.OUT_FOR_SIGNATURE,
        S.ACTIVE: S.ACTIVE,
        S.COMPLETED: S.COMPLETED,
        S.TERMINATED: S.TERMINATED,
    }
    assert {s: follow(s, S.ACTIVE) for s in S} == {
        S.DRAFT: S.DRAFT,
        S.OUT_FOR_SIGNATURE: S.ACTIVE,
        S.ACTIVE: S.ACTIVE,
        S.COMPLETED: S.COMPLETED,
        S.TERMINATED: S.TERMINATED,
    }


def test_every_agreement_status_change_goes_through_the_rules():
    """`agreement.status = X` only as `rules.follow(...)` or right after check_transition."""
    root = Path(__file__).resolve().parents[2] / "agreements"
    past_the_rules = []
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            match = re.search(r"\bagreements?\w*\.status\s*=(?!=)\s*(.*)", line)
            if match is None:
                continue
            checked = number > 0 and "check_transition(" in lines[number - 1]
            if not (match.group(1).startswith("rules.follow(") or checked):
                past_the_rules.append(f"{path.relative_to(root)}:{number + 1}: {line.strip()}")
    assert past_the_rules == []
