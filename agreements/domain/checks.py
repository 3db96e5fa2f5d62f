"""What an agreement's data must pass before it is printed (issue 12), each refusal one Dutch
sentence naming the dates or the party:

- the judgment is dated on or before the document's date, and so is its service;
- the agreement starts on or after the judgment (it is the answer to that judgment), unless
  it was amended to a new judgment after a decision to obtain one; and on or after the start
  of the tenancy contract it is linked to;
- the first review falls within the agreement's term;
- a judgment held in reserve at or past the decision age has a recorded decision;
- every party with obligations is asked to sign (has a signature line).

A start date or first review before the document's date is allowed: a later version of a
running agreement (after a new judgment, say) is dated after both."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from agreements.domain.enums import PartyRole, SigningRole
from agreements.domain.errors import DocumentRefused, FieldError
from agreements.domain.legal import JudgmentAge, datum
from agreements.domain.route import LegalRoute, decision_due, months_old

# Who signs for the obligations of each party role (the signature lines' roles).
SIGNS_FOR = {
    PartyRole.TENANT: SigningRole.TENANT,
    PartyRole.REPRESENTATIVE: SigningRole.REPRESENTATIVE,
    PartyRole.HOUSING_CORPORATION: SigningRole.CORPORATION,
    PartyRole.COORDINATOR: SigningRole.COORDINATOR,
    PartyRole.MUNICIPALITY: SigningRole.MUNICIPALITY,
    PartyRole.CARE_PROVIDER: SigningRole.CARE_PROVIDER,
    PartyRole.NEIGHBOURHOOD_TEAM: SigningRole.NEIGHBOURHOOD_TEAM,
}


def date_errors(
    *,
    document: date,
    start: date,
    end: date,
    first_review: date,
    judgment: date,
    served: date | None,
    tenancy_start: date,
    amended: bool = False,
) -> list[FieldError]:
    errors = []
    if judgment > document:
        errors.append(
            FieldError(
                "judgment.date",
                f"Het vonnis is gedateerd op {datum(judgment)}, na de datum van dit document "
                f"({datum(document)}). Controleer de datum van het vonnis.",
            )
        )
    if served is not None and served > document:
        errors.append(
            FieldError(
                "judgment.served_date",
                f"Het vonnis is betekend op {datum(served)}, na de datum van dit document "
                f"({datum(document)}). Controleer de datum van betekening.",
            )
        )
    if start < judgment and not amended:
        errors.append(
            FieldError(
                "term.start",
                f"De overeenkomst begint op {datum(start)}, vóór het vonnis van "
                f"{datum(judgment)}. De overeenkomst volgt op het vonnis: kies een latere "
                "begindatum of het juiste vonnis.",
            )
        )
    if start < tenancy_start:
        errors.append(
            FieldError(
                "tenancy.start_date",
                f"De overeenkomst begint op {datum(start)}, vóór de huurovereenkomst "
                f"({datum(tenancy_start)}). Controleer beide datums.",
            )
        )
    if not start < first_review <= end:
        errors.append(
            FieldError(
                "reviews.first",
                f"De eerste evaluatie ({datum(first_review)}) valt niet binnen de looptijd "
                f"({datum(start)} tot {datum(end)}).",
            )
        )
    return errors


def decision_errors(
    route: LegalRoute | None, judgment: date, today: date, age: JudgmentAge, *, decided: bool
) -> list[FieldError]:
    if decided or not decision_due(route, judgment, today, age):
        return []
    return [
        FieldError(
            "judgment.decision",
            f"Het vonnis van {datum(judgment)} is {months_old(judgment, today)} maanden oud en "
            "er is geen besluit over vastgelegd. Uitvoeren is nu in beginsel misbruik van "
            "recht: de jurist of de woningcorporatie legt eerst vast wat er gebeurt "
            "(doorgaan, een nieuw vonnis of een huurovereenkomst).",
        )
    ]


def signatory_errors(obliged: Iterable[PartyRole], signing: Iterable[str]) -> list[FieldError]:
    lines = set(signing)
    return [
        FieldError(
            f"obligations.{role.value}",
            f"Er staan afspraken voor de {role.label} in de overeenkomst, maar niemand tekent "
            f"als {SIGNS_FOR[role].label}. Voeg de partij toe aan de zaak of haal de afspraken "
            "weg.",
        )
        for role in dict.fromkeys(obliged)
        if SIGNS_FOR[role].value not in lines
    ]


def refuse(errors: list[FieldError]) -> None:
    """Raise DocumentRefused with every error found; nothing when there is none."""
    if errors:
        raise DocumentRefused(errors)
