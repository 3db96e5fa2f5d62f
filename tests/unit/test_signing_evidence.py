"""Signature evidence: validation, canonical JSON, hashes and the per-document bundle."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from signing.evidence import (
    EVIDENCE_FORMAT,
    DocumentIdentity,
    Identification,
    RepresentativeCapacity,
    SignatureEvidence,
    evidence_bundle,
)

DOC = hashlib.sha256(b"agreement v1").hexdigest()
PNG = hashlib.sha256(b"drawn").hexdigest()
CET = timezone(timedelta(hours=1))
SIGNED_AT = datetime(2025, 3, 14, 10, 30, 5, tzinfo=CET)


def evidence(**changes: Any) -> SignatureEvidence:
    base = SignatureEvidence(
        party_role="tenant",
        party_name="Ünal de Vries",
        identified_by=Identification.LINK,
        document_sha256=DOC,
        signed_at=SIGNED_AT,
        consent_text="Ik ga akkoord met deze overeenkomst.",
        consent_version="2025-01",
        typed_name="Ünal de Vries",
        ip="192.0.2.7",
        user_agent="Mozilla/5.0 (Android)",
        drawn_signature_sha256=PNG,
    )
    return replace(base, **changes)


def test_canonical_json_is_stable_sorted_and_utc() -> None:
    first = evidence().canonical_json()
    assert first == evidence().canonical_json()
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert data["signed_at"] == "2025-03-14T09:30:05.000000Z"
    assert data["identified_by"] == "link"
    compact = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first == compact.encode("utf-8")
    assert "Ünal".encode() in first


def test_same_instant_in_another_zone_gives_the_same_hash() -> None:
    assert evidence().sha256() == evidence(signed_at=SIGNED_AT.astimezone(UTC)).sha256()


CHANGES: dict[str, Any] = {
    "party_role": "corporation",
    "party_name": "Portaal",
    "identified_by": Identification.STAFF_SESSION,
    "document_sha256": hashlib.sha256(b"v2").hexdigest(),
    "signed_at": SIGNED_AT + timedelta(microseconds=1),
    "consent_text": "Anders.",
    "consent_version": "2025-02",
    "typed_name": "U. de Vries",
    "ip": "192.0.2.8",
    "user_agent": "curl",
    "representative_capacity": RepresentativeCapacity.ADMINISTRATOR,
    "drawn_signature_sha256": None,
    "witness_name": "Coördinator",
    "declined": True,
    "organisation": "Portaal",
    "signatory_function": "Teamleider Wonen",
    "signatory_mandate": "volmacht: volmacht van de directie",
    "signed_in_as": "M. Jansen (m.jansen@portaal.example)",
}
PERSON = {"signatory_function": "Teamleider Wonen", "signatory_mandate": "volmacht: directie"}


def test_every_field_is_covered_by_the_change_table() -> None:
    names = {f.name for f in fields(SignatureEvidence)}
    assert names - set(CHANGES) == {"decline_reason"}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_hash_changes_with_any_field(name: str) -> None:
    extra = {"decline_reason": "Ik ben het niet eens."} if name == "declined" else {}
    if name == "organisation":
        extra = PERSON
    assert evidence(**{name: CHANGES[name]}, **extra).sha256() != evidence().sha256()


def test_round_trip_through_dict() -> None:
    original = evidence(representative_capacity=RepresentativeCapacity.MENTOR)
    restored = SignatureEvidence.from_dict(json.loads(original.canonical_json()))
    assert restored.sha256() == original.sha256()
    assert restored.representative_capacity is RepresentativeCapacity.MENTOR


def test_unknown_fields_are_refused_on_read() -> None:
    data = json.loads(evidence().canonical_json())
    data["surprise"] = 1
    with pytest.raises(ValueError, match="surprise"):
        SignatureEvidence.from_dict(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"document_sha256": "ABC"},
        {"drawn_signature_sha256": "xyz"},
        {"signed_at": SIGNED_AT.replace(tzinfo=None)},
        {"party_name": " "},
        {"consent_version": ""},
        {"identified_by": Identification.IN_PERSON},
        {"declined": True},
        {"decline_reason": "niet geweigerd"},
        {"typed_name": ""},
    ],
)
def test_incoherent_evidence_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        evidence(**changes)


def test_in_person_with_witness_and_declined_with_reason_are_accepted() -> None:
    evidence(identified_by=Identification.IN_PERSON, witness_name="J. Jansen")
    evidence(declined=True, decline_reason="Ik wil eerst advies.", typed_name="")


def test_bundle_is_canonical_ordered_and_hashes_each_record() -> None:
    doc = DocumentIdentity("agr-1", "3", DOC, "Woonbegeleidingsovereenkomst")
    later = evidence(party_role="corporation", signed_at=SIGNED_AT + timedelta(minutes=5))
    made = datetime(2025, 3, 15, tzinfo=UTC)
    bundle = evidence_bundle(doc, [later, evidence()], generated_at=made)
    assert bundle == evidence_bundle(doc, [evidence(), later], generated_at=made)
    data = json.loads(bundle)
    assert data["format"] == EVIDENCE_FORMAT
    assert data["document"]["sha256"] == DOC
    assert [s["party_role"] for s in data["signatures"]] == ["tenant", "corporation"]
    assert data["signatures"][0]["evidence_sha256"] == evidence().sha256()


def test_bundle_refuses_evidence_about_another_version() -> None:
    doc = DocumentIdentity("agr-1", "3", DOC)
    stranger = evidence(document_sha256=hashlib.sha256(b"v0").hexdigest())
    with pytest.raises(ValueError, match="another document version"):
        evidence_bundle(doc, [evidence(), stranger], generated_at=datetime.now(UTC))


# The hash of `evidence()` as the code wrote it before the organisation's signer was named
# (issue 13): records without the new fields must keep their hash for ever.
OLD_HASH = "af1c92c49219e410900a125dfaaed3fd2d2eba6d53a231cd0b4495a58da851e7"


def test_evidence_without_the_later_fields_keeps_its_old_hash_and_json() -> None:
    record = evidence()
    assert record.sha256() == OLD_HASH
    data = json.loads(record.canonical_json())
    for name in ("organisation", "signatory_function", "signatory_mandate", "signed_in_as"):
        assert name not in data
    assert SignatureEvidence.from_dict(data).sha256() == OLD_HASH


def test_an_organisation_signer_names_function_and_mandate() -> None:
    signed = evidence(party_role="corporation", organisation="Portaal", **PERSON)
    data = json.loads(signed.canonical_json())
    assert data["organisation"] == "Portaal"
    assert data["signatory_function"] == "Teamleider Wonen"
    assert SignatureEvidence.from_dict(data).sha256() == signed.sha256()
    for missing in ("signatory_function", "signatory_mandate"):
        with pytest.raises(ValueError, match="organisation"):
            evidence(organisation="Portaal", **{**PERSON, missing: None})
    with pytest.raises(ValueError, match="signatory_function"):
        evidence(organisation="Portaal", **{**PERSON, "signatory_function": "a\u202eb"})
    # A refusal by an organisation names no person's authority.
    evidence(organisation="Portaal", declined=True, decline_reason="Nee.", typed_name="")
