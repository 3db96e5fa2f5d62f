"""What the JSON API returns: output models built from the persistence rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from agreements.domain.enums import (
    AgreementStatus,
    CaseStatus,
    OrganisationKind,
    PartyRole,
    PaymentFrequency,
    RepresentativeKind,
    ReviewOutcome,
    Role,
)
from agreements.domain.route import JudgmentChoice, LegalRoute
from agreements.domain.values import from_cents
from agreements.services import records as m
from agreements.services.scope import Page

T = TypeVar("T")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageOut(Out, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[Any], item: Any) -> PageOut[Any]:
        return cls(
            items=[item(row) for row in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class Address(Out):
    street: str
    house_number: str
    postcode: str
    city: str


def _address(row: Any) -> Address | None:
    if getattr(row, "street", None) is None:
        return None
    return Address(
        street=row.street, house_number=row.house_number, postcode=row.postcode, city=row.city
    )


class OrganisationOut(Out):
    id: int
    name: str
    kind: OrganisationKind
    email: str | None
    phone: str | None


class UserOut(Out):
    id: int
    email: str
    name: str
    function: str | None
    role: Role
    organisation_id: int | None
    active: bool


class PersonOut(Out):
    id: int
    name: str
    date_of_birth: date | None
    email: str | None
    phone: str | None
    address: Address | None
    organisation_id: int | None
    has_bsn: bool

    @classmethod
    def of(cls, row: m.Person) -> PersonOut:
        return cls(
            id=row.id,
            name=row.name,
            date_of_birth=row.date_of_birth,
            email=row.email,
            phone=row.phone,
            address=_address(row),
            organisation_id=row.organisation_id,
            has_bsn=row.bsn_encrypted is not None,
        )


class PartyOut(Out):
    organisation_id: int
    role: PartyRole
    contact_person_id: int | None


class RepresentativeOut(Out):
    person_id: int
    kind: RepresentativeKind


class TenantOut(Out):
    id: int
    name: str


class CaseOut(Out):
    id: int
    reference: str | None
    status: CaseStatus
    coordinator_id: int
    tenant: TenantOut
    address: Address
    start_date: date
    planned_end_date: date
    parties: list[PartyOut]
    representatives: list[RepresentativeOut]
    co_tenant_ids: list[int]
    has_care_notes: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: m.Case) -> CaseOut:
        address = _address(row)
        assert address is not None
        return cls(
            id=row.id,
            reference=row.reference,
            status=row.status,
            coordinator_id=row.coordinator_id,
            tenant=TenantOut.model_validate(row.tenant),
            address=address,
            start_date=row.start_date,
            planned_end_date=row.planned_end_date,
            parties=[PartyOut.model_validate(p) for p in row.parties],
            representatives=[RepresentativeOut.model_validate(r) for r in row.representatives],
            co_tenant_ids=[c.person_id for c in row.co_tenants],
            has_care_notes=row.care_notes_encrypted is not None,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class CareNotesOut(Out):
    case_id: int
    text: str


class NumberWarning(Out):
    """Saved, but worth a look: a contract or judgment number another case holds as well."""

    field: str = Field(description="contract_number or case_number")
    reason: str
    cases: list[str] = Field(description="The references of the other cases.")


def _warnings(row: object) -> list[NumberWarning]:
    return [NumberWarning(**w) for w in getattr(row, "warnings", [])]


class TenancyContractOut(Out):
    id: int
    case_id: int
    contract_number: str
    address: Address
    start_date: date
    end_date: date | None
    landlord_id: int
    monthly_rent: Decimal
    warnings: list[NumberWarning] = Field(
        default=[], description="Only in the answer to a create or update; never blocks."
    )

    @classmethod
    def of(cls, row: m.TenancyContract) -> TenancyContractOut:
        address = _address(row)
        assert address is not None
        return cls(
            id=row.id,
            case_id=row.case_id,
            contract_number=row.contract_number,
            address=address,
            start_date=row.start_date,
            end_date=row.end_date,
            landlord_id=row.landlord_id,
            monthly_rent=from_cents(row.monthly_rent_cents),
            warnings=_warnings(row),
        )


class JudgmentOut(Out):
    id: int
    case_id: int
    court: str
    case_number: str
    judgment_date: date
    served_date: date | None
    operative_decision: str
    ecli: str | None
    suspension_conditions: str
    warnings: list[NumberWarning] = Field(
        default=[], description="Only in the answer to a create or update; never blocks."
    )


class PaymentArrangementOut(Out):
    id: int
    case_id: int
    arrears: Decimal
    instalment: Decimal
    frequency: PaymentFrequency
    start_date: date
    number_of_terms: int
    iban: str
    creditor_id: int

    @classmethod
    def of(cls, row: m.PaymentArrangement) -> PaymentArrangementOut:
        return cls(
            id=row.id,
            case_id=row.case_id,
            arrears=from_cents(row.arrears_cents),
            instalment=from_cents(row.instalment_cents),
            frequency=row.frequency,
            start_date=row.start_date,
            number_of_terms=row.number_of_terms,
            iban=row.iban,
            creditor_id=row.creditor_id,
        )


class ObligationOut(Out):
    id: int
    position: int
    party: PartyRole
    text: str


class AgreementOut(Out):
    id: int
    case_id: int
    tenancy_contract_id: int
    eviction_judgment_id: int
    start_date: date
    end_date: date
    status: AgreementStatus
    reason: str
    legal_route: LegalRoute | None
    obligations: list[ObligationOut]
    created_at: datetime
    updated_at: datetime


class JudgmentDecisionOut(Out):
    """A decision on the agreement's judgment: what, who, when and why."""

    id: int
    case_id: int
    agreement_id: int
    eviction_judgment_id: int
    choice: JudgmentChoice
    reason: str
    decided_by: int
    decided_by_name: str
    decided_at: datetime


class ReviewOut(Out):
    id: int
    agreement_id: int
    number: int
    due_date: date
    held_date: date | None
    outcome: ReviewOutcome | None
    warning_given: bool
    summary: str
    location: str
    chair: str
    attendees: list[dict[str, Any]]
    progress: list[dict[str, Any]]
    actions: list[dict[str, Any]]


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime
    user: UserOut
