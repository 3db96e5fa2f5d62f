"""The demo case: organisations, staff logins and one complete trajectory, made once (its
package, signed and sealed, is `demo_package`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from agreements.db.models import (
    Case,
    Organisation,
)
from agreements.domain.enums import OrganisationKind as K
from agreements.domain.enums import PartyRole as P
from agreements.domain.enums import RepresentativeKind, Role
from agreements.domain.policy import SYSTEM, Actor
from agreements.domain.route import LegalRoute
from agreements.services import inputs as i
from agreements.services.access import accounts as auth
from agreements.services.cases import agreements, case_file, cases, directory
from agreements.services.context import Deps

DEMO_PASSWORD = "demo-wachtwoord"  # noqa: S105 - development mode only; `init --demo` refuses otherwise


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    organisation: str
    name: str = ""
    function: str = ""


LOGINS = [
    DemoLogin(
        "coordinator@demo.example",
        Role.COORDINATOR,
        "Het Vierde Huis",
        "Anna Bakker",
        "Coördinator woonbegeleiding",
    ),
    DemoLogin(
        "portaal@demo.example", Role.PARTNER, "Portaal", "Marieke Jansen", "Teamleider Wonen"
    ),
    DemoLogin("mitros@demo.example", Role.PARTNER, "Mitros", "Ruud de Boer", "Consulent Wonen"),
    DemoLogin(
        "gemeente@demo.example",
        Role.PARTNER,
        "Gemeente Utrecht",
        "Fatima Haddou",
        "Teamleider Schuldhulpverlening",
    ),
    DemoLogin("jurist@demo.example", Role.LEGAL, "Het Vierde Huis", "Laura de Graaf", "Jurist"),
]
# Who signs for each organisation in the demo, and on what authority (the mandate).
SIGNATORIES = {
    "Het Vierde Huis": ("procuration", "procuratie volgens het Handelsregister, KvK 12345678"),
    "Portaal": ("power_of_attorney", "volmacht van de directie van Portaal, 1 september 2026"),
    "Mitros": ("power_of_attorney", "volmacht van de directie van Mitros, 1 juni 2026"),
    "Gemeente Utrecht": ("public_mandate", "Mandaatbesluit gemeente Utrecht 2026"),
    "Buurtteam Utrecht Oost": ("director", "directeur-bestuurder volgens de statuten"),
}
OTHER_SIGNER = ("Sander Visser", "Teamleider Buurtteam Oost")

STANDARD_OBLIGATIONS = [
    (P.TENANT, "U betaalt uw huur elke maand op tijd."),
    (P.TENANT, "U maakt afspraken met uw begeleider en u komt die afspraken na."),
    (P.TENANT, "U werkt mee aan budgetbeheer en aan de afspraken met uw bewindvoerder."),
    (P.TENANT, "U zorgt dat uw buren geen overlast van u hebben."),
    (P.TENANT, "U laat uw begeleider en de corporatie op huisbezoek komen."),
    (
        P.HOUSING_CORPORATION,
        "Portaal voert het ontruimingsvonnis niet uit zolang de huurder "
        "zich aan deze overeenkomst houdt.",
    ),
    (
        P.COORDINATOR,
        "Het Vierde Huis coördineert de begeleiding en evalueert het traject "
        "elke drie maanden met alle partijen.",
    ),
    (P.MUNICIPALITY, "De gemeente maakt een financieel overzicht en biedt schuldhulp."),
    (P.NEIGHBOURHOOD_TEAM, "Het buurtteam begeleidt de huurder bij dagelijkse zaken."),
]


def seed_demo(*, deps: Deps, now: datetime) -> int:
    """Make the demo data once; returns the demo case's id (also when it already existed)."""
    with deps.db() as session:
        existing = session.scalar(select(Case.id).order_by(Case.id).limit(1))
        if session.scalar(select(Organisation.id).where(Organisation.name == "Portaal")):
            return int(existing or 0)
    actor = SYSTEM
    orgs = {
        name: directory.create_organisation(
            i.OrganisationIn(name=name, kind=kind, email=email), deps=deps, actor=actor, now=now
        ).id
        for name, kind, email in [
            ("Het Vierde Huis", K.COORDINATOR, "info@hetvierdehuis.example"),
            ("Portaal", K.HOUSING_CORPORATION, "utrecht@portaal.example"),
            ("Mitros", K.HOUSING_CORPORATION, "info@mitros.example"),
            ("Gemeente Utrecht", K.MUNICIPALITY, "schuldhulp@utrecht.example"),
            ("Buurtteam Utrecht Oost", K.NEIGHBOURHOOD_TEAM, "oost@buurtteam.example"),
        ]
    }
    users = {
        login.email: auth.create_user(
            login.email,
            login.name or login.email.split("@")[0].title(),
            login.role,
            DEMO_PASSWORD,
            deps=deps,
            actor=actor,
            now=now,
            organisation_id=orgs[login.organisation],
            function=login.function or None,
        ).id
        for login in LOGINS
    }
    coordinator = Actor(
        user_id=users["coordinator@demo.example"],
        role=Role.COORDINATOR,
        organisation_id=orgs["Het Vierde Huis"],
        name="demo",
    )
    case_id = _demo_case(
        deps,
        coordinator,
        orgs,
        now,
        tenant="Zoë van 't Hek",
        corporation="Portaal",
        street="Amsterdamsestraatweg",
        number="101 bis",
    )
    _demo_case(
        deps,
        coordinator,
        orgs,
        now,
        tenant="Ünal Yılmaz",
        co_tenant="Zoë Yılmaz",
        corporation="Mitros",
        street="Kanaalstraat",
        number="12",
    )
    return case_id


def _demo_case(
    deps: Deps,
    actor: Actor,
    orgs: dict[str, int],
    now: datetime,
    *,
    tenant: str,
    corporation: str,
    street: str,
    number: str,
    co_tenant: str | None = None,
) -> int:
    address = i.AddressIn(street=street, house_number=number, postcode="3551 CA", city="Utrecht")
    person = directory.create_person(
        i.PersonIn(
            name=tenant,
            address=address,
            email="huurder@demo.example",
            date_of_birth=date(1984, 3, 12),
        ),
        deps=deps,
        actor=actor,
        now=now,
    )
    guardian = directory.create_person(
        i.PersonIn(name="mr. J. de Bewindvoerder", email="bewind@demo.example"),
        deps=deps,
        actor=actor,
        now=now,
    )
    # A co-tenant (medehuurder) is a person of her own: she gets her own link and signs herself.
    co_tenants = [
        directory.create_person(
            i.PersonIn(
                name=co_tenant,
                address=address,
                email="medehuurder@demo.example",
                date_of_birth=date(1987, 9, 2),
            ),
            deps=deps,
            actor=actor,
            now=now,
        ).id
        for co_tenant in ([co_tenant] if co_tenant else [])
    ]
    # Dates relative to the day it is made, so the story holds whenever the demo runs: the
    # judgment 47 days ago and served two weeks later, the agreement starting in 11 days for
    # three years, the first instalment on the first of the month after (made on 20 January
    # 2026: judgment 4 December 2025, start 31 January 2026, as the reminder tests expect).
    today = deps.today(now)
    judged, start = today - timedelta(days=47), today + timedelta(days=11)
    end = start + relativedelta(years=3)
    case = cases.create_case(
        i.CaseIn(
            tenant_id=person.id,
            address=address,
            start_date=start,
            planned_end_date=end,
            status="active",
            parties=[
                i.PartyIn(organisation_id=orgs[n])
                for n in (
                    corporation,
                    "Het Vierde Huis",
                    "Gemeente Utrecht",
                    "Buurtteam Utrecht Oost",
                )
            ],
            representatives=[
                i.RepresentativeIn(person_id=guardian.id, kind=RepresentativeKind.BEWINDVOERDER)
            ],
            co_tenant_ids=co_tenants,
        ),
        deps=deps,
        actor=actor,
        now=now,
    )
    contract = case_file.tenancy_contracts.create(
        i.TenancyContractIn(
            case_id=case.id,
            contract_number="HO-2019-004512",
            address=address,
            start_date=date(2019, 5, 1),
            landlord_id=orgs[corporation],
            monthly_rent=Decimal("687.45"),
        ),
        deps=deps,
        actor=actor,
        now=now,
    )
    judgment = case_file.judgments.create(
        i.JudgmentIn(
            case_id=case.id,
            court="Rechtbank Midden-Nederland, kanton Utrecht",
            case_number="11109681 \\ UC EXPL 24-3346",
            judgment_date=judged,
            served_date=judged + timedelta(days=14),
            ecli=f"ECLI:NL:RBMNE:{judged.year}:6123",
            operative_decision="De kantonrechter ontbindt de huurovereenkomst en veroordeelt de "
            "huurder de woning te ontruimen.",
            suspension_conditions="Het vonnis wordt niet uitgevoerd zolang de huurder zich houdt "
            "aan de woonbegeleidingsovereenkomst.",
        ),
        deps=deps,
        actor=actor,
        now=now,
    )
    case_file.payment_arrangements.create(
        i.PaymentArrangementIn(
            case_id=case.id,
            arrears=Decimal("2843.10"),
            instalment=Decimal("120.00"),
            start_date=start.replace(day=1) + relativedelta(months=1),
            number_of_terms=24,
            iban="NL91ABNA0417164300",
            creditor_id=orgs[corporation],
        ),
        deps=deps,
        actor=actor,
        now=now,
    )
    obligations = [
        i.ObligationIn(party=party, text=text.replace("Portaal", corporation))
        for party, text in STANDARD_OBLIGATIONS
    ]
    agreements.create_agreement(
        i.AgreementIn(
            case_id=case.id,
            tenancy_contract_id=contract.id,
            eviction_judgment_id=judgment.id,
            start_date=start,
            end_date=end,
            obligations=obligations,
            legal_route=LegalRoute.LEASE_DISSOLVED,  # the judgment dissolves the lease
            reason="U had een huurachterstand van meer dan vier maanden en er waren klachten "
            "over overlast. De rechter heeft daarom de huurovereenkomst ontbonden en de "
            "ontruiming toegestaan. U wilt in de woning blijven en u wilt daarvoor hulp aannemen.",
        ),
        deps=deps,
        actor=actor,
        now=now,
    )
    return case.id
