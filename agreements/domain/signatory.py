"""Who signs for an organisation: a natural person, their function and their authority.

An organisation signs through a natural person with authority (LEGAL.md section 2). The
evidence names that person, their function (*functie*) and the basis of their authority:
one of the bases a lawyer checks first, with the detail that shows it (the Chamber of
Commerce registration, who gave the power of attorney and when, the mandate decision).
The evidence keeps the basis as its Dutch words with the detail, so it reads without us.
"""

from __future__ import annotations

from dataclasses import dataclass

from agreements.domain import text
from agreements.domain.enums import Labelled

FUNCTION_MAX = 100
MANDATE_DETAIL_MAX = 200


class MandateBasis(Labelled):
    """On what authority someone signs for an organisation."""

    DIRECTOR = "director", "statutair bestuurder"
    PROCURATION = "procuration", "procuratiehouder (ingeschreven in het Handelsregister)"
    POWER_OF_ATTORNEY = "power_of_attorney", "volmacht"
    PUBLIC_MANDATE = "public_mandate", "mandaat (mandaatbesluit van een overheid)"


# What the detail should say for each basis: the hint under the field.
DETAIL_HINT = (
    "Bijvoorbeeld: KvK-nummer 12345678, volmacht van de "
    "directie van 1 september 2026, of Mandaatbesluit gemeente Utrecht 2026."
)


@dataclass(frozen=True)
class Signatory:
    """The person signing for an organisation, as entered or confirmed when signing."""

    function: str
    basis: MandateBasis
    detail: str

    @property
    def mandate(self) -> str:
        """The mandate as the evidence keeps it: the basis in Dutch words and its detail."""
        return f"{self.basis.label}: {self.detail}"


@dataclass(frozen=True)
class Problem:
    field: str
    english: str
    dutch: str


def check(function: str, basis: str, detail: str) -> tuple[Signatory | None, list[Problem]]:
    """The signatory from what was typed, or every problem with it (field, English, Dutch)."""
    problems: list[Problem] = []
    function, detail = function.strip(), detail.strip()
    for field, value, limit, what in (
        ("function", function, FUNCTION_MAX, "uw functie"),
        ("mandate_detail", detail, MANDATE_DETAIL_MAX, "waaruit uw bevoegdheid blijkt"),
    ):
        if not value:
            problems.append(Problem(field, "required", f"Vul {what} in."))
        elif len(value) > limit:
            problems.append(
                Problem(
                    field,
                    f"at most {limit} characters",
                    f"Dit is te lang: hoogstens {limit} tekens.",
                )
            )
        elif refusal := text.find_refusal(value, multiline=False):
            problems.append(Problem(field, refusal.english(), refusal.dutch()))
    try:
        chosen: MandateBasis | None = MandateBasis(basis)
    except ValueError:
        chosen = None
        problems.append(
            Problem(
                "mandate_basis",
                f"one of {', '.join(m.value for m in MandateBasis)}",
                "Kies waarop uw bevoegdheid om te tekenen berust.",
            )
        )
    if problems or chosen is None:
        return None, problems
    return Signatory(function, chosen, detail), []
