"""Errors as RFC 9457 problem details: every exception family mapped here and only here."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agreements.domain.errors import (
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from agreements.settings import ConfigurationError
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


def problem(
    status: int,
    title: str,
    detail: str = "",
    *,
    kind: str = "about:blank",
    instance: str = "",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _reason(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problems."""

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

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem(
            404, "Not found", str(exc), kind="/problems/not-found", instance=request.url.path
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return problem(
            403, "Forbidden", str(exc), kind="/problems/forbidden", instance=request.url.path
        )

    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, exc: NotAuthenticated) -> JSONResponse:
        return problem(
            401,
            "Not logged in",
            str(exc),
            kind="/problems/not-authenticated",
            instance=request.url.path,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
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
