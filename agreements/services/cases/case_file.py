"""Use cases for what a case holds: tenancy contracts, eviction judgments, payment arrangements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.db.blobs import BlobStore
from agreements.db.models import EvictionJudgment, Organisation, PaymentArrangement, TenancyContract
from agreements.domain.enums import OrganisationKind, PaymentFrequency
from agreements.domain.errors import SumsDisagree, ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.domain.schedule import last_instalment
from agreements.domain.sums import euro_nl
from agreements.domain.values import from_cents, to_cents
from agreements.services.cases import duplicates
from agreements.services.context import Deps
from agreements.services.inputs import Input
from agreements.services.scope import Page, paginate, restrict_to_visible
from agreements.services.uow import UnitOfWork, unit_of_work
from templates.assemble import sanitize_pdf

M = TypeVar("M", TenancyContract, EvictionJudgment, PaymentArrangement)


def _contract_columns(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    if "address" in values:
        values.update(values.pop("address"))
    if "monthly_rent" in values:
        values["monthly_rent_cents"] = to_cents(values.pop("monthly_rent"))
    if "landlord_id" in values:
        _require_org(
            session, values["landlord_id"], "landlord_id", OrganisationKind.HOUSING_CORPORATION
        )
    return values


def _arrangement_columns(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    for money in ("arrears", "instalment"):
        if money in values:
            values[f"{money}_cents"] = to_cents(values.pop(money))
    if "creditor_id" in values:
        _require_org(session, values["creditor_id"], "creditor_id", None)
    return values


def _judgment_columns(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    return values


def _check_contract(row: TenancyContract) -> None:
    if row.end_date is not None and row.end_date <= row.start_date:
        raise ValidationFailed.one("end_date", "must be after the start date")


def _check_judgment(row: EvictionJudgment) -> None:
    if row.served_date is not None and row.served_date < row.judgment_date:
        raise ValidationFailed.one("served_date", "cannot be before the judgment date")


def _check_arrangement(row: PaymentArrangement) -> None:
    """Check the arrangement and derive its last instalment date."""
    if row.arrears_cents <= 0:
        raise ValidationFailed.one("arrears", "must be more than zero")
    if row.instalment_cents <= 0:
        raise ValidationFailed.one("instalment", "must be more than zero")
    if row.instalment_cents > row.arrears_cents:
        raise ValidationFailed.one("instalment", "cannot be more than the arrears")
    if row.instalment_cents * row.number_of_terms < row.arrears_cents:
        counted, owed = from_cents(row.instalment_cents * row.number_of_terms), row.arrears_cents
        raise SumsDisagree(
            "number_of_terms",
            f"De termijnen tellen op tot {euro_nl(counted)}, maar de achterstand is "
            f"{euro_nl(from_cents(owed))}. Verhoog het termijnbedrag of het aantal termijnen.",
        )
    # The schedule stops once the arrears are paid: the last date is that of the last row.
    needed = -(-row.arrears_cents // row.instalment_cents)
    row.last_instalment_date = last_instalment(
        row.start_date, min(row.number_of_terms, needed), PaymentFrequency(row.frequency).value
    )


def _require_org(session: Session, org_id: int, field: str, kind: OrganisationKind | None) -> None:
    org = session.get(Organisation, org_id)
    if org is None:
        raise ValidationFailed.one(field, "no such organisation")
    if kind is not None and org.kind is not kind:
        raise ValidationFailed.one(field, f"must be a {kind.label}")


@dataclass(frozen=True)
class CaseFileKind(Generic[M]):
    """One kind of record in a case file, and the rules that differ between kinds."""

    model: type[M]
    resource: Resource
    name: str
    columns: Callable[[Session, dict[str, Any]], dict[str, Any]]
    check: Callable[[M], None]

    def create(self, data: Input, *, deps: Deps, actor: Actor, now: datetime) -> M:
        values = data.model_dump()
        with unit_of_work(deps, actor, now) as uow:
            uow.case(values["case_id"], Action.WRITE, self.resource)
            row = self.model(**self.columns(uow.session, values))
            self.check(row)
            uow.session.add(row)
            uow.session.flush()
            uow.audit(f"{self.name}.create", self.name, row.id, {"case": row.case_id})
            _warn(uow, row)
        return row

    def update(self, row_id: int, data: Input, *, deps: Deps, actor: Actor, now: datetime) -> M:
        changes = data.model_dump(exclude_unset=True)
        with unit_of_work(deps, actor, now) as uow:
            row = self.load(uow, row_id, Action.WRITE)
            for key, value in self.columns(uow.session, dict(changes)).items():
                setattr(row, key, value)
            self.check(row)
            detail = {"case": row.case_id, "fields": sorted(changes)}
            uow.audit(f"{self.name}.update", self.name, row.id, detail)
            _warn(uow, row)
        return row

    def get(self, row_id: int, *, deps: Deps, actor: Actor, now: datetime) -> M:
        with unit_of_work(deps, actor, now) as uow:
            row = self.load(uow, row_id, Action.READ)
            uow.audit(f"{self.name}.read", self.name, row.id, {"case": row.case_id})
            return row

    def list(
        self,
        *,
        deps: Deps,
        actor: Actor,
        case_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[M]:
        authorize(actor, Action.READ, self.resource)
        query = restrict_to_visible(
            select(self.model).order_by(self.model.id), self.model.case_id, actor
        )
        if case_id is not None:
            query = query.where(self.model.case_id == case_id)
        with deps.db() as session:
            return paginate(session, query, limit, offset)

    def load(self, uow: UnitOfWork, row_id: int, action: Action) -> M:
        return uow.load(self.model, row_id, action, self.resource, kind=self.name)


def _warn(uow: UnitOfWork, row: Any) -> None:
    # Not refused, said: a number another case holds (services/cases/duplicates.py).
    row.warnings = duplicates.warnings_for(uow.session, row)


tenancy_contracts = CaseFileKind(
    TenancyContract,
    Resource.TENANCY_CONTRACT,
    "tenancy_contract",
    _contract_columns,
    _check_contract,
)
judgments = CaseFileKind(
    EvictionJudgment, Resource.JUDGMENT, "eviction_judgment", _judgment_columns, _check_judgment
)
payment_arrangements = CaseFileKind(
    PaymentArrangement,
    Resource.PAYMENT_ARRANGEMENT,
    "payment_arrangement",
    _arrangement_columns,
    _check_arrangement,
)


def attach_pdf(
    kind: CaseFileKind[Any],
    row_id: int,
    data: bytes,
    *,
    deps: Deps,
    store: BlobStore,
    actor: Actor,
    now: datetime,
) -> str:
    """Keep the signed lease or the judgment as a PDF annex, rebuilt without scripts or files."""
    if kind.model not in (TenancyContract, EvictionJudgment):
        raise ValidationFailed.one("file", f"a {kind.name} has no PDF")
    with unit_of_work(deps, actor, now) as uow:
        kind.load(uow, row_id, Action.WRITE)  # refuse before the costly part
    clean = sanitize_pdf(data, max_bytes=deps.settings.max_upload_bytes)
    digest = store.put(clean)
    with unit_of_work(deps, actor, now) as uow:
        row = kind.load(uow, row_id, Action.WRITE)
        row.pdf_sha256 = digest
        detail = {"case": row.case_id, "sha256": digest}
        uow.audit(f"{kind.name}.attach_pdf", kind.name, row_id, detail)
    return digest
