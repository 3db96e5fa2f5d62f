"""The link-integrity report: is every live agreement linked, matching, signed, sealed, on time."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from dateutil.relativedelta import relativedelta
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
from agreements.domain.enums import AgreementStatus, DocumentStatus, FinishStatus, RequestStatus
from agreements.domain.enums import ReviewOutcome as Outcome
from agreements.domain.errors import ValidationFailed
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.audit import log as audit
from agreements.services.context import Deps
from agreements.services.scope import restrict_to_visible
from signing.certs import load_pkcs12_certificate
from signing.verify import verify_pdf
from templates.filters import datum

LEVELS = ("ok", "warning", "problem")
JUDGMENT_LEVELS = ("none", "ok", "warning", "alarm")
SEALS = ("valid", "intact", "not_sealed", "no_document", "invalid")
LIVE = (AgreementStatus.ACTIVE, AgreementStatus.OUT_FOR_SIGNATURE)
SealCheck = Literal["full", "stored"]
_CHUNK = 1000  # ids per IN list: well under every driver's parameter limit
_REQUIRED = (RequestStatus.PENDING, RequestStatus.SIGNED, RequestStatus.DECLINED)


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
    judgment_level: str = "none"
    address_match: bool | None = None
    name_match: bool | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    version_id: int | None = None
    version_number: int | None = None
    signatures_required: int = 0
    signatures_signed: int = 0
    signatures_complete: bool = False
    seal: str = "no_document"
    reviews_overdue: int = 0
    breaches: list[Breach] = field(default_factory=list)
    status: str = "ok"
    findings: list[str] = field(default_factory=list)

    def flag(self, level: str, text: str) -> None:
        self.findings.append(text)
        if LEVELS.index(level) > LEVELS.index(self.status):
            self.status = level


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
    "status": lambda r: LEVELS.index(r.status),
    "case_reference": lambda r: r.case_reference,
    "tenant_name": lambda r: r.tenant_name.casefold(),
    "agreement_id": lambda r: r.agreement_id,
    "agreement_status": lambda r: r.agreement_status,
    "contract_number": lambda r: r.contract_number,
    "judgment_date": lambda r: r.judgment_date,
    "judgment_age_days": lambda r: r.judgment_age_days,
    "judgment_level": lambda r: JUDGMENT_LEVELS.index(r.judgment_level),
    "address_match": lambda r: r.address_match,
    "name_match": lambda r: r.name_match,
    "signatures": lambda r: (r.signatures_signed, r.signatures_required),
    "seal": lambda r: SEALS.index(r.seal),
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
    today = now.astimezone(deps.settings.zone).date()
    seals = _Seals(deps, store or BlobStore(deps.settings.effective_storage_dir), seal_check)
    with deps.db() as session:
        base = _base_query(actor, filters)
        rows = [_row(r, today, deps.settings.judgment_age_months) for r in session.execute(base)]
        ids = base.with_only_columns(Agreement.id, maintain_column_froms=True).order_by(None)
        by_id = {r.agreement_id: r for r in rows}
        _add_reviews(session, ids, by_id, today)
        versions = _current_versions(session, ids)
        data = _version_facts(session, [v[0] for v in versions.values()])
    for done, row in enumerate(rows, start=1):
        _check_document(row, versions.get(row.agreement_id), data, seals)
        _summarise(row)
        if on_progress is not None:
            on_progress(done, len(rows))
    rows = [r for r in rows if _kept(r, filters)]
    rows = _sorted(rows, filters.sort, filters.descending)
    if audit_as:
        with deps.db.begin() as session:
            audit.record(
                session,
                deps,
                actor=actor,
                action=audit_as,
                subject_type="report",
                subject_id="integrity",
                now=now,
                detail={"rows": len(rows), "cases": sorted({r.case_id for r in rows})},
            )
    return rows


def _base_query(actor: Actor, filters: Filters) -> Select[Any]:
    statuses = [*LIVE, AgreementStatus.DRAFT] if filters.include_drafts else list(LIVE)
    # Columns, not Case entities: a Case would pull its parties and representatives too.
    query: Select[Any] = (
        select(Agreement.id, Agreement.case_id, Agreement.status, Case.reference, Case.street)
        .add_columns(Case.house_number, Case.postcode, Person, TenancyContract, EvictionJudgment)
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


def _row(r: Any, today: date, age_months: list[int]) -> Row:
    tenant, contract, judgment = r.Person, r.TenancyContract, r.EvictionJudgment
    row = Row(r.case_id, r.reference or str(r.case_id), tenant.name, r.id, r.status.value)
    if r.status is AgreementStatus.DRAFT:
        row.flag("warning", "De overeenkomst is nog een concept.")
    if contract is None:
        row.flag("problem", "Er is geen huurovereenkomst gekoppeld.")
    else:
        row.contract_linked, row.contract_number = True, contract.contract_number
        row.contract_address = _address(contract.street, contract.house_number, contract.postcode)
        if contract.case_id != r.case_id:
            row.flag("problem", "De gekoppelde huurovereenkomst hoort bij een ander traject.")
    if judgment is None:
        row.flag("problem", "Er is geen ontruimingsvonnis gekoppeld.")
    else:
        row.judgment_linked, row.judgment_court = True, judgment.court
        row.judgment_case_number, row.judgment_ecli = judgment.case_number, judgment.ecli
        row.judgment_date, row.judgment_served_date = judgment.judgment_date, judgment.served_date
        if judgment.case_id != r.case_id:
            row.flag("problem", "Het gekoppelde vonnis hoort bij een ander traject.")
        _judgment_age(row, judgment.judgment_date, today, sorted(age_months))
    _compare_addresses(row, (r.street, r.house_number, r.postcode), tenant, contract)
    # The judgment names the tenant only in its free text; there is no field to compare.
    row.comparisons.append(
        Comparison("naam huurder in vonnis", "niet mogelijk", "het vonnis heeft geen naamveld")
    )
    return row


def _judgment_age(row: Row, given: date, today: date, months: list[int]) -> None:
    age = relativedelta(today, given)
    row.judgment_age_days = (today - given).days
    row.judgment_age_months = age.years * 12 + age.months
    warn, alarm = (months[0], months[-1]) if months else (9, 11)
    when = f"Het vonnis van {datum(given)} is {row.judgment_age_months} maanden oud"
    if row.judgment_age_months >= alarm:
        row.judgment_level = "alarm"
        row.flag(
            "problem",
            f"{when}: ongeveer een jaar na het vonnis is uitvoeren in beginsel misbruik van "
            "recht. Overleg met de corporatie over een nieuw vonnis.",
        )
    elif row.judgment_age_months >= warn:
        row.judgment_level = "warning"
        row.flag("warning", f"{when}: let op, na ongeveer een jaar is het niet meer bruikbaar.")
    else:
        row.judgment_level = "ok"


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


Address = tuple[str | None, str | None, str | None]  # street, house number, postcode


def _address(street: str | None, number: str | None, postcode: str | None) -> str:
    return f"{street or ''} {number or ''}, {postcode or ''}".strip(" ,")


def _compare(row: Row, subject: str, left: Address, right: Address) -> bool:
    same = normal_address(*left) == normal_address(*right)
    detail = "" if same else f"{_address(*left)} / {_address(*right)}"
    row.comparisons.append(Comparison(subject, "gelijk" if same else "verschilt", detail))
    return same


def _same_text(row: Row, subject: str, said: str, known: str | None) -> bool:
    same = normal_text(said) == normal_text(known)
    detail = "" if same else f"{said} / {known}"
    row.comparisons.append(Comparison(subject, "gelijk" if same else "verschilt", detail))
    return same


def _compare_addresses(row: Row, case: Address, tenant: Person, contract: Any) -> None:
    subject = "adres traject en huurovereenkomst"
    if contract is None:
        row.comparisons.append(Comparison(subject, "niet mogelijk", "geen huurovereenkomst"))
        return
    leased = (contract.street, contract.house_number, contract.postcode)
    if not _compare(row, subject, case, leased):
        row.flag(
            "problem",
            f"Het adres van het traject ({_address(*case)}) verschilt van het adres in de "
            f"huurovereenkomst ({_address(*leased)}).",
        )
    home = (tenant.street, tenant.house_number, tenant.postcode)
    if tenant.street and not _compare(row, "adres huurder en huurovereenkomst", home, leased):
        row.flag(
            "warning",
            f"Het adres van de huurder ({_address(*home)}) verschilt van het adres in de "
            f"huurovereenkomst ({_address(*leased)}).",
        )


def _add_reviews(session: Session, ids: Select[Any], rows: dict[int, Row], today: date) -> None:
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
    for row in rows.values():
        if row.reviews_overdue:
            row.flag(
                "warning",
                f"{row.reviews_overdue} evaluatie(s) te laat: de vervaldatum is voorbij en er "
                "is geen evaluatie vastgelegd.",
            )
        for breach in row.breaches:
            held = datum(breach.held_date) if breach.held_date else "onbekende datum"
            row.flag(
                "warning",
                f"Afspraken niet nagekomen volgens evaluatie {breach.review_number} van {held}.",
            )


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
        self.cache: dict[str, tuple[str, str]] = {}
        path = deps.settings.effective_seal_pkcs12
        password = deps.settings.effective_seal_password
        self.trusted = [load_pkcs12_certificate(path, password)] if path.exists() else []

    def check(self, digest: str) -> tuple[str, str]:
        if digest not in self.cache:
            self.cache[digest] = self._check(digest)
        return self.cache[digest]

    def _check(self, digest: str) -> tuple[str, str]:
        try:
            pdf = self.store.get(digest)  # refuses a file whose bytes no longer match
        except (OSError, ValueError):
            return "invalid", "het verzegelde bestand ontbreekt of is beschadigd"
        if self.mode == "stored":
            return "intact", ""
        report = verify_pdf(pdf, trusted_certs=self.trusted, known_hash=digest.__eq__)
        return ("valid", "") if report.ok else ("invalid", report.reason_nl)


def _check_document(row: Row, current: Current | None, facts: _Facts, seals: _Seals) -> None:
    live = row.agreement_status != AgreementStatus.DRAFT.value
    active = row.agreement_status == AgreementStatus.ACTIVE.value
    if current is None:
        row.flag("problem" if active else "warning", "Er is nog geen document van de overeenkomst.")
        row.comparisons.append(Comparison("naam huurder in overeenkomst", "niet mogelijk"))
        return
    version_id, number, finish, sealed = current
    row.version_id, row.version_number = version_id, number
    row.signatures_required = facts.required.get(version_id, 0)
    row.signatures_signed = facts.signed.get(version_id, 0)
    row.signatures_complete = 0 < row.signatures_required == row.signatures_signed
    _compare_document(row, facts.data.get(version_id) or {})
    if not row.signatures_required:
        row.seal = "not_sealed"
        if live:
            row.flag("problem", f"Versie {number} is niet ter ondertekening verstuurd.")
    elif not row.signatures_complete:
        row.seal = "not_sealed"
        row.flag(
            "problem" if active else "warning",
            f"Versie {number} is nog niet door iedereen ondertekend: "
            f"{row.signatures_signed} van {row.signatures_required} handtekeningen.",
        )
    elif finish is not FinishStatus.DONE or sealed is None:
        row.seal = "not_sealed"
        row.flag(
            "warning", f"Versie {number} is ondertekend maar nog niet verzegeld ({finish.label})."
        )
    else:
        row.seal, reason = seals.check(sealed)
        if row.seal == "invalid":
            row.flag("problem", f"Het zegel van versie {number} is niet geldig: {reason}")


def _compare_document(row: Row, data: dict[str, Any]) -> None:
    """What the agreement's text says against what the records say now."""
    named = str((data.get("tenant") or {}).get("name", ""))
    subject = "naam huurder in overeenkomst"
    if not named:  # a template that does not name the tenant: nothing to compare
        row.comparisons.append(Comparison(subject, "niet mogelijk", "geen naam in het document"))
    elif not _same_text(row, subject, named, row.tenant_name):
        row.flag(
            "problem",
            f"De naam van de huurder in de overeenkomst ({named}) verschilt van de naam in "
            f"het dossier ({row.tenant_name}).",
        )
    tenancy, judgment = data.get("tenancy") or {}, data.get("judgment") or {}
    if row.contract_linked and tenancy:
        said = str(tenancy.get("contract_number", ""))
        if not _same_text(row, "huurovereenkomst in overeenkomst", said, row.contract_number):
            row.flag(
                "problem",
                f"De overeenkomst noemt huurovereenkomst {said}, maar gekoppeld is "
                f"{row.contract_number}.",
            )
        said = f"{tenancy.get('address', '')}, {tenancy.get('postal_code', '')}"
        if not _same_text(row, "adres in overeenkomst", said, row.contract_address):
            row.flag(
                "problem",
                f"De overeenkomst noemt het adres {said}, maar de huurovereenkomst "
                f"{row.contract_address}.",
            )
    if row.judgment_linked and judgment:
        said = str(judgment.get("case_number", ""))
        if not _same_text(row, "vonnis in overeenkomst", said, row.judgment_case_number):
            row.flag(
                "problem",
                f"De overeenkomst noemt het vonnis met zaaknummer {said}, maar gekoppeld is "
                f"{row.judgment_case_number}.",
            )


def _summarise(row: Row) -> None:
    """Match flags: None when no comparison of that kind was possible."""
    for attribute, prefix in (("address_match", "adres"), ("name_match", "naam")):
        done = [c for c in row.comparisons if c.subject.startswith(prefix)]
        done = [c for c in done if c.outcome != "niet mogelijk"]
        setattr(row, attribute, all(c.outcome == "gelijk" for c in done) if done else None)


def _kept(row: Row, f: Filters) -> bool:
    if f.only_problems and row.status != "problem":
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
