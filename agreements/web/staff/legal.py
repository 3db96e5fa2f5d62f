"""The legal view's pages: the link-integrity report, dossiers one by one or in a batch, verify."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from agreements import tasks
from agreements.domain import text
from agreements.domain.enums import AgreementStatus, SigningRole
from agreements.domain.errors import NotFound
from agreements.domain.legal import JUDGMENT_AGE_MONTHS, JudgmentLevel, Level, SealState
from agreements.services.cases import names
from agreements.services.legal import integrity as legal
from agreements.services.legal.dossier_jobs import DossierJob
from agreements.services.signatures import verification
from agreements.web.deps import DepsDep, EngineDep, PathId, TaskId
from agreements.web.shared import report_csv, views
from agreements.web.shared.views import HEADERS
from agreements.web.staff.common import FormDep, StaffDep, StaffRoute, check_csrf, page, see_other

router = APIRouter(include_in_schema=False, route_class=StaffRoute)
PER_PAGE = 50
MAX_BATCH = 200  # as the API's batch
_ASSETS = {"legal.js": "text/javascript", "legal.css": "text/css"}

LEVEL_NL = {m: m.label for m in Level}
JUDGMENT_NL = {m: m.label for m in JudgmentLevel}
# Short in the table: the hint above it says when only the stored files were compared.
SEAL_NL = {**{m: m.label for m in SealState}, SealState.INTACT: "bestand ongewijzigd"}
# Sortable columns: the page's header text and the report's sort key.
COLUMNS = [  # the overall verdict early: it must be visible without scrolling sideways
    ("Zaak", "case_reference"),
    ("Huurder", "tenant_name"),
    ("Beoordeling", "status"),
    ("Vonnis", "judgment_age_days"),
    ("Naam en adres", "address_match"),
    ("Huurovereenkomst", "contract_number"),
    ("Ondertekening en zegel", "signatures"),
    ("Evaluaties", "reviews_overdue"),
    ("Overeenkomst", "agreement_status"),
]


@dataclass(frozen=True)
class ReportQuery:
    """The report's filters as the page's GET parameters; links keep them."""

    filters: legal.Filters
    seal_check: legal.SealCheck
    pagina: int

    def params(self, **changes: Any) -> dict[str, Any]:
        f = self.filters
        values: dict[str, Any] = {
            "q": f.q or "",
            "status": sorted(f.status),
            "judgment_level": sorted(f.judgment_level),
            "only_problems": "true" if f.only_problems else "",
            "include_drafts": "true" if f.include_drafts else "",
            "seal_check": "full" if self.seal_check == "full" else "",
            "sort": f.sort,
            "order": "desc" if f.descending else "asc",
            "pagina": self.pagina,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", [], None, 1)}

    def link(self, path: str = "/juridisch", **changes: Any) -> str:
        query = urlencode(self.params(**changes), doseq=True)
        return f"{path}?{query}" if query else path

    def sort_link(self, key: str) -> str:
        """The header's link: the other direction on the sorted column, else ascending."""
        asc = not (self.filters.sort == key and not self.filters.descending)
        return self.link(sort=key, order="asc" if asc else "desc", pagina=1)


def report_query(
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[list[str] | None, Query()] = None,
    judgment_level: Annotated[list[str] | None, Query()] = None,
    only_problems: Annotated[str, Query(max_length=5)] = "",
    include_drafts: Annotated[str, Query(max_length=5)] = "",
    seal_check: Annotated[str, Query(max_length=6)] = "",
    sort: Annotated[str, Query(max_length=30)] = "status",
    order: Annotated[str, Query(max_length=4)] = "desc",
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> ReportQuery:
    # Unknown values are dropped, not refused: a hand-edited URL still shows a page.
    filters = legal.Filters(
        include_drafts=include_drafts == "true",
        status=frozenset(s for s in status or () if s in legal.LEVELS),
        judgment_level=frozenset(j for j in judgment_level or () if j in legal.JUDGMENT_LEVELS),
        only_problems=only_problems == "true",
        q=q.strip() or None,
        sort=sort if sort in legal.SORT_KEYS else "status",
        descending=order != "asc",
    )
    return ReportQuery(filters, "full" if seal_check == "full" else "stored", pagina)


ReportDep = Annotated[ReportQuery, Depends(report_query)]


def _rows(staff: StaffDep, deps: DepsDep, engine: EngineDep, report: ReportQuery, **kw: Any) -> Any:
    return legal.integrity_report(
        deps=deps,
        actor=staff.actor,
        now=staff.now,
        filters=report.filters,
        seal_check=report.seal_check,
        store=engine.store,
        **kw,
    )


@router.get("/juridisch")
def integrity_page(
    staff: StaffDep, deps: DepsDep, engine: EngineDep, report: ReportDep
) -> Response:
    """The link-integrity report as a sortable, filterable table, a page at a time."""
    rows = _rows(staff, deps, engine, report)
    pages = max(1, -(-len(rows) // PER_PAGE))
    pagina = min(report.pagina, pages)
    shown = rows[(pagina - 1) * PER_PAGE : pagina * PER_PAGE]
    return page(
        "juridisch.html",
        deps,
        staff,
        rows=shown,
        total=len(rows),
        counts={level: sum(r.status == level for r in rows) for level in legal.LEVELS},
        pagina=pagina,
        pages=pages,
        report=report,
        columns=COLUMNS,
        levels=LEVEL_NL,
        judgment_levels=JUDGMENT_NL,
        seals=SEAL_NL,
        statuses={s.value: s.label for s in AgreementStatus},
        thresholds=sorted(deps.settings.judgment_age_months) or list(JUDGMENT_AGE_MONTHS),
    )


@router.get("/juridisch.csv")
def integrity_csv(staff: StaffDep, deps: DepsDep, engine: EngineDep, report: ReportDep) -> Response:
    """The same rows as the page (all pages), as the API's CSV for Dutch Excel."""
    rows = _rows(staff, deps, engine, report, audit_as="legal.integrity_csv")
    return report_csv.download(rows, staff.today)


def _pdf(data: bytes, case_id: int) -> Response:
    return views.pdf_download(data, f"dossier-{case_id}.pdf")


@router.get("/juridisch/zaken/{case_id}/dossier.pdf")
def case_dossier(case_id: PathId, staff: StaffDep, deps: DepsDep, engine: EngineDep) -> Response:
    """One case's sealed dossier, made now by the worker (a few seconds); when that takes
    longer than the wait, its progress page, as for a batch."""
    made = tasks.wait_for_dossier(case_id, deps=deps, actor=staff.actor, engine=engine)
    if isinstance(made, DossierJob):
        return see_other(_progress_link([made]))
    return _pdf(made, case_id)


@router.post("/juridisch/dossiers")
def queue_dossiers(staff: StaffDep, deps: DepsDep, form: FormDep) -> Response:
    """Queue a dossier per chosen case, then show their progress."""
    chosen = [v for v in form.getlist("case_id") if isinstance(v, str) and v.isdigit()]
    ids = list(dict.fromkeys(int(v) for v in chosen if 0 < int(v) < 2**31))
    if not ids or len(ids) > MAX_BATCH:
        text = (
            "Kies eerst een of meer zaken in de tabel."
            if not ids
            else f"Kies hoogstens {MAX_BATCH} zaken tegelijk."
        )
        return page("problem.html", deps, staff, 422, heading="Geen dossiers gemaakt", text=text)
    jobs = tasks.queue_dossiers(ids, deps=deps, actor=staff.actor)
    return see_other(_progress_link(jobs))


def _progress_link(jobs: list[DossierJob]) -> str:
    return "/juridisch/dossiers?" + urlencode([("taak", f"{j.case_id}.{j.task_id}") for j in jobs])


def _job_reason(job: DossierJob) -> str:
    """huey keeps the exception's text in English; say in Dutch what it means."""
    error = job.error.casefold()
    if "sealing key" in error:
        return "Er is geen sleutel om mee te verzegelen. Vraag de beheerder om hulp."
    if "notfound" in error or "not found" in error:
        return "De zaak bestaat niet (meer), of u mag hem niet zien."
    return "Het dossier kon niet worden gemaakt. Probeer het opnieuw of vraag de beheerder."


@router.get("/juridisch/dossiers")
def dossier_progress(
    staff: StaffDep,
    deps: DepsDep,
    taak: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """Each queued dossier's state; legal.js refreshes the list until every job is finished."""
    jobs = []
    for item in (taak or [])[:MAX_BATCH]:
        case_id, _, task_id = item.partition(".")
        if not case_id.isdigit() or len(task_id) != 36:
            raise NotFound("dossier job", item[:50])
        jobs.append(tasks.dossier_job(int(case_id), task_id, deps=deps, actor=staff.actor))
    done = sum(j.status != "queued" for j in jobs)
    response = page(
        "juridisch_dossiers.html",
        deps,
        staff,
        jobs=jobs,
        labels=names.case_labels(deps, {j.case_id for j in jobs}),
        reasons={j.task_id: _job_reason(j) for j in jobs if j.status == "failed"},
        done=done,
        ready=sum(j.status == "done" for j in jobs),
        again=_progress_link(jobs) if jobs else "/juridisch/dossiers",
    )
    # legal.js fetches this page again to update it; everything else stays as strict.
    response.headers["Content-Security-Policy"] = HEADERS["Content-Security-Policy"].replace(
        "default-src 'none';", "default-src 'none'; connect-src 'self';"
    )
    return response


@router.get("/juridisch/dossiers/{case_id}/{task_id}.pdf")
def finished_dossier(
    case_id: PathId, task_id: TaskId, staff: StaffDep, deps: DepsDep, engine: EngineDep
) -> Response:
    """A finished batch dossier (409 page while it is still being made)."""
    pdf = tasks.finished_dossier(
        case_id, task_id, deps=deps, actor=staff.actor, engine=engine, now=staff.now
    )
    return _pdf(pdf, case_id)


@router.get("/controleren")
def verify_form(staff: StaffDep, deps: DepsDep) -> Response:
    """Upload a PDF to see whether the service sealed it and nothing changed since."""
    return page("controleren.html", deps, staff, result=None, error="", limit=_limit(deps))


def _limit(deps: DepsDep) -> str:
    return f"{deps.settings.max_upload_bytes / 1_048_576:.0f} MB"


@router.post("/controleren")
async def verify_upload(request: Request, staff: StaffDep, deps: DepsDep) -> Response:
    """Check the uploaded PDF and show what it is, or in Dutch why it is not authentic."""
    form = await request.form(max_files=1, max_fields=5)
    check_csrf(staff, str(form.get("csrf", "")), deps)
    upload = form.get("bestand")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    error = ""
    if not data:
        error = "Kies een PDF-bestand om te controleren."
    elif len(data) > deps.settings.max_upload_bytes:
        error = f"Het bestand is te groot: hoogstens {_limit(deps)}."
    elif b"%PDF-" not in data[:1024]:
        error = "Dit is geen PDF-bestand. Kies een PDF, zoals een dossier of een overeenkomst."
    if error:
        return page(
            "controleren.html", deps, staff, 422, result=None, error=error, limit=_limit(deps)
        )
    # pyHanko's validation is synchronous and takes a moment: off the event loop.
    result = await run_in_threadpool(verification.verify, data, deps=deps)
    name = upload.filename if isinstance(upload, UploadFile) else ""
    return page(
        "controleren.html",
        deps,
        staff,
        result=result,
        summary=_summary(result.summary),
        sealed_by=verification.subject_nl(result.report.signer_subject),
        stamped_by=verification.subject_nl(result.report.timestamp_authority),
        error="",
        limit=_limit(deps),
        filename=text.shown(name or ""),  # never shown raw: U+202E would reverse it
    )


def _summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The verification's summary with times as datetimes and party roles in Dutch (the
    signing roles' glossary labels: woningcorporatie, coördinator, ...)."""

    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return {
        **summary,
        "sealed_at": when(summary.get("sealed_at")),
        "parties": [
            {**p, "role": SigningRole.label_of(p["role"]), "signed_at": when(p["signed_at"])}
            for p in summary.get("parties", [])
        ],
    }


@router.get("/assets/juridisch/{name}")
def asset(name: str) -> Response:
    """The legal pages' script and stylesheet (files: the CSP forbids inline code)."""
    return views.asset(name, _ASSETS)
