"""Errors as RFC 9457 problem details: every exception family mapped here and only here."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agreements.domain.errors import (
    Conflict,
    Forbidden,
    LinkUnusable,
    NotAuthenticated,
    NotFound,
    PartiesDiffer,
    SignaturesWouldLapse,
    ValidationFailed,
)
from agreements.settings import ConfigurationError
from signing.tokens import LinkState
from templates.errors import (
    ConversionError,
    ConverterUnavailable,
    DocumentError,
    MissingVariables,
    PdfRejected,
    TemplateInvalid,
    TemplateNotFound,
    UnsafeInput,
)

log = logging.getLogger("agreements.web")
MEDIA_TYPE = "application/problem+json"
_SCHEMA = "#/components/schemas/"

# What each problem status means here; the OpenAPI document and the handlers below agree.
_MEANING = {
    400: "The body could not be read: not valid JSON (or UTF-8), or broken form data",
    401: "Not logged in: no valid session cookie or bearer token",
    403: "Logged in, and the record is visible, but the role may not do this",
    404: "Not found, or outside what the actor may see (the same answer for both)",
    409: "Clashes with the record's current state (a duplicate, not ready, already done)",
    413: "The request body is larger than the limit",
    422: "Invalid input: `errors` names each field and the reason",
    429: "Too many attempts; try again after `Retry-After` seconds",
    502: "The document converter failed on this document",
    503: "No document converter is available right now",
}
_HEADERS = {
    401: {"WWW-Authenticate": "Bearer"},
    429: {"Retry-After": "Seconds to wait before trying again"},
}
# RFC 9457 problem details as this service writes them (see `problem` below).
SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "title": "Problem",
        "description": "An error as RFC 9457 problem details (application/problem+json).",
        "type": "object",
        "required": ["type", "title", "status"],
        "additionalProperties": False,
        "properties": {
            "type": {
                "type": "string",
                "description": "The kind of problem, e.g. /problems/validation",
            },
            "title": {"type": "string", "description": "A short summary of the kind"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "What went wrong this time"},
            "instance": {"type": "string", "description": "The path that was asked for"},
            "errors": {
                "type": "array",
                "description": "Per field: which one, and why (validation problems)",
                "items": {"$ref": f"{_SCHEMA}FieldProblem"},
            },
            "signers": {
                "type": "array",
                "description": "Who signed what a new version would void "
                "(/problems/signatures-would-lapse)",
                "items": {"$ref": f"{_SCHEMA}LapsingSignature"},
            },
            "missing": {
                "type": "array",
                "description": "Parties the document names that would not be asked to sign "
                "(/problems/parties-differ)",
                "items": {"$ref": f"{_SCHEMA}Party"},
            },
            "extra": {
                "type": "array",
                "description": "Parties that would be asked to sign but are not in the document "
                "(/problems/parties-differ)",
                "items": {"$ref": f"{_SCHEMA}Party"},
            },
        },
    },
    "Party": {
        "title": "Party",
        "type": "object",
        "required": ["party_role", "party_name"],
        "additionalProperties": False,
        "properties": {
            "party_role": {"type": "string", "description": "tenant, corporation, ..."},
            "party_name": {"type": "string"},
        },
    },
    "LapsingSignature": {
        "title": "LapsingSignature",
        "type": "object",
        "required": ["party_name", "party_role", "signed_at"],
        "additionalProperties": False,
        "properties": {
            "party_name": {"type": "string"},
            "party_role": {"type": "string", "description": "tenant, corporation, ..."},
            "signed_at": {"type": "string", "format": "date-time"},
        },
    },
    "FieldProblem": {
        "title": "FieldProblem",
        "type": "object",
        "required": ["field", "reason"],
        "additionalProperties": False,
        "properties": {
            "field": {
                "type": "string",
                "description": "Dotted path, e.g. parties.0.organisation_id",
            },
            "reason": {"type": "string"},
        },
    },
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route's problems beyond the ones every route of its shape
    can give (401 with a login, 404 with an id in the path, 400 and 413 with a body, 422),
    which `describe` adds by itself."""
    return {status: _response(status) for status in statuses}


def _response(status: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": _MEANING.get(status) or HTTPStatus(status).phrase,
        "content": {MEDIA_TYPE: {"schema": {"$ref": f"{_SCHEMA}Problem"}}},
    }
    if status in _HEADERS:
        out["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in _HEADERS[status].items()
        }
    return out


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the handlers answer: problem+json, not FastAPI's
    application/json validation errors, with the statuses each operation can give."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            answers = operation.setdefault("responses", {})
            statuses = {int(s) for s in answers if s.isdigit() and int(s) >= 400}
            if operation.get("security"):
                statuses.add(401)  # every route with a login refuses a missing one
            if "{" in path:
                statuses.add(404)
            if method in {"post", "put", "patch", "delete"}:
                statuses.add(413)  # web.limits.BodyLimit, before any handler
            if "requestBody" in operation:
                statuses.add(400)
            for status in sorted(statuses):
                answers[str(status)] = _response(status)
            operation["responses"] = dict(sorted(answers.items()))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components.update(SCHEMAS)
    return schema


def problem(
    status: int,
    title: str,
    detail: str = "",
    *,
    kind: str = "about:blank",
    instance: str = "",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _reason(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


# The service's refusals that say no more than their message: status, title and type.
_REFUSALS: dict[type[Exception], tuple[int, str, str]] = {
    NotFound: (404, "Not found", "/problems/not-found"),
    Forbidden: (403, "Forbidden", "/problems/forbidden"),
    NotAuthenticated: (401, "Not logged in", "/problems/not-authenticated"),
    Conflict: (409, "Conflict", "/problems/conflict"),
}


def _refused(
    status: int, title: str, kind: str
) -> Callable[[Request, Exception], Coroutine[Any, Any, JSONResponse]]:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return problem(
            status,
            title,
            str(exc),
            kind=kind,
            instance=request.url.path,
            # Not logged in: ask for a bearer token (RFC 6750).
            headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
        )

    return handle


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problems, and describe them in the
    app's OpenAPI document."""
    generate = app.openapi
    described: list[dict[str, Any]] = []
    lock = threading.Lock()  # sync handlers run in threads: describe the schema once, whole

    def openapi() -> dict[str, Any]:
        with lock:
            schema = generate()  # FastAPI's, cached until the routes change
            if not described or described[0] is not schema:
                described[:] = [describe(schema)]
            return schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "reason": _reason(e)} for e in exc.errors()]
        return problem(
            422,
            "Invalid input",
            "; ".join(f"{e['field']}: {e['reason']}" for e in errors),
            kind="/problems/validation",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(ValidationFailed)
    async def _invalid(request: Request, exc: ValidationFailed) -> JSONResponse:
        errors = [{"field": e.field, "reason": e.reason} for e in exc.errors]
        return problem(
            422,
            "Invalid input",
            str(exc),
            kind="/problems/validation",
            instance=request.url.path,
            errors=errors,
        )

    for refusal, (status, title, kind) in _REFUSALS.items():
        app.add_exception_handler(refusal, _refused(status, title, kind))

    @app.exception_handler(SignaturesWouldLapse)
    async def _lapse(request: Request, exc: SignaturesWouldLapse) -> JSONResponse:
        signers = [
            {
                "party_name": s.party_name,
                "party_role": s.party_role,
                "signed_at": s.signed_at.isoformat(),
            }
            for s in exc.signers
        ]
        return problem(
            409,
            "Signatures would lapse",
            str(exc),
            kind="/problems/signatures-would-lapse",
            instance=request.url.path,
            errors=[{"field": "confirm_void", "reason": "must be true: someone has signed"}],
            extra={"signers": signers},
        )

    @app.exception_handler(PartiesDiffer)
    async def _parties(request: Request, exc: PartiesDiffer) -> JSONResponse:
        def listed(who: list[tuple[str, str]]) -> list[dict[str, str]]:
            return [{"party_role": role, "party_name": name} for role, name in who]

        return problem(
            409,
            "Parties and signature requests differ",
            str(exc),
            kind="/problems/parties-differ",
            instance=request.url.path,
            extra={"missing": listed(exc.missing), "extra": listed(exc.extra)},
        )

    @app.exception_handler(LinkUnusable)
    async def _link(request: Request, exc: LinkUnusable) -> JSONResponse:
        if exc.state is LinkState.UNKNOWN:  # the same answer as for anything not there
            return problem(
                404, "Not found", str(exc), kind="/problems/not-found", instance=request.url.path
            )
        return problem(
            409, "Conflict", str(exc), kind="/problems/conflict", instance=request.url.path
        )

    @app.exception_handler(DocumentError)
    async def _document(request: Request, exc: DocumentError) -> JSONResponse:
        return _document_problem(exc, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(ConfigurationError)
    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The trace goes to the log, never to the client.
        log.exception("request.failed", extra={"path": request.url.path})
        return problem(
            500,
            "Internal error",
            "Something went wrong on our side; it was logged.",
            instance=request.url.path,
        )


def _document_problem(exc: DocumentError, path: str) -> JSONResponse:
    """The document engine's errors: what is wrong with a template, its data or a file."""
    if isinstance(exc, TemplateNotFound):
        return problem(
            404, "Template not found", str(exc), kind="/problems/not-found", instance=path
        )
    if isinstance(exc, ConverterUnavailable):
        return problem(
            503,
            "No converter available",
            str(exc),
            kind="/problems/converter-unavailable",
            instance=path,
        )
    if isinstance(exc, TemplateInvalid):
        errors = [{"field": "file", "reason": p} for p in exc.problems]
    elif isinstance(exc, MissingVariables):
        errors = [{"field": name, "reason": "missing"} for name in exc.names]
    elif isinstance(exc, UnsafeInput):
        errors = [{"field": exc.field, "reason": exc.reason}]
    elif isinstance(exc, PdfRejected):
        errors = [{"field": "file", "reason": str(exc)}]
    elif isinstance(exc, ConversionError):
        return problem(
            502, "Conversion failed", str(exc), kind="/problems/conversion", instance=path
        )
    else:
        errors = [{"field": "document", "reason": str(exc)}]
    return problem(
        422, "Unusable document", str(exc), kind="/problems/document", instance=path, errors=errors
    )
