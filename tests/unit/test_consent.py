"""Consent texts per kind of party, versioned (issue 13): an organisation does not consent
to sharing the tenant's data, a representative signs with or for the tenant."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agreements.domain import consent
from agreements.domain.consent import ConsentKind, consent_text, consents_shown, kind_of
from tests.conftest import make_test_settings


def test_each_kind_of_party_has_its_own_text_in_the_current_version() -> None:
    texts = consent.TEXTS[consent.CURRENT]
    assert set(texts) == set(ConsentKind)
    assert len(set(texts.values())) == 3
    assert "gegevens over mij" in texts[ConsentKind.TENANT]
    assert "gegevens over mij" not in texts[ConsentKind.ORGANISATION]
    assert "namens mijn organisatie" in texts[ConsentKind.ORGANISATION]
    assert "vertegenwoordiger van de huurder" in texts[ConsentKind.REPRESENTATIVE]


def test_roles_map_to_kinds_and_old_versions_keep_their_text() -> None:
    assert kind_of("tenant") is ConsentKind.TENANT
    assert kind_of("representative") is ConsentKind.REPRESENTATIVE
    for role in ("corporation", "coordinator", "municipality", "neighbourhood_team"):
        assert kind_of(role) is ConsentKind.ORGANISATION
    # Signatures made under 2026-1 saw one text whatever their role; it stays readable.
    assert consent_text("2026-1", "municipality") == consent_text("2026-1", "tenant")
    with pytest.raises(KeyError):
        consent_text("1999-1", "tenant")


def test_an_unknown_version_in_the_settings_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValidationError) as caught:
        make_test_settings(consent_version="2099-9")
    assert "2026-2" in str(caught.value)
    assert make_test_settings().consent_version == consent.CURRENT


def test_the_evidence_page_lists_each_text_once_in_order_without_declines() -> None:
    org = consent_text(consent.CURRENT, "corporation")
    tenant = consent_text(consent.CURRENT, "tenant")
    shown = consents_shown(
        [
            {"party_role": "municipality", "consent_version": "2026-2", "consent_text": org},
            {"party_role": "corporation", "consent_version": "2026-2", "consent_text": org},
            {"party_role": "tenant", "consent_version": "2026-2", "consent_text": tenant},
            {"party_role": "representative", "consent_version": "2026-2",
             "consent_text": "x", "declined": True},
        ]
    )  # fmt: skip
    assert [s["who"] for s in shown] == ["De huurder", "Wie tekent namens een organisatie"]
    assert shown[1]["text"] == org and shown[0]["version"] == "2026-2"
