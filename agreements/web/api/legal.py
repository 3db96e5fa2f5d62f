"""The legal view over HTTP: the link-integrity report as JSON or CSV, and a case's dossier."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from agreements import tasks
from agreements.services.inputs import Id, Input
from agreements.services.legal import integrity as legal
from agreements.services.legal.dossier_jobs import DossierJob
from agreements.web.deps import ActorDep, DepsDep, EngineDep, NowDep, PathId, Search, TaskId
from agreements.web.problems import responses
from agreements.web.shared import report_csv
from agreements.web.shared.views import pdf_download

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


def _report(
    actor: ActorDep, deps: DepsDep, engine: EngineDep, now: NowDep, filters: FiltersDep
) -> partial[list[legal.Row]]:
    """The report this request asks for, made when called: once every parameter is valid."""
    return partial(
        legal.integrity_report,
        deps=deps,
        actor=actor,
        now=now,
        filters=filters,
        store=engine.store,
    )


ReportDep = Annotated[partial[list[legal.Row]], Depends(_report)]


@router.get("/legal/integrity", response_model=ReportOut)
def integrity(
    report: ReportDep,
    now: NowDep,
    seal_check: SealCheck = "full",
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ReportOut:
    """Every live agreement: links, matches, judgment age, signatures, seal, reviews, breaches."""
    rows = report(seal_check=seal_check)
    counts = {level: sum(r.status == level for r in rows) for level in legal.LEVELS}
    end = None if limit is None else offset + limit
    return ReportOut(generated_at=now, total=len(rows), counts=counts, items=rows[offset:end])


@router.get(
    "/legal/integrity.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def integrity_csv(
    report: ReportDep, deps: DepsDep, now: NowDep, seal_check: SealCheck = "full"
) -> Response:
    """The same report as CSV for Dutch Excel: `;`, UTF-8 with BOM, formulas neutralised."""
    rows = report(seal_check=seal_check, audit_as="legal.integrity_csv")
    return report_csv.download(rows, deps.today(now))


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
    jobs = tasks.queue_dossiers(body.case_ids, deps=deps, actor=actor)
    return [JobOut.model_validate(job, from_attributes=True) for job in jobs]


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
    now: NowDep,
) -> Response:
    """The finished dossier of a queued job."""
    pdf = tasks.finished_dossier(case_id, task_id, deps=deps, actor=actor, engine=engine, now=now)
    return pdf_download(pdf, f"dossier-{case_id}.pdf")


@router.get("/legal/dossiers/{case_id}/{task_id}", response_model=JobOut)
def dossier_job(
    case_id: PathId,
    task_id: TaskId,
    actor: ActorDep,
    deps: DepsDep,
) -> JobOut:
    """A queued dossier's progress: queued, done (with its hash) or failed with the reason."""
    job = tasks.dossier_job(case_id, task_id, deps=deps, actor=actor)
    return JobOut.model_validate(job, from_attributes=True)


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
    made = tasks.wait_for_dossier(case_id, deps=deps, actor=actor, engine=engine)
    if isinstance(made, DossierJob):
        return JSONResponse(
            JobOut.model_validate(made, from_attributes=True).model_dump(mode="json"),
            status_code=202,
            headers={"Location": f"/api/v1/legal/dossiers/{case_id}/{made.task_id}"},
        )
    return pdf_download(made, f"dossier-{case_id}.pdf")
