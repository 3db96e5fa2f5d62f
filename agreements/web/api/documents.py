"""Documents: requesting renders, their status, the PDF packages, templates and annex uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile, status
from pydantic import BaseModel, Field

from agreements.domain.enums import DocumentStatus
from agreements.domain.policy import Action, Actor, Resource, authorize
from agreements.services.cases import case_file
from agreements.services.context import Deps
from agreements.services.documents import read as reading
from agreements.services.documents import request as requesting
from agreements.services.documents import template_versions
from agreements.services.documents.engine import DocumentEngine
from agreements.services.inputs import MAX_ID, Input
from agreements.services.records import Document, DocumentVersion
from agreements.web.deps import ActorDep, DepsDep, EngineDep, NowDep, PathId
from agreements.web.problems import responses

router = APIRouter(tags=["documents"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class VersionOut(BaseModel):
    id: int
    document_id: int
    number: int
    kind: str
    title: str
    status: DocumentStatus
    template_name: str
    template_version: int
    template_sha256: str
    pdf_sha256: str | None
    docx_sha256: str | None
    pages: int | None
    error: str
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, version: DocumentVersion, document: Document) -> VersionOut:
        return cls(
            id=version.id,
            document_id=document.id,
            number=version.number,
            kind=document.kind,
            title=document.title,
            status=version.status,
            template_name=version.template_name,
            template_version=version.template_version,
            template_sha256=version.template_sha256,
            pdf_sha256=version.pdf_sha256,
            docx_sha256=version.docx_sha256,
            pages=version.pages,
            error=version.error,
            created_at=version.created_at,
            finished_at=version.finished_at,
        )


class TemplateOut(BaseModel):
    name: str
    kind: str
    version: int
    title: str
    parties: list[str]
    sha256: str
    builtin: bool


class RequestIn(Input):
    template: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    template_version: Annotated[int, Field(strict=True, ge=1, le=MAX_ID)] | None = None
    confirm_void: Annotated[
        bool,
        Field(
            strict=True,
            description="True: make the new version although someone signed an earlier one; "
            "their signatures lapse and they are told by e-mail. Without it such a request "
            "answers 409 (/problems/signatures-would-lapse) naming the signers.",
        ),
    ] = False


def _request(
    subject: str,
    subject_id: int,
    body: RequestIn | None,
    actor: ActorDep,
    deps: DepsDep,
    engine: DocumentEngine,
    now: datetime,
) -> VersionOut:
    body = body or RequestIn()
    version = requesting.request_document(
        subject,
        subject_id,
        deps=deps,
        engine=engine,
        actor=actor,
        now=now,
        template=body.template,
        template_version=body.template_version,
        confirm_void=body.confirm_void,
    )
    version, document = reading.get_version(version.id, deps=deps, actor=actor)
    return VersionOut.of(version, document)


@router.post(
    "/agreements/{agreement_id}/documents",
    response_model=VersionOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(403, 409),  # 409: a version waits for its seal; signatures would lapse
)
def render_agreement(
    agreement_id: PathId,
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    body: RequestIn | None = None,
) -> VersionOut:
    """Make a new version of the agreement's PDF package (rendered by the worker)."""
    return _request("agreement", agreement_id, body, actor, deps, engine, now)


@router.post(
    "/payment-arrangements/{row_id}/documents",
    response_model=VersionOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(403, 409),  # 409: a version waits for its seal; signatures would lapse
)
def render_arrangement(
    row_id: PathId,
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    body: RequestIn | None = None,
) -> VersionOut:
    """Make a new version of the payment arrangement's PDF (rendered by the worker)."""
    return _request("payment_arrangement", row_id, body, actor, deps, engine, now)


@router.get("/cases/{case_id}/documents", response_model=list[VersionOut])
def list_case_documents(case_id: PathId, actor: ActorDep, deps: DepsDep) -> list[VersionOut]:
    """Every version of every document of a case, oldest first."""
    return [
        VersionOut.of(v, d)
        for d, versions in reading.list_documents(case_id, deps=deps, actor=actor)
        for v in versions
    ]


@router.get("/document-versions/{version_id}", response_model=VersionOut)
def get_version(version_id: PathId, actor: ActorDep, deps: DepsDep) -> VersionOut:
    """A version's status: queued, rendering, ready, or failed with the reason."""
    return VersionOut.of(*reading.get_version(version_id, deps=deps, actor=actor))


def _file(
    version_id: PathId,
    which: str,
    actor: ActorDep,
    deps: DepsDep,
    engine: DocumentEngine,
    now: datetime,
) -> Response:
    read = reading.read_file(version_id, which, deps=deps, engine=engine, actor=actor, now=now)
    return Response(
        read.data,
        media_type="application/pdf" if which == "pdf" else DOCX,
        headers={
            "Content-Disposition": f'attachment; filename="{read.filename(which)}"',
            "ETag": f'"{read.digest}"',
        },
    )


@router.get(
    "/document-versions/{version_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **responses(409)},
)
def download_pdf(
    version_id: PathId, actor: ActorDep, deps: DepsDep, engine: EngineDep, now: NowDep
) -> Response:
    """The PDF of a ready version: once every party signed and the service sealed it, the
    sealed file (the same as `sealed.pdf`), otherwise the PDF the parties are asked to sign.
    The ETag is the SHA-256 of the bytes served. The read is logged."""
    return _file(version_id, "pdf", actor, deps, engine, now)


@router.get(
    "/document-versions/{version_id}/docx",
    response_class=Response,
    responses={200: {"content": {DOCX: {}}}, **responses(409)},
)
def download_docx(
    version_id: PathId, actor: ActorDep, deps: DepsDep, engine: EngineDep, now: NowDep
) -> Response:
    """The Word file a ready version was rendered to."""
    return _file(version_id, "docx", actor, deps, engine, now)


@router.get("/templates", response_model=list[TemplateOut], tags=["templates"])
def list_templates(actor: ActorDep, engine: EngineDep) -> list[TemplateOut]:
    """Every version of every template in the catalogue."""
    authorize(actor, Action.READ, Resource.AGREEMENT)
    return [
        TemplateOut(
            name=v.name,
            kind=v.kind,
            version=v.version,
            title=v.title,
            parties=list(v.parties),
            sha256=v.sha256,
            builtin=v.builtin,
        )
        for name in engine.catalogue.names()
        for v in engine.catalogue.versions(name)
    ]


@router.post(
    "/templates",
    response_model=TemplateOut,
    status_code=status.HTTP_201_CREATED,
    tags=["templates"],
    responses=responses(403),
)
def add_template(
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    name: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    title: Annotated[str | None, Form()] = None,
) -> TemplateOut:
    """Add a Word template as the next version of `name`; it is checked before it is kept."""
    added = template_versions.add_template(
        name,
        file.file.read(),
        kind=kind,
        title=title,
        deps=deps,
        engine=engine,
        actor=actor,
        now=now,
    )
    return TemplateOut(
        name=added.name,
        kind=added.kind,
        version=added.version,
        title=added.title,
        parties=list(added.parties),
        sha256=added.sha256,
        builtin=added.builtin,
    )


class AttachedOut(BaseModel):
    sha256: str


@router.put(
    "/tenancy-contracts/{row_id}/pdf",
    response_model=AttachedOut,
    tags=["tenancy_contracts"],
    responses=responses(403),
)
def attach_contract_pdf(
    row_id: PathId,
    file: Annotated[UploadFile, File()],
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
) -> AttachedOut:
    """Upload the signed tenancy contract as a PDF; it becomes an annex of the agreement."""
    return _attach(case_file.tenancy_contracts, row_id, file, actor, deps, engine, now)


@router.put(
    "/judgments/{row_id}/pdf",
    response_model=AttachedOut,
    tags=["judgments"],
    responses=responses(403),
)
def attach_judgment_pdf(
    row_id: PathId,
    file: Annotated[UploadFile, File()],
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
) -> AttachedOut:
    """Upload the eviction judgment as a PDF; it becomes an annex of the agreement."""
    return _attach(case_file.judgments, row_id, file, actor, deps, engine, now)


def _attach(
    kind: case_file.CaseFileKind[Any],
    row_id: int,
    file: UploadFile,
    actor: Actor,
    deps: Deps,
    engine: DocumentEngine,
    now: datetime,
) -> AttachedOut:
    digest = case_file.attach_pdf(
        kind, row_id, file.file.read(), deps=deps, store=engine.store, actor=actor, now=now
    )
    return AttachedOut(sha256=digest)


@router.post(
    "/reviews/{review_id}/documents",
    response_model=VersionOut,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["reviews"],
    responses=responses(403, 409),
)
def render_minutes(
    review_id: PathId,
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    body: RequestIn | None = None,
) -> VersionOut:
    """Make the minutes (evaluatieverslag) of a held review; then send them for the tenant's
    and the coordinator's signature like any document."""
    return _request("review", review_id, body, actor, deps, engine, now)
