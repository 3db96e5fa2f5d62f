"""Signature requests for staff, staff signing, and verifying sealed PDFs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Request, Response, UploadFile, status
from pydantic import BaseModel, Field, StrictBool

from agreements.domain.enums import RequestStatus
from agreements.services.documents.read import get_version, read_sealed
from agreements.services.inputs import Input, LongText, Name
from agreements.services.records import SignatureRequest
from agreements.services.signatures import sign, verification
from agreements.web.deps import ActorDep, DepsDep, EngineDep, NowDep, PathId, client_address
from agreements.web.problems import responses

router = APIRouter(tags=["signing"])


class SendIn(Input):
    ordered: StrictBool = Field(
        False, description="Sign one after the other, in the template's order"
    )


class RequestOut(BaseModel):
    id: int
    version_id: int
    party_role: str
    party_name: str
    email: str | None
    position: int
    status: RequestStatus
    expires_at: datetime
    sent_at: datetime | None
    sends: int
    done_at: datetime | None
    decline_reason: str
    contact_history: list[dict[str, Any]]

    @classmethod
    def of(cls, row: SignatureRequest) -> RequestOut:
        return cls.model_validate(row, from_attributes=True)


class ManageIn(Input):
    action: Literal["resend", "revoke", "extend", "contact"]
    days: Annotated[int, Field(strict=True, ge=0, le=90)] = 0
    email: Annotated[str, Field(max_length=254)] | None = None


class StaffSignIn(Input):
    typed_name: Name
    consent_version: Annotated[str, Field(max_length=20)]
    witness: StrictBool = Field(False, description="In person: a coordinator witnesses the signing")
    witness_name: Name | None = Field(
        None, description="In person: the witness's full name, named in the evidence (required)"
    )
    decline_reason: LongText | None = None
    # For an organisation's party: the signer's function and on what authority they sign.
    function: Annotated[str, Field(max_length=1000)] = Field(
        "", description="The signer's function (functie); required for an organisation"
    )
    mandate_basis: Annotated[str, Field(max_length=40)] = Field(
        "",
        description="director, procuration, power_of_attorney or public_mandate; "
        "required for an organisation",
    )
    mandate_detail: Annotated[str, Field(max_length=1000)] = Field(
        "", description="What shows the authority (registration, power of attorney, decision)"
    )


class SignedOut(BaseModel):
    request_id: int
    version_id: int
    complete: bool
    declined: bool


class VerifyOut(BaseModel):
    ok: bool
    outcome: str
    reason: str
    reason_nl: str
    file_sha256: str
    signer: str | None
    signed_at: datetime | None
    modification_level: str | None
    summary: dict[str, Any]


@router.post(
    "/document-versions/{version_id}/signature-requests",
    response_model=list[RequestOut],
    status_code=status.HTTP_201_CREATED,
    responses=responses(403, 409),
)
def send_for_signature(
    version_id: PathId,
    actor: ActorDep,
    deps: DepsDep,
    engine: EngineDep,
    now: NowDep,
    body: SendIn | None = None,
) -> list[RequestOut]:
    """Ask every party the template names to sign this exact version; invitations are mailed."""
    version, _ = get_version(version_id, deps=deps, actor=actor)
    roles = sign.signing_roles(version, engine)
    sign.send_for_signature(
        version_id, roles, deps=deps, actor=actor, now=now, ordered=(body or SendIn()).ordered
    )
    return [RequestOut.of(r) for r in sign.requests_for(version_id, deps=deps, actor=actor)]


@router.get("/document-versions/{version_id}/signature-requests", response_model=list[RequestOut])
def list_requests(version_id: PathId, actor: ActorDep, deps: DepsDep) -> list[RequestOut]:
    """Each party's signing status for this version."""
    return [RequestOut.of(r) for r in sign.requests_for(version_id, deps=deps, actor=actor)]


@router.post(
    "/signature-requests/{request_id}/manage",
    response_model=RequestOut,
    responses=responses(403, 409),
)
def manage(
    request_id: PathId, body: ManageIn, actor: ActorDep, deps: DepsDep, now: NowDep
) -> RequestOut:
    """Resend the invitation (a new link), revoke, extend by `days`, or replace the e-mail."""
    request = sign.manage_request(
        request_id, body.action, deps=deps, actor=actor, now=now, days=body.days, email=body.email
    )
    return RequestOut.of(request)


@router.post(
    "/signature-requests/{request_id}/sign",
    response_model=SignedOut,
    responses=responses(403, 409),
)
def staff_sign(
    request_id: PathId,
    body: StaffSignIn,
    request: Request,
    actor: ActorDep,
    deps: DepsDep,
    now: NowDep,
) -> SignedOut:
    """Sign for your organisation from your session, or witness an in-person signing."""
    data = sign.SignInput(
        typed_name=body.typed_name,
        consent_version=body.consent_version,
        ip=client_address(request),
        user_agent=request.headers.get("user-agent"),
        function=body.function,
        mandate_basis=body.mandate_basis,
        mandate_detail=body.mandate_detail,
    )
    outcome = sign.sign_as_staff(
        request_id,
        data,
        deps=deps,
        actor=actor,
        now=now,
        witness=body.witness,
        witness_name=body.witness_name or "",
        decline_reason=body.decline_reason,
    )
    return SignedOut(**outcome.__dict__)


@router.get(
    "/document-versions/{version_id}/sealed.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **responses(409)},
)
def sealed_pdf(
    version_id: PathId, actor: ActorDep, deps: DepsDep, engine: EngineDep, now: NowDep
) -> Response:
    """The sealed PDF of a fully signed version (the read is logged)."""
    read = read_sealed(version_id, deps=deps, engine=engine, actor=actor, now=now)
    return Response(
        read.data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{read.filename("pdf")}"',
            "ETag": f'"{read.digest}"',
        },
    )


@router.post("/verify", response_model=VerifyOut)
def verify(
    file: Annotated[UploadFile, File(description="The PDF to check")],
    actor: ActorDep,
    deps: DepsDep,
) -> VerifyOut:
    """Check a PDF: is it a document the service sealed, with nothing changed or added since?"""
    del actor  # any logged-in staff member may verify
    result = verification.verify(file.file.read(), deps=deps)
    r = result.report
    return VerifyOut(
        ok=r.ok,
        outcome=r.outcome.value,
        reason=r.reason,
        reason_nl=r.reason_nl,
        file_sha256=r.file_sha256,
        signer=r.signer_subject,
        signed_at=r.signed_at,
        modification_level=r.modification_level,
        summary=result.summary,
    )
