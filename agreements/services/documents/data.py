"""Turning a case into the data a document template needs (the kinds in templates/defaults)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.models import (
    Agreement,
    Case,
    CaseParty,
    EvictionJudgment,
    JudgmentDecision,
    Organisation,
    PaymentArrangement,
    Person,
    Review,
    TenancyContract,
    User,
)
from agreements.domain import checks
from agreements.domain.enums import PartyRole, SigningRole
from agreements.domain.errors import FieldError, ValidationFailed
from agreements.domain.route import JudgmentChoice
from agreements.domain.schedule import instalment_date
from agreements.domain.sums import check_schedule, instalment_sum
from agreements.domain.values import from_cents
from agreements.services.cases import readiness
from agreements.services.signatures.parties import case_parties, organisation_party
from agreements.settings import Settings

DEFAULT_REASON = (
    "Er waren problemen met het huren van de woning. Daarom heeft de woningcorporatie de "
    "rechter gevraagd om de ontruiming toe te staan."
)


def letterhead(settings: Settings) -> dict[str, str]:
    return {
        "name": settings.letterhead_name,
        "address": settings.letterhead_address,
        "postal_code": settings.letterhead_postcode,
        "city": settings.letterhead_city,
        "phone": settings.letterhead_phone,
        "email": settings.letterhead_email,
    }


def _heading(settings: Settings, case: Case, today: date) -> dict[str, Any]:
    """What every document of a case starts with: the letterhead, the case and the date."""
    return {
        "organisation": letterhead(settings),
        "case": {"reference": case.reference or str(case.id)},
        "document": {"date": today.isoformat()},
    }


def _tenants(session: Session, case: Case) -> list[Person]:
    """The tenant and each co-tenant, in order."""
    people = [session.get(Person, person_id) for person_id in case.tenant_ids]
    return [p for p in people if p is not None]


def _together(names: list[str]) -> str:
    """ "A", "A en B", "A, B en C": how the text names the tenants together."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def _signers(session: Session, case: Case, roles: tuple[str, ...]) -> list[dict[str, str]]:
    """The document's signature lines: each person or organisation that signs, from the
    same list the signature requests are made from."""
    return [spec.line() for spec in case_parties(session, case, roles)]


def _money(cents: int) -> str:
    return str(from_cents(cents))


def _party(session: Session, party: CaseParty) -> dict[str, Any]:
    org = session.get(Organisation, party.organisation_id)
    assert org is not None
    contact = session.get(Person, party.contact_person_id) if party.contact_person_id else None
    return {
        "name": org.name,
        "signatory": contact.name if contact else f"namens {org.name}",
        "signatory_role": "contactpersoon" if contact else "gemachtigde",
        "phone": org.phone,
        "email": org.email,
    }


def _contact(session: Session, case: Case, settings: Settings) -> dict[str, Any]:
    """The tenant's named contact: the coordinator organisation's contact person for the
    case, else the case's coordinator (a staff account); the phone of the person, else of
    the organisation, else of the letterhead."""
    party = _party_of(case, PartyRole.COORDINATOR, "parties")
    org = session.get(Organisation, party.organisation_id)
    assert org is not None
    person = session.get(Person, party.contact_person_id) if party.contact_person_id else None
    user = session.get(User, case.coordinator_id)
    name = person.name if person else (user.name if user else org.name)
    email = (person.email if person else (user.email if user else None)) or org.email
    return {
        "name": name,
        "phone": (person and person.phone) or org.phone or settings.letterhead_phone,
        "email": email or settings.letterhead_email,
    }


def _representative(session: Session, case: Case) -> dict[str, str] | None:
    if not case.representatives:
        return None
    rep = case.representatives[0]
    person = session.get(Person, rep.person_id)
    assert person is not None
    org = session.get(Organisation, person.organisation_id) if person.organisation_id else None
    return {"name": person.name, "role": rep.kind.label, "organisation": org.name if org else ""}


def _judgment(judgment: EvictionJudgment) -> dict[str, Any]:
    return {
        "court": judgment.court,
        "case_number": judgment.case_number,
        "date": judgment.judgment_date.isoformat(),
        "served": judgment.served_date.isoformat() if judgment.served_date else None,
        "ecli": judgment.ecli,
        "decision": judgment.operative_decision,
        "conditions": judgment.suspension_conditions,
    }


def _party_of(case: Case, role: PartyRole, field: str) -> CaseParty:
    for party in case.parties:
        if party.role is role:
            return party
    raise ValidationFailed.one(field, f"the case has no {role.label} as a party")


def agreement_data(
    session: Session, agreement: Agreement, settings: Settings, today: date
) -> dict[str, Any]:
    case = session.get(Case, agreement.case_id)
    contract = session.get(TenancyContract, agreement.tenancy_contract_id)
    judgment = session.get(EvictionJudgment, agreement.eviction_judgment_id)
    assert case is not None and contract is not None and judgment is not None
    if gaps := readiness.agreement_gaps(case):
        raise ValidationFailed(gaps)
    born = case.tenant.date_of_birth
    assert born is not None  # one of the gaps otherwise

    def said(role: PartyRole) -> list[str]:
        return [o.text for o in agreement.obligations if o.party is role]

    named = {}
    for role, key in readiness.SIGNING_PARTIES:
        named[key] = {
            **_party(session, _party_of(case, role, f"parties.{key}")),
            "obligations": said(role),
        }
    others = [
        {**_party(session, p), "role": p.role.label.capitalize(), "obligations": said(p.role)}
        for p in case.parties
        if p.role in {PartyRole.CARE_PROVIDER, PartyRole.NEIGHBOURHOOD_TEAM}
    ]
    tenants = _tenants(session, case)
    first_review = session.scalar(
        select(Review.due_date)
        .where(Review.agreement_id == agreement.id)
        .order_by(Review.number)
        .limit(1)
    )
    signers = _signers(
        session, case, ("tenant", "corporation", "coordinator", "municipality", "others")
    )
    found = _agreement_errors(session, agreement, judgment, contract, today, settings, first_review)
    obliged = (o.party for o in agreement.obligations)
    checks.refuse(found + checks.signatory_errors(obliged, (s["role"] for s in signers)))
    return {
        **_heading(settings, case, today),
        "tenant": {
            "name": _together([t.name for t in tenants]),
            "birth_date": born.isoformat(),
            "obligations": said(PartyRole.TENANT),
        },
        "tenants": [
            {"name": t.name, "birth_date": t.date_of_birth.isoformat() if t.date_of_birth else None}
            for t in tenants
        ],
        "representative": _representative(session, case),
        **named,
        "other_parties": others,
        "signers": signers,
        "reason": agreement.reason or DEFAULT_REASON,
        # The template's clauses on the lease and the judgment branch on the route.
        "legal_route": agreement.legal_route.value if agreement.legal_route else None,
        "legal_route_label": agreement.legal_route.label if agreement.legal_route else None,
        "term": {"start": agreement.start_date.isoformat(), "end": agreement.end_date.isoformat()},
        "reviews": {"first": (first_review or agreement.start_date).isoformat()},
        "tenancy": {
            "contract_number": contract.contract_number,
            "address": f"{contract.street} {contract.house_number}",
            "postal_code": contract.postcode,
            "city": contract.city,
            "start_date": contract.start_date.isoformat(),
        },
        "judgment": _judgment(judgment),
        "contact": _contact(session, case, settings),
        "privacy": {"retention_years": settings.case_file_retention_years},
        "signing": {"place": settings.letterhead_city},
        "annexes": None,  # the package's annex list, when the case has uploaded annexes
    }


def _agreement_errors(
    session: Session,
    agreement: Agreement,
    judgment: EvictionJudgment,
    contract: TenancyContract,
    today: date,
    settings: Settings,
    first_review: date | None,
) -> list[FieldError]:
    """The dates in an order that makes sense, and a decision on a judgment past its age."""
    made = session.execute(
        select(JudgmentDecision.eviction_judgment_id, JudgmentDecision.choice).where(
            JudgmentDecision.agreement_id == agreement.id
        )
    ).all()
    decided = any(on == judgment.id for on, _ in made)
    # A new judgment, obtained after a decision to, is younger than the agreement it serves.
    amended = any(on != judgment.id and c is JudgmentChoice.NEW_JUDGMENT for on, c in made)
    dates = checks.date_errors(
        document=today,
        start=agreement.start_date,
        end=agreement.end_date,
        first_review=first_review or agreement.start_date,
        judgment=judgment.judgment_date,
        served=judgment.served_date,
        tenancy_start=contract.start_date,
        amended=amended,
    )
    age, route = settings.judgment_age, agreement.legal_route
    given = judgment.judgment_date
    return dates + checks.decision_errors(route, given, today, age, decided=decided)


def instalments(arrangement: PaymentArrangement) -> list[dict[str, Any]]:
    """The schedule: equal instalments, the last one smaller when the arrears say so."""
    rows, left = [], arrangement.arrears_cents
    for n in range(arrangement.number_of_terms):
        if left <= 0:
            break
        due = instalment_date(arrangement.start_date, n, arrangement.frequency.value)
        amount = min(arrangement.instalment_cents, left)
        left -= amount
        rows.append({"number": n + 1, "due": due.isoformat(), "amount": _money(amount)})
    return rows


def payment_arrangement_data(
    session: Session, arrangement: PaymentArrangement, settings: Settings, today: date
) -> dict[str, Any]:
    case = session.get(Case, arrangement.case_id)
    assert case is not None
    creditor = session.get(Organisation, arrangement.creditor_id)
    assert creditor is not None
    contract = session.scalar(
        select(TenancyContract)
        .where(TenancyContract.case_id == case.id)
        .order_by(TenancyContract.id.desc())
        .limit(1)
    )
    judgment = session.scalar(
        select(EvictionJudgment)
        .where(EvictionJudgment.case_id == case.id)
        .order_by(EvictionJudgment.id.desc())
        .limit(1)
    )
    if contract is None:
        raise ValidationFailed.one("case_id", "add the tenancy contract to the case first")
    if judgment is None:
        raise ValidationFailed.one("case_id", "add the eviction judgment to the case first")
    corporation = next((p for p in case.parties if p.organisation_id == creditor.id), None)
    signer = (
        _party(session, corporation)
        if corporation
        else {
            "name": creditor.name,
            "signatory": f"namens {creditor.name}",
            "signatory_role": "gemachtigde",
        }
    )
    creditor_line = (
        organisation_party(session, corporation).line()
        if corporation
        else {
            "role": "corporation",
            "label": SigningRole.CORPORATION.label.capitalize(),
            "party": creditor.name,
            "signatory": f"namens {creditor.name}, gemachtigde",
        }
    )
    agreement = session.scalar(
        select(Agreement).where(Agreement.case_id == case.id).order_by(Agreement.id.desc()).limit(1)
    )
    rows = instalments(arrangement)
    # The printed total is the sum of the printed rows, never a stored figure; the arrears
    # and the stored last date (which drives the arrangement-end reminder) must agree with it.
    check_schedule(
        rows, arrears=_money(arrangement.arrears_cents), stored_end=arrangement.last_instalment_date
    )
    return {
        **_heading(settings, case, today),
        "tenant": {
            "name": _together([t.name for t in _tenants(session, case)]),
            "address": f"{case.street} {case.house_number}",
            "postal_code": case.postcode,
            "city": case.city,
        },
        # What section 4 says of the judgment follows the agreement's route.
        "legal_route": agreement.legal_route.value if agreement and agreement.legal_route else None,
        "representative": _representative(session, case),
        "corporation": signer,
        "arrears": {
            "amount": _money(arrangement.arrears_cents),
            "date": arrangement.start_date.isoformat(),
        },
        "rent": {"amount": _money(contract.monthly_rent_cents)},
        "instalments": rows,
        "total": str(instalment_sum(rows)),
        "payment": {
            "iban": arrangement.iban,
            "account_holder": creditor.name,
            "reference": case.reference or str(case.id),
        },
        "grace_days": settings.grace_days,
        "judgment": _judgment(judgment),
        "signers": [*_signers(session, case, ("tenant",)), creditor_line],
    }
