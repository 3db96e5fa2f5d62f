"""The legal route of a case (LEGAL.md section 1) and the decision a judgment needs before it
is a year old: what each route means for the judgment, and the findings when route, judgment,
term and decision contradict each other. Pure: values in, findings on a `Row` out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from agreements.domain.enums import Labelled, Role
from agreements.domain.legal import JudgmentAge, Level, Row, datum

# A second-chance tenancy (Wet vaste huurcontracten, since 1 July 2024) lasts at most two years.
SECOND_CHANCE_MAX_MONTHS = 24


class LegalRoute(Labelled):
    """How the occupant lives in the home while the agreement runs; chosen when drafting."""

    LEASE_CONTINUES = "lease_continues", "huurovereenkomst loopt door"
    LEASE_DISSOLVED = (
        "lease_dissolved",
        "huurovereenkomst ontbonden; bewoning onder deze overeenkomst, vonnis achter de hand",
    )
    SECOND_CHANCE = (
        "second_chance",
        "tweedekansovereenkomst (huurovereenkomst van ten hoogste twee jaar)",
    )


class JudgmentChoice(Labelled):
    """What legal staff or the corporation decided before the judgment is a year old."""

    CONTINUE = "continue", "doorgaan met dit vonnis en het risico aanvaarden"
    NEW_JUDGMENT = "new_judgment", "een nieuw vonnis vragen"
    CONVERT_TO_LEASE = "convert_to_lease", "omzetten naar een (tweedekans)huurovereenkomst"


@dataclass(frozen=True)
class Decision:
    """A recorded decision on one judgment: what, on which day, by whom and why."""

    choice: JudgmentChoice
    decided_on: date
    by: str  # the person's name, as the report shows it
    reason: str


# "ontbindt", "ontbinding", "ontbonden": the operative part dissolves the lease. A dictum that
# refuses a dissolution ("wijst de ontbinding af") is rare in these files and reads as one too:
# legal staff see the finding and the dictum side by side.
_DISSOLVES = re.compile(r"\bontb(?:ind|ond)\w*", re.IGNORECASE)


def dissolves(operative_decision: str) -> bool:
    """Does the judgment's operative part (dictum) dissolve the lease?"""
    return bool(_DISSOLVES.search(operative_decision or ""))


def judgment_in_reserve(route: LegalRoute | None) -> bool:
    """Is the judgment kept in reserve, so that its age matters? Not under a second-chance
    tenancy: the new lease replaces the old one, and executing the old judgment against it
    is not the way out (the lease ends at its term instead). Without a route: assume so."""
    return route is not LegalRoute.SECOND_CHANCE


def may_decide(role: Role, *, corporation_of_case: bool) -> bool:
    """Who decides on an old judgment: legal staff, or the case's housing corporation."""
    return role is Role.LEGAL or (role is Role.PARTNER and corporation_of_case)


def months_old(given: date, today: date) -> int:
    elapsed = relativedelta(today, given)
    return elapsed.years * 12 + elapsed.months


def check_route(
    row: Row, route: LegalRoute | None, *, dissolving: bool, start: date, end: date
) -> None:
    """Findings when the route is missing or contradicts the judgment or the term."""
    if route is None:
        row.flag(Level.WARNING, "Er is geen juridische route gekozen voor deze overeenkomst.")
        return
    if route is LegalRoute.LEASE_CONTINUES and dissolving:
        row.flag(
            Level.PROBLEM,
            "Het vonnis ontbindt de huurovereenkomst, maar de gekozen route is "
            f"'{route.label}'. Na ontbinding leeft de huurovereenkomst niet weer op: kies "
            "de route die bij het vonnis past.",
        )
    if route is LegalRoute.SECOND_CHANCE and end > start + relativedelta(
        months=SECOND_CHANCE_MAX_MONTHS
    ):
        row.flag(
            Level.PROBLEM,
            f"Een tweedekansovereenkomst duurt ten hoogste twee jaar, maar deze loopt van "
            f"{datum(start)} tot {datum(end)}.",
        )


def decision_due(
    route: LegalRoute | None, given: date | None, today: date, age: JudgmentAge
) -> bool:
    """Does the judgment need a recorded decision now (in reserve and at or past the age)?"""
    return (
        given is not None
        and judgment_in_reserve(route)
        and months_old(given, today) >= age.decision
    )


def check_decision(
    row: Row, route: LegalRoute | None, decision: Decision | None, today: date, age: JudgmentAge
) -> None:
    """From the decision age on, a judgment in reserve without a decision is a problem; a
    decision clears it (one to act on stays a warning until the agreement follows it)."""
    row.legal_route = route.value if route else None
    row.decision = decision.choice.value if decision else None
    if not decision_due(route, row.judgment_date, today, age):
        return
    if decision is None:
        row.flag(
            Level.PROBLEM,
            f"Het vonnis is {age.decision} maanden of ouder en er is geen besluit vastgelegd: "
            "doorgaan met het risico, een nieuw vonnis vragen of omzetten naar een "
            "huurovereenkomst.",
        )
        return
    said = f"Besluit van {datum(decision.decided_on)} door {decision.by}: {decision.choice.label}."
    if decision.choice is JudgmentChoice.CONTINUE:
        row.flag(Level.OK, said)
    else:
        row.flag(Level.WARNING, f"{said} Koppel het nieuwe vonnis of kies de nieuwe route.")
