"""Forms on the staff pages: what was typed, validated by the API's models, errors in Dutch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from agreements.domain.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)
Typed = dict[str, str]
Errors = dict[str, str]

# The service's reasons are English for the API; staff read them in Dutch.
_REASONS = {
    "must be after the start date": "Deze datum moet na de begindatum liggen.",
    "a trajectory lasts at most five years": "Een traject duurt hoogstens vijf jaar.",
    "the term is at least 2 years": "Een overeenkomst loopt minstens twee jaar.",
    "the term is at most 4 years": "Een overeenkomst loopt hoogstens vier jaar.",
    "cannot be before the judgment date": "De betekening kan niet vóór de datum van het vonnis "
    "liggen.",
    "must be more than zero": "Dit bedrag moet meer dan nul zijn.",
    "cannot be more than the arrears": "Het termijnbedrag kan niet hoger zijn dan de achterstand.",
    "no such organisation": "Kies een organisatie uit de lijst.",
    "no such person": "Kies een persoon uit de lijst.",
    "cannot be in the future": "Deze datum ligt in de toekomst.",
    "must fall within the agreement's term": "Deze datum valt buiten de looptijd van de "
    "overeenkomst. Een evaluatie hoort bij de looptijd.",
    "a held review needs both its date and outcome": "Vul de datum van het gesprek én de "
    "uitkomst in.",
    "no tenancy contract of this case": "Kies een huurovereenkomst van deze zaak.",
    "no eviction judgment of this case": "Kies een vonnis van deze zaak.",
    "not an active coordinator": "Kies een actieve coördinator.",
    "listed twice": "Deze staat er twee keer in.",
    "not an obligation of this agreement": "Deze afspraak hoort niet bij de overeenkomst.",
}
_VALUE_ERRORS = {
    "postcode": "Vul een Nederlandse postcode in, zoals 3551 CA.",
    "iban": "Vul een geldig IBAN in, zoals NL91 ABNA 0417 1643 00.",
    "ecli": "Vul een geldig ECLI in, zoals ECLI:NL:RBMNE:2025:6123, of laat het leeg.",
    "bsn": "Vul een geldig BSN in (negen cijfers).",
    "email": "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
    "phone": "Vul een geldig telefoonnummer in, zoals 030 123 45 67.",
}
# What a template needs but the case file lacks, said as what to fill in first.
_MISSING = {
    "tenant.date_of_birth": "de geboortedatum van de huurder",
    "tenant.email": "het e-mailadres van de huurder",
}
# The organisations that sign every agreement, missing from a case (services/cases/readiness).
_PARTIES = {
    "parties.corporation": "de woningcorporatie",
    "parties.coordinator": "Het Vierde Huis als coördinator",
    "parties.municipality": "de gemeente",
}
_MONEY = {"arrears", "instalment", "monthly_rent"}


def typed(form: Mapping[str, Any], names: Iterable[str]) -> Typed:
    """Exactly what was typed in the named fields, kept to show it again."""
    return {name: str(form.get(name, ""))[:20_000] for name in names}


def nested(values: Mapping[str, str]) -> dict[str, Any]:
    """`address.street` -> {"address": {"street": ...}}; empty fields are left out."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        value = value.strip()
        if not value:
            continue
        *parents, last = name.split(".")
        if last in _MONEY:
            value = money_text(value)
        target = out
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return out


def money_text(value: str) -> str:
    """Accept `€ 1.234,56` as well as `1234.56`: Dutch staff type a decimal comma."""
    value = value.replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    return value


def validate(model: type[M], data: Mapping[str, Any]) -> tuple[M | None, Errors]:
    """The model the API uses, or the Dutch errors per field."""
    try:
        # A form sends only text ("12"), which the API's strict numbers would refuse.
        return model.model_validate(data, strict=False), {}
    except ValidationError as exc:
        return None, pydantic_errors(exc.errors())


def pydantic_errors(details: Iterable[ErrorDetails]) -> Errors:
    errors: Errors = {}
    for detail in details:
        name = ".".join(str(p) for p in detail["loc"])
        errors.setdefault(name, _pydantic_nl(detail, name))
    return errors


def _pydantic_nl(detail: ErrorDetails, name: str) -> str:
    kind, ctx = detail["type"], detail.get("ctx") or {}
    last = name.rsplit(".", 1)[-1]
    message = str(detail.get("msg", ""))
    if kind == "unsafe_text":  # the text policy says itself what is wrong, in Dutch
        return str(ctx.get("dutch", ""))
    if kind in {"missing", "string_too_short"}:
        return "Vul dit in."
    if kind == "too_short":
        return "Schrijf minstens één afspraak op." if "obligation" in name else "Vul dit in."
    if kind == "string_too_long":
        return f"Dit is te lang: hoogstens {ctx.get('max_length')} tekens."
    if kind == "too_long":
        return f"Dit zijn er te veel: hoogstens {ctx.get('max_length')}."
    if kind.startswith("date") or kind.startswith("datetime"):
        return "Vul een datum in (dag, maand en jaar)."
    if kind.startswith("decimal") or last in _MONEY:
        if "two decimals" in message:
            return "Gebruik hoogstens twee cijfers na de komma."
        if "negative" in message:
            return "Een bedrag kan niet negatief zijn."
        return "Vul een bedrag in, zoals 120,00."
    if kind.startswith("int"):
        return "Vul een heel getal in."
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return (
            "Dit getal is te groot of te klein."
            if last != "number_of_terms"
            else ("Vul een aantal termijnen in van 1 tot en met 260.")
        )
    if kind == "enum" or kind == "literal_error":
        return "Kies een van de mogelijkheden."
    if kind == "string_pattern_mismatch" or kind == "value_error":
        for key, text in _VALUE_ERRORS.items():
            if key in last:
                return text
        if "between 1900" in message:
            return "Deze datum klopt niet: kies een jaar tussen 1900 en 2199."
    return "Dit klopt niet. Controleer wat u invulde."


def missing_nl(field: str) -> str:
    if field in _PARTIES:
        return f"Voeg eerst toe als partij van de zaak: {_PARTIES[field]}."
    return "Vul eerst in: " + _MISSING.get(field, f"het gegeven '{field}'") + "."


def missing_parties_nl(fields: Iterable[str]) -> str:
    """One sentence naming every signing organisation the case lacks, or ''."""
    names = [_PARTIES[f] for f in fields if f in _PARTIES]
    if not names:
        return ""
    if len(names) == 1:
        return (
            f"Deze zaak mist nog een partij die de overeenkomst tekent: {names[0]}. "
            "Voeg die eerst toe aan de zaak."
        )
    listed = ", ".join(names[:-1]) + " en " + names[-1]
    return (
        f"Deze zaak mist nog partijen die de overeenkomst tekenen: {listed}. "
        "Voeg die eerst toe aan de zaak."
    )


def gap_links(case_id: int, fields: Iterable[str]) -> list[tuple[str, str]]:
    """The draft page's checklist: what to fill in first, and where (the case's parties,
    where the tenant's data and the organisations are shown)."""
    return [(missing_nl(f), f"/zaken/{case_id}#partijen-kop") for f in fields]


def service_errors(exc: ValidationFailed, known: Iterable[str]) -> Errors:
    """The use case's own checks, mapped to the form's fields (or the form as a whole)."""
    names = set(known)
    errors: Errors = {}
    said = getattr(exc, "message_nl", None)  # SumsDisagree, DocumentRefused: Dutch already
    for error in exc.errors:
        reason = error.reason if said else _REASONS.get(error.reason)
        if reason is None and error.reason.startswith("must be a "):
            reason = f"Kies een {error.reason.removeprefix('must be a ')}."
        errors.setdefault(
            _field_for(error.field, names), reason or "Dit klopt niet. Controleer wat u invulde."
        )
    return errors


def _field_for(field: str, names: set[str]) -> str:
    parts = field.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in names:
            return candidate
    return "formulier"


def remap(errors: Errors, key: str, rows: list[int]) -> Errors:
    """Errors of list items point back at the form rows they came from (empty rows skipped)."""
    out: Errors = {}
    for name, text in errors.items():
        parts = name.split(".")
        if len(parts) > 1 and parts[0] == key and parts[1].isdigit() and int(parts[1]) < len(rows):
            parts[1] = str(rows[int(parts[1])])
        out[".".join(parts)] = text
    return out


class Field:
    """One input of a form: its name (dotted as in the API's model), label and kind."""

    def __init__(
        self,
        name: str,
        label: str,
        kind: str = "text",
        *,
        hint: str = "",
        required: bool = True,
        options: Mapping[str, str] | None = None,
        autocomplete: str = "off",
    ) -> None:
        self.name, self.label, self.kind, self.hint = name, label, kind, hint
        self.required, self.options, self.autocomplete = required, options or {}, autocomplete

    @property
    def id(self) -> str:
        return "veld-" + self.name.replace(".", "-").replace("_", "-")
