"""The verify page's words (issue 13): a certificate's holder and the signers' roles in Dutch."""

from __future__ import annotations

from agreements.domain.enums import SigningRole
from agreements.services.signatures.verification import subject_nl


def test_a_certificate_holder_reads_in_dutch() -> None:
    subject = "Common Name: Het Vierde Huis, Organization: Het Vierde Huis, Country: NL"
    assert subject_nl(subject) == "Naam: Het Vierde Huis, Organisatie: Het Vierde Huis, Land: NL"
    # A value that happens to contain a label is left alone; nothing is no holder.
    assert subject_nl("Common Name: Country: X") == "Naam: Country: X"
    assert subject_nl(None) == ""


def test_every_signing_role_has_a_dutch_label() -> None:
    labels = {role.value: SigningRole.label_of(role.value) for role in SigningRole}
    assert labels["corporation"] == "woningcorporatie"
    assert labels["coordinator"] == "coördinator"
    assert all(label != value for value, label in labels.items())
