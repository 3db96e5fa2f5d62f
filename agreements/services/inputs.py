"""What callers may send to the use cases, validated field by field (pydantic)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from agreements.domain import text, values
from agreements.domain.enums import (
    AgreementStatus,
    CaseStatus,
    OrganisationKind,
    PartyRole,
    PaymentFrequency,
    RepresentativeKind,
)
from agreements.domain.errors import ValidationFailed
from agreements.domain.route import JudgmentChoice, LegalRoute


def policy_text(value: Any, *, multiline: bool = True) -> Any:
    """The text policy on one string; its refusal becomes a field error with a Dutch reason."""
    if not isinstance(value, str):
        return value
    try:
        return text.check(value, multiline=multiline)
    except text.UnsafeText as exc:
        # The API shows `reason`; the pages show `dutch` (see web/staff/forms.py).
        raise PydanticCustomError(
            "unsafe_text", "{reason}", {"reason": str(exc), "dutch": exc.refusal.dutch()}
        ) from None


def one_line(field: str, value: str, *, max_length: int, required: bool = True) -> str:
    """One line of text given to a use case as a plain argument (the CLI, a multipart form):
    the text policy, stripped, within `max_length`; ValidationFailed names the field."""
    try:
        value = text.check(value, multiline=False).strip()
    except text.UnsafeText as exc:
        raise ValidationFailed.one(field, str(exc)) from None
    if required and not value:
        raise ValidationFailed.one(field, "must not be empty")
    if len(value) > max_length:
        raise ValidationFailed.one(field, f"at most {max_length} characters")
    return value


def _one_line(value: Any) -> Any:
    return policy_text(value, multiline=False)


# Text on one line (names, codes, addresses): no newline, no tab. Every other string is
# multi-line text; `Input` applies the policy to all of them, so no field can forget it.
OneLine = BeforeValidator(_one_line)
Name = Annotated[
    str, OneLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Short = Annotated[
    str, OneLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Code = Annotated[
    str, OneLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)
]
Line = Annotated[str, OneLine, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
# An address someone enters (a person's, an organisation's, a new user's): checked in full
# (values.normalise_email). A login only has to look like one: it is compared, not stored,
# and accounts made before the check (`admin@localhost`) must still log in.
Email = Annotated[
    str,
    OneLine,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(values.normalise_email),
]
LoginEmail = Annotated[
    str,
    OneLine,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"),
]
Phone = Annotated[
    str,
    OneLine,
    StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[0-9+() -]{6,40}$"),
]
Iban = Annotated[str, AfterValidator(values.normalise_iban)]
Postcode = Annotated[str, AfterValidator(values.normalise_postcode)]
Ecli = Annotated[str, AfterValidator(values.normalise_ecli)]
Bsn = Annotated[str, AfterValidator(values.normalise_bsn)]
Money = Annotated[Decimal, AfterValidator(values.money)]
# Ids fit a 32-bit integer column on every database; larger ones cannot exist. Numbers
# and flags are strict: JSON `true`, `1.0` or `"7"` is not an id (lax pydantic took `true`
# as 1). HTML forms send only text, so their pages validate with `strict=False`.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(strict=True, gt=0, le=MAX_ID)]
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)


def _date_text(value: Any) -> Any:
    # Lax pydantic reads a number as seconds since 1970: `"start_date": 1700000000` is a
    # typing error, not 14 November 2023.
    if not isinstance(value, str | date):
        raise ValueError("must be a date written as YYYY-MM-DD")
    return value


def _plausible_day(value: date) -> date:
    # Far-off dates are typing errors, and date arithmetic near year 9999 overflows.
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY.year} and {LAST_DAY.year}")
    return value


Day = Annotated[date, BeforeValidator(_date_text), AfterValidator(_plausible_day)]


def _check_text(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return type(value)(_check_text(item) for item in value)
    return policy_text(value)


class Input(BaseModel):
    """Base of every input: unknown fields are refused, text is checked for bad characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _safe_text(cls, value: Any) -> Any:
        return _check_text(value)


class Patch(Input):
    """A partial change: a field left out keeps its value; `null` only where it may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("cannot be emptied; leave it out to keep it")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The fields are `X | None = None` so that they may be left out; the schema says
        # what `_no_null` enforces: optional, and nullable only where listed.
        schema = handler(core_schema)
        for name, prop in handler.resolve_ref_schema(schema).get("properties", {}).items():
            if name in cls.nullable:
                continue
            prop.pop("default", None)
            options = [o for o in prop.pop("anyOf", []) if o != {"type": "null"}]
            if len(options) == 1:
                prop.update(options[0])
            elif options:
                prop["anyOf"] = options
        return schema


class AddressIn(Input):
    street: Name
    house_number: Annotated[
        str, OneLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)
    ]
    postcode: Postcode
    city: Short


class OrganisationIn(Input):
    name: Name
    kind: OrganisationKind
    email: Email | None = None
    phone: Phone | None = None


class OrganisationPatch(Patch):
    nullable = frozenset({"email", "phone"})
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None


class PersonIn(Input):
    name: Name
    date_of_birth: Day | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: AddressIn | None = None
    organisation_id: Id | None = None
    bsn: Bsn | None = Field(None, description="Only accepted when BSN processing is enabled.")


class PersonPatch(Patch):
    nullable = frozenset({"address", "date_of_birth", "phone", "email", "bsn", "organisation_id"})
    name: Name | None = None
    date_of_birth: Day | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: AddressIn | None = None
    organisation_id: Id | None = None
    bsn: Bsn | None = None


class PartyIn(Input):
    organisation_id: Id
    contact_person_id: Id | None = None


class RepresentativeIn(Input):
    person_id: Id
    kind: RepresentativeKind


class CaseIn(Input):
    tenant_id: Id
    coordinator_id: Id | None = Field(None, description="Default: the coordinator creating it.")
    address: AddressIn
    start_date: Day
    planned_end_date: Day
    status: CaseStatus = CaseStatus.INTAKE
    parties: list[PartyIn] = Field(default_factory=list, max_length=20)
    representatives: list[RepresentativeIn] = Field(default_factory=list, max_length=5)
    co_tenant_ids: list[Id] = Field(
        default_factory=list,
        max_length=3,
        description="Co-tenants (medehuurders): people who rent the home with the tenant; "
        "each is asked to sign separately.",
    )


class CasePatch(Patch):
    coordinator_id: Id | None = None
    address: AddressIn | None = None
    start_date: Day | None = None
    planned_end_date: Day | None = None
    status: CaseStatus | None = None
    parties: list[PartyIn] | None = Field(None, max_length=20)
    representatives: list[RepresentativeIn] | None = Field(None, max_length=5)
    co_tenant_ids: list[Id] | None = Field(None, max_length=3)


class CareNotesIn(Input):
    text: LongText


class TenancyContractIn(Input):
    case_id: Id
    contract_number: Code
    address: AddressIn
    start_date: Day
    end_date: Day | None = Field(None, description="Only for a temporary contract.")
    landlord_id: Id
    monthly_rent: Money


class TenancyContractPatch(Patch):
    nullable = frozenset({"end_date"})
    contract_number: Code | None = None
    address: AddressIn | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    landlord_id: Id | None = None
    monthly_rent: Money | None = None


class JudgmentIn(Input):
    case_id: Id
    court: Name
    case_number: Short = Field(
        description="As the court wrote it, e.g. 11109681 \\ UC EXPL 24-3346"
    )
    judgment_date: Day
    served_date: Day | None = None
    operative_decision: LongText
    ecli: Ecli | None = None
    suspension_conditions: LongText = Field(
        description="The conditions under which the judgment is not executed."
    )


class JudgmentPatch(Patch):
    nullable = frozenset({"ecli", "served_date"})
    court: Name | None = None
    case_number: Short | None = None
    judgment_date: Day | None = None
    served_date: Day | None = None
    operative_decision: LongText | None = None
    ecli: Ecli | None = None
    suspension_conditions: LongText | None = None


class PaymentArrangementIn(Input):
    case_id: Id
    arrears: Money
    instalment: Money
    frequency: PaymentFrequency = PaymentFrequency.MONTHLY
    start_date: Day
    number_of_terms: Annotated[int, Field(strict=True, ge=1, le=260)]
    iban: Iban
    creditor_id: Id


class PaymentArrangementPatch(Patch):
    arrears: Money | None = None
    instalment: Money | None = None
    frequency: PaymentFrequency | None = None
    start_date: Day | None = None
    number_of_terms: Annotated[int, Field(strict=True, ge=1, le=260)] | None = None
    iban: Iban | None = None
    creditor_id: Id | None = None


class ObligationIn(Input):
    party: PartyRole
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


ROUTE_HELP = "The legal route; the template's text follows it (none: the report warns)."


class AgreementIn(Input):
    case_id: Id
    tenancy_contract_id: Id
    eviction_judgment_id: Id
    start_date: Day
    end_date: Day
    obligations: list[ObligationIn] = Field(min_length=1, max_length=100)
    reason: LongText = Field("", description="Why this agreement exists, in plain Dutch.")
    legal_route: LegalRoute | None = Field(None, description=ROUTE_HELP)


class AgreementPatch(Patch):
    tenancy_contract_id: Id | None = None
    eviction_judgment_id: Id | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    obligations: list[ObligationIn] | None = Field(None, min_length=1, max_length=100)
    reason: LongText | None = None
    status: AgreementStatus | None = None
    legal_route: LegalRoute | None = Field(None, description=ROUTE_HELP)


class JudgmentDecisionIn(Input):
    """The decision on an agreement's judgment before it is a year old."""

    choice: JudgmentChoice
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=10, max_length=5000)
    ] = Field(description="Why, in a few sentences (required).")
