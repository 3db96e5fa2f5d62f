"""What a party agrees to when it signs: one text per kind of party, versioned.

A tenant consents for herself; a representative signs with or for the tenant; someone
signing for an organisation binds the organisation and confirms the mandate to do so. An
organisation does not consent to sharing the tenant's data: that consent is the tenant's.
The signing page shows the text for the party's kind, and its evidence keeps the text and
the version word for word. A text is never changed in place: a change is a new version,
and the old ones stay here so that every signature's version still names its text.
"""

from __future__ import annotations

from enum import StrEnum


class ConsentKind(StrEnum):
    TENANT = "tenant"
    REPRESENTATIVE = "representative"
    ORGANISATION = "organisation"


_ONE_TEXT_FOR_ALL = (
    "Ik heb dit document gelezen. Ik ga akkoord met de afspraken die erin staan. Ik weet dat "
    "de partijen gegevens over mij met elkaar delen om mij te helpen, zoals in het document "
    "staat."
)

TEXTS: dict[str, dict[ConsentKind, str]] = {
    # Until December 2026 every party was shown the tenant's text.
    "2026-1": dict.fromkeys(ConsentKind, _ONE_TEXT_FOR_ALL),
    "2026-2": {
        ConsentKind.TENANT: _ONE_TEXT_FOR_ALL,
        ConsentKind.REPRESENTATIVE: (
            "Ik heb dit document gelezen. Ik teken als vertegenwoordiger van de huurder, met "
            "of voor de huurder. Ik ga akkoord met de afspraken die erin staan en help de "
            "huurder zich eraan te houden. Ik weet dat de partijen gegevens over de huurder "
            "met elkaar delen om de huurder te helpen, zoals in het document staat."
        ),
        ConsentKind.ORGANISATION: (
            "Ik heb dit document gelezen. Ik teken namens mijn organisatie en ik mag dat doen. "
            "Mijn organisatie houdt zich aan de afspraken voor haar in dit document. Wij "
            "gebruiken de gegevens van de huurder alleen zoals in het document staat."
        ),
    },
}
CURRENT = "2026-2"


def kind_of(party_role: str) -> ConsentKind:
    """The tenant and her representative by their roles; every other party is an organisation."""
    if party_role == "tenant":
        return ConsentKind.TENANT
    if party_role == "representative":
        return ConsentKind.REPRESENTATIVE
    return ConsentKind.ORGANISATION


def consent_text(version: str, party_role: str) -> str:
    """The text a party of this role is shown under this version (KeyError: no such version)."""
    return TEXTS[version][kind_of(party_role)]


_WHO = {
    ConsentKind.TENANT: "De huurder",
    ConsentKind.REPRESENTATIVE: "De vertegenwoordiger van de huurder",
    ConsentKind.ORGANISATION: "Wie tekent namens een organisatie",
}


def consents_shown(evidence: list[dict[str, object]]) -> list[dict[str, str]]:
    """For the evidence page: each text the signers of one document confirmed, once, with
    its version and who saw it, in the order tenant, representative, organisation. Taken
    from the signatures' own evidence, which keeps the text word for word."""
    seen: dict[tuple[ConsentKind, str, str], None] = {}
    for item in evidence:
        if item.get("declined"):
            continue
        kind = kind_of(str(item.get("party_role", "")))
        seen[(kind, str(item.get("consent_version", "")), str(item.get("consent_text", "")))] = None
    order = list(ConsentKind)
    return [
        {"who": _WHO[kind], "version": version, "text": text}
        for kind, version, text in sorted(seen, key=lambda k: (order.index(k[0]), k[1]))
    ]
