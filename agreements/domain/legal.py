"""The legal rules of a trajectory: how old a judgment may be, and the link-integrity checks
of an agreement (linked, matching, signed, sealed, on time) with their levels and Dutch
findings. Pure: the records come in as values, the verdict goes out on a `Row`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.dates import format_date
from dateutil.relativedelta import relativedelta

from agreements.domain.enums import AgreementStatus, FinishStatus, Labelled, ReminderKind


def datum(day: date) -> str:
    """`4 december 2025`, as the templates' `datum` filter writes it (the domain imports
    nothing of the project's libraries; a unit test keeps the two the same)."""
    return str(format_date(day, format="long", locale="nl_NL"))


# Months after the judgment date to warn, and to alarm: executing a judgment about a year old
# is in principle an abuse of right. The setting `judgment_age_months` may change them.
JUDGMENT_AGE_MONTHS = (9, 11)
# From this age on a judgment in reserve needs a recorded decision (`judgment_decision_months`).
JUDGMENT_DECISION_MONTHS = 12


class Level(Labelled):
    """The verdict on one agreement, from good to bad."""

    OK = "ok", "in orde"
    WARNING = "warning", "waarschuwing"
    PROBLEM = "problem", "probleem"


class JudgmentLevel(Labelled):
    """How the age of the linked judgment stands, from none to too old."""

    NONE = "none", "geen vonnis"
    OK = "ok", "in orde"
    WARNING = "warning", "let op"
    ALARM = "alarm", "alarm"


class SealState(Labelled):
    """What is known of the seal of the agreement's current version."""

    VALID = "valid", "geldig"
    INTACT = "intact", "bestand ongewijzigd (zegel niet gecontroleerd)"
    NOT_SEALED = "not_sealed", "niet verzegeld"
    NO_DOCUMENT = "no_document", "geen document"
    INVALID = "invalid", "ongeldig"


def rank(member: Labelled) -> int:
    """A member's place in its enum: levels compare by it."""
    return list(type(member)).index(member)


@dataclass(frozen=True)
class JudgmentAge:
    """The warn and alarm thresholds and the age that needs a decision, in months, from the
    settings (empty: the defaults)."""

    warn: int = JUDGMENT_AGE_MONTHS[0]
    alarm: int = JUDGMENT_AGE_MONTHS[-1]
    decision: int = JUDGMENT_DECISION_MONTHS

    @classmethod
    def of(cls, months: Sequence[int], decision: int = JUDGMENT_DECISION_MONTHS) -> JudgmentAge:
        ordered = sorted(months)
        warn, alarm = (ordered[0], ordered[-1]) if ordered else JUDGMENT_AGE_MONTHS
        return cls(warn, alarm, decision)


def judgment_age_reminders(months: Sequence[int]) -> list[tuple[int, ReminderKind]]:
    """The reminders a judgment's age gives: at the first threshold, then at the second."""
    kinds = (ReminderKind.JUDGMENT_AGE_9, ReminderKind.JUDGMENT_AGE_11)
    return list(zip(sorted(months), kinds, strict=False))


SAME, DIFFERENT, IMPOSSIBLE = "gelijk", "verschilt", "niet mogelijk"


@dataclass(frozen=True)
class Comparison:
    """One check that two records say the same; outcome: gelijk, verschilt or niet mogelijk."""

    subject: str
    outcome: str
    detail: str = ""


@dataclass(frozen=True)
class Breach:
    review_number: int
    due_date: date
    held_date: date | None


@dataclass
class Row:
    """One agreement as legal staff see it; `findings` say in Dutch what needs attention."""

    case_id: int
    case_reference: str
    tenant_name: str
    agreement_id: int
    agreement_status: str
    contract_linked: bool = False
    contract_number: str | None = None
    contract_address: str | None = None
    judgment_linked: bool = False
    judgment_court: str | None = None
    judgment_case_number: str | None = None
    judgment_date: date | None = None
    judgment_served_date: date | None = None
    judgment_ecli: str | None = None
    judgment_age_days: int | None = None
    judgment_age_months: int | None = None
    judgment_level: str = JudgmentLevel.NONE  # a JudgmentLevel; plain text in the API
    legal_route: str | None = None  # a route.LegalRoute; None: not chosen
    decision: str | None = None  # a route.JudgmentChoice recorded for the judgment
    address_match: bool | None = None
    name_match: bool | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    version_id: int | None = None
    version_number: int | None = None
    signatures_required: int = 0
    signatures_signed: int = 0
    signatures_complete: bool = False
    seal: str = SealState.NO_DOCUMENT  # a SealState
    reviews_overdue: int = 0
    breaches: list[Breach] = field(default_factory=list)
    status: str = Level.OK  # a Level
    findings: list[str] = field(default_factory=list)

    def flag(self, level: Level, text: str) -> None:
        self.findings.append(text)
        if rank(level) > rank(Level(self.status)):
            self.status = level


Address = tuple[str | None, str | None, str | None]  # street, house number, postcode


def normal_text(value: str | None) -> str:
    """Case, accents, punctuation and spacing do not make two names or streets differ."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def normal_address(street: str | None, number: str | None, postcode: str | None) -> str:
    return "|".join(
        [
            normal_text(street),
            re.sub(r"[\s\-./]+", "", (number or "").casefold()),
            re.sub(r"\s+", "", (postcode or "").upper()),
        ]
    )


def address_text(street: str | None, number: str | None, postcode: str | None) -> str:
    return f"{street or ''} {number or ''}, {postcode or ''}".strip(" ,")


def check_links(
    row: Row,
    *,
    draft: bool,
    contract_case_id: int | None,
    judgment_case_id: int | None,
    today: date,
    age: JudgmentAge,
    in_reserve: bool = True,
    decided: bool = False,
) -> None:
    """Is the agreement final, are a tenancy contract and a judgment of this case linked, and
    how old is the judgment? `row` carries what is linked; the ids say whose case it is. The
    age of a judgment not held in reserve does not matter; a decided one is no alarm."""
    if draft:
        row.flag(Level.WARNING, "De overeenkomst is nog een concept.")
    if not row.contract_linked:
        row.flag(Level.PROBLEM, "Er is geen huurovereenkomst gekoppeld.")
    elif contract_case_id != row.case_id:
        row.flag(Level.PROBLEM, "De gekoppelde huurovereenkomst hoort bij een ander traject.")
    if not row.judgment_linked or row.judgment_date is None:
        row.flag(Level.PROBLEM, "Er is geen ontruimingsvonnis gekoppeld.")
        return
    if judgment_case_id != row.case_id:
        row.flag(Level.PROBLEM, "Het gekoppelde vonnis hoort bij een ander traject.")
    check_judgment_age(row, row.judgment_date, today, age, in_reserve=in_reserve, decided=decided)


def check_judgment_age(
    row: Row,
    given: date,
    today: date,
    age: JudgmentAge,
    *,
    in_reserve: bool = True,
    decided: bool = False,
) -> None:
    elapsed = relativedelta(today, given)
    months = elapsed.years * 12 + elapsed.months
    row.judgment_age_days, row.judgment_age_months = (today - given).days, months
    when = f"Het vonnis van {datum(given)} is {months} maanden oud"
    if not in_reserve:
        row.judgment_level = JudgmentLevel.OK
    elif months >= age.alarm:
        row.judgment_level = JudgmentLevel.ALARM
        risk = f"{when}: een jaar na het vonnis is uitvoeren in beginsel misbruik van recht."
        if decided:  # the decision's own finding says what was chosen
            row.flag(Level.WARNING, risk)
        else:
            row.flag(
                Level.PROBLEM,
                f"{risk} Leg vóór {age.decision} maanden vast wat er gebeurt: doorgaan, een "
                "nieuw vonnis of een huurovereenkomst.",
            )
    elif months >= age.warn:
        row.judgment_level = JudgmentLevel.WARNING
        row.flag(Level.WARNING, f"{when}: let op, na ongeveer een jaar is het niet meer bruikbaar.")
    else:
        row.judgment_level = JudgmentLevel.OK


def _compare(row: Row, subject: str, left: Address, right: Address) -> bool:
    same = normal_address(*left) == normal_address(*right)
    detail = "" if same else f"{address_text(*left)} / {address_text(*right)}"
    row.comparisons.append(Comparison(subject, SAME if same else DIFFERENT, detail))
    return same


def _same_text(row: Row, subject: str, said: str, known: str | None) -> bool:
    same = normal_text(said) == normal_text(known)
    detail = "" if same else f"{said} / {known}"
    row.comparisons.append(Comparison(subject, SAME if same else DIFFERENT, detail))
    return same


def compare_addresses(row: Row, case: Address, home: Address, leased: Address | None) -> None:
    """The case's and the tenant's address against the leased one (None: no contract)."""
    subject = "adres traject en huurovereenkomst"
    if leased is None:
        row.comparisons.append(Comparison(subject, IMPOSSIBLE, "geen huurovereenkomst"))
    else:
        if not _compare(row, subject, case, leased):
            row.flag(
                Level.PROBLEM,
                f"Het adres van het traject ({address_text(*case)}) verschilt van het adres in "
                f"de huurovereenkomst ({address_text(*leased)}).",
            )
        if home[0] and not _compare(row, "adres huurder en huurovereenkomst", home, leased):
            row.flag(
                Level.WARNING,
                f"Het adres van de huurder ({address_text(*home)}) verschilt van het adres in de "
                f"huurovereenkomst ({address_text(*leased)}).",
            )
    # The judgment names the tenant only in its free text; there is no field to compare.
    row.comparisons.append(
        Comparison("naam huurder in vonnis", IMPOSSIBLE, "het vonnis heeft geen naamveld")
    )


def check_reviews(row: Row) -> None:
    """Findings for the overdue reviews and the breaches the row carries."""
    if row.reviews_overdue:
        row.flag(
            Level.WARNING,
            f"{row.reviews_overdue} evaluatie(s) te laat: de vervaldatum is voorbij en er "
            "is geen evaluatie vastgelegd.",
        )
    for breach in row.breaches:
        held = datum(breach.held_date) if breach.held_date else "onbekende datum"
        row.flag(
            Level.WARNING,
            f"Afspraken niet nagekomen volgens evaluatie {breach.review_number} van {held}.",
        )


@dataclass(frozen=True)
class Version:
    """The agreement's current document version: what the parties must sign."""

    id: int
    number: int
    finish: FinishStatus
    sealed_sha256: str | None
    required: int  # signature requests that count: pending, signed or declined
    signed: int
    data: Mapping[str, Any]  # the data the document was made from


SealCheck = Callable[[str], tuple[SealState, str]]  # sealed file's hash -> verdict, reason


def check_document(row: Row, current: Version | None, check_seal: SealCheck) -> None:
    """Is the current version sent, signed by all, sealed, and does its seal hold?"""
    live = row.agreement_status != AgreementStatus.DRAFT.value
    active = row.agreement_status == AgreementStatus.ACTIVE.value
    level = Level.PROBLEM if active else Level.WARNING
    if current is None:
        row.flag(level, "Er is nog geen document van de overeenkomst.")
        row.comparisons.append(Comparison("naam huurder in overeenkomst", IMPOSSIBLE))
        return
    number = current.number
    row.version_id, row.version_number = current.id, number
    row.signatures_required, row.signatures_signed = current.required, current.signed
    row.signatures_complete = 0 < row.signatures_required == row.signatures_signed
    compare_document(row, current.data)
    if not row.signatures_required:
        row.seal = SealState.NOT_SEALED
        if live:
            row.flag(Level.PROBLEM, f"Versie {number} is niet ter ondertekening verstuurd.")
    elif not row.signatures_complete:
        row.seal = SealState.NOT_SEALED
        row.flag(
            level,
            f"Versie {number} is nog niet door iedereen ondertekend: "
            f"{row.signatures_signed} van {row.signatures_required} handtekeningen.",
        )
    elif current.finish is not FinishStatus.DONE or current.sealed_sha256 is None:
        row.seal = SealState.NOT_SEALED
        row.flag(
            Level.WARNING,
            f"Versie {number} is ondertekend maar nog niet verzegeld ({current.finish.label}).",
        )
    else:
        row.seal, reason = check_seal(current.sealed_sha256)
        if row.seal == SealState.INVALID:
            row.flag(Level.PROBLEM, f"Het zegel van versie {number} is niet geldig: {reason}")


def compare_document(row: Row, data: Mapping[str, Any]) -> None:
    """What the agreement's text says against what the records say now."""
    named = str((data.get("tenant") or {}).get("name", ""))
    subject = "naam huurder in overeenkomst"
    if not named:  # a template that does not name the tenant: nothing to compare
        row.comparisons.append(Comparison(subject, IMPOSSIBLE, "geen naam in het document"))
    elif not _same_text(row, subject, named, row.tenant_name):
        row.flag(
            Level.PROBLEM,
            f"De naam van de huurder in de overeenkomst ({named}) verschilt van de naam in "
            f"het dossier ({row.tenant_name}).",
        )
    tenancy, judgment = data.get("tenancy") or {}, data.get("judgment") or {}
    if row.contract_linked and tenancy:
        said = str(tenancy.get("contract_number", ""))
        if not _same_text(row, "huurovereenkomst in overeenkomst", said, row.contract_number):
            row.flag(
                Level.PROBLEM,
                f"De overeenkomst noemt huurovereenkomst {said}, maar gekoppeld is "
                f"{row.contract_number}.",
            )
        said = f"{tenancy.get('address', '')}, {tenancy.get('postal_code', '')}"
        if not _same_text(row, "adres in overeenkomst", said, row.contract_address):
            row.flag(
                Level.PROBLEM,
                f"De overeenkomst noemt het adres {said}, maar de huurovereenkomst "
                f"{row.contract_address}.",
            )
    if row.judgment_linked and judgment:
        said = str(judgment.get("case_number", ""))
        if not _same_text(row, "vonnis in overeenkomst", said, row.judgment_case_number):
            row.flag(
                Level.PROBLEM,
                f"De overeenkomst noemt het vonnis met zaaknummer {said}, maar gekoppeld is "
                f"{row.judgment_case_number}.",
            )


def summarise(row: Row) -> None:
    """Match flags: None when no comparison of that kind was possible."""
    for attribute, prefix in (("address_match", "adres"), ("name_match", "naam")):
        done = [c for c in row.comparisons if c.subject.startswith(prefix)]
        done = [c for c in done if c.outcome != IMPOSSIBLE]
        setattr(row, attribute, all(c.outcome == SAME for c in done) if done else None)
