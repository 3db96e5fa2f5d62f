"""The legal view over HTTP: the link-integrity report as JSON or CSV, and a case's dossier."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from huey.exceptions import ResultTimeout, TaskException
from pydantic import BaseModel, Field

from agreements import tasks
from agreements.domain.errors import Conflict, Forbidden, NotFound
from agreements.domain.policy import Action, Actor, Resource
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.inputs import Id, Input
from agreements.services.legal import integrity as legal
from agreements.services.scope import case_for
from agreements.web.deps import ActorDep, DepsDep, EngineDep, NowDep, PathId, Search, TaskId
from agreements.web.problems import responses

router = APIRouter(tags=["legal"])

Level = Literal["ok", "warning", "problem"]
JudgmentLevel = Literal["none", "ok", "warning", "alarm"]
SORT_PATTERN = "^(" + "|".join(legal.SORT_KEYS) + ")$"


class ReportOut(BaseModel):
    generated_at: datetime
    total: int
    counts: dict[str, int]
    items: list[legal.Row]


def _filters(
    include_drafts: Annotated[bool, Query(description="Also concept agreements")] = False,
    status: Annotated[list[Level] | None, Query(description="Overall levels to keep")] = None,
    judgment_level: Annotated[
        list[JudgmentLevel] | None, Query(description="Judgment age levels to keep")
    ] = None,
    only_problems: bool = False,
    q: Search = None,
    sort: Annotated[str, Query(pattern=SORT_PATTERN, description="Column to sort by")] = "status",
    order: Literal["asc", "desc"] = "desc",
) -> legal.Filters:
    return legal.Filters(
        include_drafts=include_drafts,
        status=frozenset(status or ()),
        judgment_level=frozenset(judgment_level or ()),
        only_problems=only_problems,
        q=q,
        sort=sort,
        descending=order == "desc",
    )


FiltersDep = Annotated[legal.Filters, Depends(_filters)]
SealCheck = Annotated[
    Literal["full", "stored"],
    Query(
        description="full: validate every seal with pyHanko; stored: only check that the "
        "sealed file is kept unchanged (fast for thousands of agreements)"
    ),
]


@router.get("/legal/integrity", response_model=ReportOut)
def integrity(
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    filters: FiltersDep,
    seal_check: SealCheck = "full",
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ReportOut:
    """Every live agreement: links, matches, judgment age, signatures, seal, reviews, breaches."""
    rows = legal.integrity_report(
        deps=deps, actor=actor, now=now, filters=filters, seal_check=seal_check, store=engine.store
    )
    counts = {level: sum(r.status == level for r in rows) for level in legal.LEVELS}
    end = None if limit is None else offset + limit
    return ReportOut(generated_at=now, total=len(rows), counts=counts, items=rows[offset:end])


@router.get(
    "/legal/integrity.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def integrity_csv(
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    filters: FiltersDep,
    seal_check: SealCheck = "full",
) -> Response:
    """The same report as CSV for Dutch Excel: `;`, UTF-8 with BOM, formulas neutralised."""
    rows = legal.integrity_report(
        deps=deps,
        actor=actor,
        now=now,
        filters=filters,
        seal_check=seal_check,
        store=engine.store,
        audit_as="legal.integrity_csv",
    )
    name = f"koppelingen-{now.astimezone(deps.settings.zone):%Y-%m-%d}.csv"
    return Response(
        to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


_YES_NO = {True: "ja", False: "nee", None: "niet te vergelijken"}
_LEVEL = {"ok": "in orde", "warning": "waarschuwing", "problem": "probleem"}
_JUDGMENT = {"none": "geen vonnis", "ok": "in orde", "warning": "waarschuwing", "alarm": "alarm"}
_SEAL = {
    "valid": "geldig",
    "intact": "bestand ongewijzigd (zegel niet gecontroleerd)",
    "not_sealed": "niet verzegeld",
    "no_document": "geen document",
    "invalid": "ongeldig",
}
COLUMNS = [
    "Kenmerk", "Huurder", "Overeenkomst", "Status overeenkomst", "Huurovereenkomst gekoppeld",
    "Huurovereenkomst", "Vonnis gekoppeld", "Rechtbank", "Zaaknummer", "Datum vonnis",
    "Ouderdom vonnis (dagen)", "Ouderdom vonnis (maanden)", "Termijn vonnis", "Adres gelijk",
    "Naam gelijk", "Vergelijkingen", "Versie", "Handtekeningen", "Zegel", "Evaluaties te laat",
    "Niet nagekomen (evaluaties)", "Beoordeling", "Bevindingen",
]  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Dutch dates; text that a spreadsheet would run as a formula starts with a quote."""
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return "" if value is None else value


def _line(r: legal.Row) -> list[object]:
    return [
        r.case_reference, r.tenant_name, r.agreement_id, r.agreement_status,
        _YES_NO[r.contract_linked], r.contract_number, _YES_NO[r.judgment_linked],
        r.judgment_court, r.judgment_case_number, r.judgment_date, r.judgment_age_days,
        r.judgment_age_months, _JUDGMENT[r.judgment_level], _YES_NO[r.address_match],
        _YES_NO[r.name_match],
        " | ".join(f"{c.subject}: {c.outcome}" for c in r.comparisons),
        r.version_number, f"{r.signatures_signed} van {r.signatures_required}", _SEAL[r.seal],
        r.reviews_overdue,
        " | ".join(f"evaluatie {b.review_number} ({b.held_date or b.due_date:%d-%m-%Y})"
                   for b in r.breaches),
        _LEVEL[r.status], " | ".join(r.findings),
    ]  # fmt: skip


def to_csv(rows: list[legal.Row]) -> bytes:
    """RFC 4180 quoting, `;` between cells and a BOM, which Dutch Excel needs to read UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([_cell(v) for v in _line(r)] for r in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class BatchIn(Input):
    case_ids: list[Id] = Field(min_length=1, max_length=200)


class JobOut(BaseModel):
    case_id: int
    task_id: str
    status: Literal["queued", "done", "failed"]
    sha256: str | None = None
    error: str = ""


@router.post(
    "/legal/dossiers",
    response_model=list[JobOut],
    status_code=202,
    responses=responses(403, 404),
)
def queue_dossiers(body: BatchIn, actor: ActorDep, deps: DepsDep) -> list[JobOut]:
    """Queue dossiers for many cases at once; poll each job, then download it."""
    return [
        _job(case_id, task_id, deps, actor)
        for case_id, task_id in _queue(body.case_ids, actor, deps)
    ]


def _queue(case_ids: list[int], actor: Actor, deps: Deps) -> list[tuple[int, str]]:
    """Queue a dossier per case, each case once; the scope of all is checked before any."""
    with deps.db() as session:
        for case_id in case_ids:  # refuse the whole batch before queueing any of it
            case_for(session, actor, case_id, Action.READ, Resource.AGREEMENT)
    if actor.user_id is None:
        raise Forbidden("only a staff user can queue dossiers")
    return [
        (case_id, tasks.build_dossier(case_id, actor.user_id).id)
        for case_id in dict.fromkeys(case_ids)
    ]


def wait_for_dossier(
    case_id: int, actor: Actor, deps: Deps, engine: DocumentEngine
) -> bytes | JobOut:
    """Queue one case's dossier and wait for the worker at most `dossier_wait_seconds`: the
    sealed PDF, or the job while it is still being made. The web process never converts;
    a failure the worker ran into is raised here as the same error."""
    ((_, task_id),) = _queue([case_id], actor, deps)
    wait = deps.settings.dossier_wait_seconds
    try:
        value = tasks.huey.result(task_id, blocking=wait > 0, timeout=wait, preserve=True)
    except ResultTimeout:
        value = None
    except TaskException as exc:  # a bug in the task, not a refusal: the 500 it always was
        raise RuntimeError(f"dossier task failed: {exc.metadata.get('error', '')}") from None
    if value is None:
        return JobOut(case_id=case_id, task_id=task_id, status="queued")
    if value.get("failed"):
        raise tasks.dossier_error(value["failed"], case_id)
    return engine.store.get(value["sha256"])


def _job(case_id: int, task_id: str, deps: Deps, actor: Actor) -> JobOut:
    try:
        value = tasks.huey.result(task_id, preserve=True)
    except TaskException as exc:
        return JobOut(
            case_id=case_id,
            task_id=task_id,
            status="failed",
            error=str(exc.metadata.get("error", "")) or "failed",
        )
    if value is None:
        return JobOut(case_id=case_id, task_id=task_id, status="queued")
    if value.get("case_id") != case_id:  # a job of another case: not this actor's business
        raise NotFound("dossier job", task_id)
    if failed := value.get("failed"):
        error = f"{failed.get('error', '')}: {failed.get('detail', '')}"
        return JobOut(case_id=case_id, task_id=task_id, status="failed", error=error)
    return JobOut(case_id=case_id, task_id=task_id, status="done", sha256=value["sha256"])


@router.get(
    "/legal/dossiers/{case_id}/{task_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **responses(409)},
)
def dossier_job_pdf(
    case_id: PathId,
    task_id: TaskId,
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
) -> Response:
    """The finished dossier of a queued job."""
    job = dossier_job(case_id, task_id, actor, deps)
    if job.status != "done" or job.sha256 is None:
        raise Conflict(f"the dossier is not ready ({job.status})")
    return Response(
        engine.store.get(job.sha256),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="dossier-{case_id}.pdf"'},
    )


@router.get("/legal/dossiers/{case_id}/{task_id}", response_model=JobOut)
def dossier_job(
    case_id: PathId,
    task_id: TaskId,
    actor: ActorDep,
    deps: DepsDep,
) -> JobOut:
    """A queued dossier's progress: queued, done (with its hash) or failed with the reason."""
    with deps.db() as session:
        case_for(session, actor, case_id, Action.READ, Resource.AGREEMENT)
    job = _job(case_id, task_id, deps, actor)
    return job


@router.get(
    "/cases/{case_id}/dossier.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The sealed dossier"},
        202: {
            "model": JobOut,
            "description": "Not made within `dossier_wait_seconds`: the queued job; "
            "poll `Location`, then download `Location` + `.pdf`",
            "headers": {
                "Location": {"description": "The job's address", "schema": {"type": "string"}}
            },
        },
        **responses(403, 409, 502, 503),
    },
)
def case_dossier(case_id: PathId, actor: ActorDep, deps: DepsDep, engine: EngineDep) -> Response:
    """The sealed court-ready dossier of one case, made now by the worker (a few seconds);
    when it takes longer than the wait, 202 with the job to poll, as for a batch."""
    made = wait_for_dossier(case_id, actor, deps, engine)
    if isinstance(made, JobOut):
        return JSONResponse(
            made.model_dump(mode="json"),
            status_code=202,
            headers={"Location": f"/api/v1/legal/dossiers/{case_id}/{made.task_id}"},
        )
    return Response(
        made,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="dossier-{case_id}.pdf"'},
    )
