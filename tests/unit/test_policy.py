"""The role matrix and agreement rules, without I/O."""

from datetime import date

import pytest

from agreements.domain.enums import AgreementStatus as S
from agreements.domain.enums import Role
from agreements.domain.errors import Conflict, Forbidden, ValidationFailed
from agreements.domain.policy import MATRIX, Action, Actor, Resource, allowed, authorize
from agreements.domain.rules import check_term, check_transition


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
