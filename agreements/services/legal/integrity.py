"""The link-integrity report: is every live agreement linked, matching, signed, sealed, on time.

The checks and their levels are the domain's (agreements.domain.legal); this module reads
the records for them in a fixed handful of queries, checks the seals, filters and sorts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from agreements.db.blobs import BlobStore
from agreements.db.models import (
    Agreement,
    Case,
    Document,
    DocumentVersion,
    EvictionJudgment,
    Person,
    Review,
    SignatureRequest,
    TenancyContract,
)
from agreements.domain import legal as rules
from agreements.domain import route
from agreements.domain.enums import AgreementStatus, DocumentStatus, FinishStatus, RequestStatus
from agreements.domain.enums import ReviewOutcome as Outcome
from agreements.domain.errors import ValidationFailed
from agreements.domain.legal import Breach, JudgmentLevel, Level, Row, SealState
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.cases import duplicates
from agreements.services.context import Deps
from agreements.services.legal import decisions
from agreements.services.scope import restrict_to_visible
from agreements.services.signatures.verification import our_certificate, trust_roots
from agreements.services.uow import unit_of_work
from signing.verify import verify_pdf

__all__ = ["JUDGMENT_LEVELS", "LEVELS", "Filters", "Row", "SealCheck", "integrity_report"]

LEVELS = tuple(Level)
JUDGMENT_LEVELS = tuple(JudgmentLevel)
SEALS = tuple(SealState)
LIVE = (AgreementStatus.ACTIVE, AgreementStatus.OUT_FOR_SIGNATURE)
SealCheck = Literal["full", "stored"]
_CHUNK = 1000  # ids per IN list: well under every driver's parameter limit
_REQUIRED = (
    RequestStatus.PENDING,
    RequestStatus.PAUSED,
    RequestStatus.SIGNED,
    RequestStatus.DECLINED,
)


@dataclass(frozen=True)
class Filters:
    """What to show and in which order; every field is optional."""

    include_drafts: bool = False
    status: frozenset[str] = frozenset()  # overall levels to keep; empty: all
    judgment_level: frozenset[str] = frozenset()
    only_problems: bool = False
    q: str | None = None  # part of the tenant's name or the case reference
    case_id: int | None = None
    sort: str = "status"
    descending: bool = False


SORT_KEYS: dict[str, Callable[[Row], Any]] = {
    "status": lambda r: LEVELS.index(Level(r.status)),
    "case_reference": lambda r: r.case_reference,
    "tenant_name": lambda r: r.tenant_name.casefold(),
    "agreement_id": lambda r: r.agreement_id,
    "agreement_status": lambda r: r.agreement_status,
    "contract_number": lambda r: r.contract_number,
    "judgment_date": lambda r: r.judgment_date,
    "judgment_age_days": lambda r: r.judgment_age_days,
    "judgment_level": lambda r: JUDGMENT_LEVELS.index(JudgmentLevel(r.judgment_level)),
    "address_match": lambda r: r.address_match,
    "name_match": lambda r: r.name_match,
    "signatures": lambda r: (r.signatures_signed, r.signatures_required),
    "seal": lambda r: SEALS.index(SealState(r.seal)),
    "reviews_overdue": lambda r: r.reviews_overdue,
    "breaches": lambda r: len(r.breaches),
    "findings": lambda r: len(r.findings),
}


def integrity_report(
    *,
    deps: Deps,
    actor: Actor,
    now: datetime,
    filters: Filters | None = None,
    seal_check: SealCheck = "full",
    store: BlobStore | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    audit_as: str | None = "legal.integrity_report",
) -> list[Row]:
    """Every live agreement the actor may see, checked; a fixed handful of queries for any size.

    `seal_check` "full" validates each stored seal with pyHanko; "stored" only checks that
    the sealed file is still in the store unchanged (fast, for thousands of agreements)."""
    filters = filters or Filters()
    if filters.sort not in SORT_KEYS:
        raise ValidationFailed.one("sort", f"unknown column; choose from {', '.join(SORT_KEYS)}")
    for resource in (Resource.AGREEMENT, Resource.TENANCY_CONTRACT, Resource.JUDGMENT):
        authorize(actor, Action.READ, resource)
    authorize(actor, Action.READ, Resource.REVIEW)
    today = deps.today(now)
    age = deps.settings.judgment_age
    seals = _Seals(deps, store or BlobStore(deps.settings.effective_storage_dir), seal_check)
    with deps.db() as session:
        base = _base_query(actor, filters)
        found = list(session.execute(base))
        decided = decisions.latest(session, deps, [r.id for r in found])
        rows = [_row(r, today, age, decided.get(r.id)) for r in found]
        _flag_shared_numbers(session, rows)
        ids = base.with_only_columns(Agreement.id, maintain_column_froms=True).order_by(None)
        _add_reviews(session, ids, {r.agreement_id: r for r in rows}, today)
        versions = _current_versions(session, ids)
        facts = _version_facts(session, [v[0] for v in versions.values()])
    for done, row in enumerate(rows, start=1):
        rules.check_reviews(row)
        rules.check_document(row, facts.version(versions.get(row.agreement_id)), seals.check)
        rules.summarise(row)
        if on_progress is not None:
            on_progress(done, len(rows))
    rows = [r for r in rows if _kept(r, filters)]
    rows = _sorted(rows, filters.sort, filters.descending)
    if audit_as:
        with unit_of_work(deps, actor, now) as uow:
            cases = sorted({r.case_id for r in rows})
            uow.audit(audit_as, "report", "integrity", {"rows": len(rows), "cases": cases})
    return rows


def _base_query(actor: Actor, filters: Filters) -> Select[Any]:
    statuses = [*LIVE, AgreementStatus.DRAFT] if filters.include_drafts else list(LIVE)
    # Columns, not Case entities: a Case would pull its parties and representatives too.
    query: Select[Any] = (
        select(Agreement.id, Agreement.case_id, Agreement.status, Case.reference, Case.street)
        .add_columns(Case.house_number, Case.postcode, Person, TenancyContract, EvictionJudgment)
        .add_columns(Agreement.legal_route, Agreement.start_date, Agreement.end_date)
        .join(Case, Case.id == Agreement.case_id)
        .join(Person, Person.id == Case.tenant_id)
        .outerjoin(TenancyContract, TenancyContract.id == Agreement.tenancy_contract_id)
        .outerjoin(EvictionJudgment, EvictionJudgment.id == Agreement.eviction_judgment_id)
        .where(Agreement.status.in_(statuses))
    )
    if filters.case_id is not None:
        query = query.where(Agreement.case_id == filters.case_id)
    if filters.q:
        needle = filters.q.lower()
        query = query.where(
            or_(
                func.lower(Person.name).contains(needle, autoescape=True),
                func.lower(Case.reference).contains(needle, autoescape=True),
            )
        )
    return restrict_to_visible(query, Agreement.case_id, actor).order_by(Agreement.id)


def _row(r: Any, today: Any, age: rules.JudgmentAge, decision: route.Decision | None) -> Row:
    """The agreement's records on a row, with the findings of its links and addresses, its
    route against its judgment and term, and the decision an old judgment needs."""
    tenant, contract, judgment = r.Person, r.TenancyContract, r.EvictionJudgment
    row = Row(r.case_id, r.reference or str(r.case_id), tenant.name, r.id, r.status.value)
    leased = None
    if contract is not None:
        row.contract_linked, row.contract_number = True, contract.contract_number
        leased = (contract.street, contract.house_number, contract.postcode)
        row.contract_address = rules.address_text(*leased)
    if judgment is not None:
        row.judgment_linked, row.judgment_court = True, judgment.court
        row.judgment_case_number, row.judgment_ecli = judgment.case_number, judgment.ecli
        row.judgment_date, row.judgment_served_date = judgment.judgment_date, judgment.served_date
    rules.check_links(
        row,
        draft=r.status is AgreementStatus.DRAFT,
        contract_case_id=contract.case_id if contract is not None else None,
        judgment_case_id=judgment.case_id if judgment is not None else None,
        today=today,
        age=age,
        in_reserve=route.judgment_in_reserve(r.legal_route),
        decided=decision is not None,
    )
    dissolving = judgment is not None and route.dissolves(judgment.operative_decision)
    route.check_route(row, r.legal_route, dissolving=dissolving, start=r.start_date, end=r.end_date)
    route.check_decision(row, r.legal_route, decision, today, age)
    home = (tenant.street, tenant.house_number, tenant.postcode)
    rules.compare_addresses(row, (r.street, r.house_number, r.postcode), home, leased)
    return row


# A number on more than one case (services/cases/duplicates.py): a judgment belongs to one
# tenancy, so sharing it is a problem; a lease may carry a second trajectory, so a warning.
_SHARED = (
    ("contract_number", Level.WARNING, "Het huurcontractnummer"),
    ("case_number", Level.PROBLEM, "Het zaaknummer van het vonnis"),
)


def _flag_shared_numbers(session: Session, rows: list[Row]) -> None:
    for field_name, level, what in _SHARED:
        found = duplicates.shared(session, field_name)
        for row in rows:
            shown = row.contract_number if field_name == "contract_number" else None
            number = shown or (row.judgment_case_number if field_name == "case_number" else None)
            others = set(found.get(duplicates.key_of(number or ""), {})) - {row.case_id}
            if number and others:
                many = "ander traject" if len(others) == 1 else "andere trajecten"
                row.flag(level, f"{what} {number} staat ook bij {len(others)} {many}.")


def _add_reviews(session: Session, ids: Select[Any], rows: dict[int, Row], today: Any) -> None:
    overdue = and_(Review.held_date.is_(None), Review.due_date < today)
    query = (
        select(Review.agreement_id, Review.number, Review.due_date, Review.held_date, overdue)
        .where(Review.agreement_id.in_(ids), or_(overdue, Review.outcome == Outcome.BREACH))
        .order_by(Review.agreement_id, Review.number)
    )
    for agreement_id, number, due, held_on, is_overdue in session.execute(query):
        row = rows[agreement_id]
        if is_overdue:
            row.reviews_overdue += 1
        else:
            row.breaches.append(Breach(number, due, held_on))


# agreement id -> (version id, number, finish status, sealed sha256)
Current = tuple[int, int, FinishStatus, str | None]


def _current_versions(session: Session, ids: Select[Any]) -> dict[int, Current]:
    """The latest ready version of each agreement's document: what the parties must sign."""
    query = (
        select(
            Document.subject_id,
            DocumentVersion.id,
            DocumentVersion.number,
            DocumentVersion.finish_status,
            DocumentVersion.sealed_sha256,
        )
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(
            Document.subject_type == "agreement",
            Document.kind == "agreement",
            Document.subject_id.in_(ids),
            DocumentVersion.status == DocumentStatus.READY,
        )
        .order_by(DocumentVersion.number)
    )
    return {
        agreement_id: (vid, n, fs, sealed)
        for agreement_id, vid, n, fs, sealed in session.execute(query)
    }


@dataclass
class _Facts:
    data: dict[int, dict[str, Any]] = field(default_factory=dict)
    required: dict[int, int] = field(default_factory=dict)
    signed: dict[int, int] = field(default_factory=dict)

    def version(self, current: Current | None) -> rules.Version | None:
        if current is None:
            return None
        vid, number, finish, sealed = current
        required, signed = self.required.get(vid, 0), self.signed.get(vid, 0)
        data = self.data.get(vid) or {}
        return rules.Version(vid, number, finish, sealed, required, signed, data)


def _chunks(items: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _version_facts(session: Session, version_ids: Sequence[int]) -> _Facts:
    facts = _Facts()
    for chunk in _chunks(version_ids):
        query = select(DocumentVersion.id, DocumentVersion.data).where(
            DocumentVersion.id.in_(chunk)
        )
        facts.data.update({vid: data for vid, data in session.execute(query)})
        counts = (
            select(SignatureRequest.version_id, SignatureRequest.status, func.count())
            .where(SignatureRequest.version_id.in_(chunk))
            .group_by(SignatureRequest.version_id, SignatureRequest.status)
        )
        for vid, status, count in session.execute(counts):
            if status in _REQUIRED:
                facts.required[vid] = facts.required.get(vid, 0) + count
            if status is RequestStatus.SIGNED:
                facts.signed[vid] = count
    return facts


class _Seals:
    """Seal checks, each file once per report (content-addressed: same hash, same verdict)."""

    def __init__(self, deps: Deps, store: BlobStore, mode: SealCheck) -> None:
        self.store, self.mode = store, mode
        self.cache: dict[str, tuple[SealState, str]] = {}
        path = deps.settings.effective_seal_pkcs12
        password = deps.settings.effective_seal_password
        self.trusted = [our_certificate(path, password)] if path.exists() else []
        self.roots = trust_roots(deps)

    def check(self, digest: str) -> tuple[SealState, str]:
        if digest not in self.cache:
            self.cache[digest] = self._check(digest)
        return self.cache[digest]

    def _check(self, digest: str) -> tuple[SealState, str]:
        try:
            pdf = self.store.get(digest)  # refuses a file whose bytes no longer match
        except (OSError, ValueError):
            return SealState.INVALID, "het verzegelde bestand ontbreekt of is beschadigd"
        if self.mode == "stored":
            return SealState.INTACT, ""
        report = verify_pdf(
            pdf, trusted_certs=self.trusted, trust_roots=self.roots, known_hash=digest.__eq__
        )
        return (SealState.VALID, "") if report.ok else (SealState.INVALID, report.reason_nl)


def _kept(row: Row, f: Filters) -> bool:
    if f.only_problems and row.status != Level.PROBLEM:
        return False
    if f.status and row.status not in f.status:
        return False
    return not (f.judgment_level and row.judgment_level not in f.judgment_level)


def _sorted(rows: Iterable[Row], sort: str, descending: bool) -> list[Row]:
    key = SORT_KEYS[sort]
    rows = sorted(rows, key=lambda r: (r.case_reference, r.agreement_id))
    known = [r for r in rows if key(r) is not None]
    unknown = [r for r in rows if key(r) is None]  # always last, whichever the direction
    return sorted(known, key=key, reverse=descending) + unknown
