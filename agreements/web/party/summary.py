"""The summary on the party's signing page, built from the exact data the document was
rendered from: what the party promises, and what the document says happens on a breach."""

from __future__ import annotations

from datetime import date
from typing import Any

from agreements.domain import consent
from agreements.domain.legal import datum
from agreements.services.signatures.parties import obligations_of
from agreements.services.signatures.sign import LinkView


def _part(data: dict[str, Any], key: str) -> dict[str, Any]:
    part = data.get(key)
    return part if isinstance(part, dict) else {}


def promises(view: LinkView, organisation: str | None = None) -> tuple[str, list[str]]:
    """The party's own obligations from the exact data the document was rendered from, with
    who signs for whom: an organisation's signer for `organisation` (the request's name is
    its contact person, no party), a representative for the tenant."""
    data, role = view.version.data, view.request.party_role

    def obligations(key: str) -> list[str]:  # a buurtteam's are in other_parties
        return obligations_of(data, key)

    if role == "representative":
        tenant = data.get("tenant", {}).get("name") or "de huurder"
        return (
            f"U tekent als {view.request.capacity or 'vertegenwoordiger'} voor {tenant}. "
            "U helpt de huurder zich aan deze afspraken te houden:",
            obligations("tenant"),
        )
    if consent.kind_of(role) is consent.ConsentKind.TENANT:
        return "U belooft dit:", obligations(role)
    party = organisation or view.request.party_name
    return f"U tekent namens {party}. Uw organisatie belooft dit:", obligations(role)


def _judgment(judgment: dict[str, Any]) -> str:
    """The judgment as the document names it (templates/defaults/texts/common.py, JUDGMENT)."""
    try:
        when = datum(date.fromisoformat(str(judgment["date"])))
    except (KeyError, ValueError):
        when = ""
    text = f"het vonnis van de {judgment.get('court', 'rechter')}"
    text += f" van {when}" if when else ""
    if judgment.get("case_number"):
        text += f", zaaknummer {judgment['case_number']}"
    if judgment.get("ecli"):
        text += f", {judgment['ecli']}"
    return text


def breach(data: dict[str, Any], role: str) -> list[str]:
    """Clause 8 of the agreement ("Wat gebeurt er als u zich niet aan de afspraken houdt?")
    in plain Dutch, from the document's own data and its legal route (a second-chance
    tenancy is ended rather than the judgment executed); empty for a document without that
    clause (one without an eviction judgment, a corporation and a coordinator)."""
    judgment, corporation = _part(data, "judgment"), _part(data, "corporation").get("name")
    coordinator = _part(data, "coordinator").get("name")
    if not (judgment and corporation and coordinator and "tenant" in data):
        return []
    tenant = consent.kind_of(role) is consent.ConsentKind.TENANT
    who, has = ("u", "u zich") if tenant else ("de huurder", "de huurder zich")
    with_who, together = ("met u", "kijkt u") if tenant else ("met de huurder", "kijken zij")
    if data.get("legal_route") == "second_chance":
        then = f"Dan kan {corporation} de tweedekanshuurovereenkomst laten eindigen."
    else:
        then = f"Dan mag {corporation} het vonnis laten uitvoeren."
    return [
        f"Houdt {has} niet aan een afspraak? Dan praat {coordinator} eerst {with_who}. "
        f"Samen {together} hoe het beter kan. Dit wordt opgeschreven.",
        f"Houdt {has} daarna nog steeds niet aan de afspraken, ook na een gesprek en een "
        f"brief met een waarschuwing? {then} Dan moet {who} de woning uit. Dat heet ontruiming.",
        f"Het gaat om {_judgment(judgment)}.",
        f"Zolang {has} aan de afspraken houdt, laat {corporation} het vonnis niet uitvoeren.",
    ]
