"""Dossier jobs: who may queue or follow one, a job's state, and what a failed one means.

The worker builds a dossier as the user who asked (tasks.build_dossier); what a job kept
is plain data, so a refusal is kept by its kind and raised again, word for word, where the
dossier was asked for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from agreements.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from agreements.domain.policy import Action, Actor, Resource
from agreements.services.context import Deps
from agreements.services.uow import reading
from templates.errors import (
    ConversionError,
    ConversionTimeout,
    ConverterLost,
    ConverterUnavailable,
    DocumentError,
    MissingVariables,
    PdfRejected,
    RenderError,
    TemplateInvalid,
    TemplateNotFound,
    UnsafeInput,
)

Status = Literal["queued", "done", "failed"]


@dataclass(frozen=True)
class DossierJob:
    """A queued dossier: still queued, done (the sealed PDF's hash) or failed with the reason."""

    case_id: int
    task_id: str
    status: Status
    sha256: str | None = None
    error: str = ""


def check_scope(case_ids: list[int], *, deps: Deps, actor: Actor) -> None:
    """Refuse unless every case is within the actor's scope and its agreements readable; a
    case outside it is answered as a missing one."""
    with reading(deps, actor) as uow:
        for case_id in case_ids:
            uow.case(case_id, Action.READ, Resource.AGREEMENT)


def may_queue(case_ids: list[int], *, deps: Deps, actor: Actor) -> int:
    """The user to build the dossiers as, once the scope of all is checked (before any is
    queued: a batch is refused whole)."""
    check_scope(case_ids, deps=deps, actor=actor)
    if actor.user_id is None:
        raise Forbidden("only a staff user can queue dossiers")
    return actor.user_id


# The errors a dossier ends in on purpose, by name (the queue keeps plain data, not objects).
_PLAIN: dict[str, type[Exception]] = {
    c.__name__: c
    for c in (
        Conflict,
        Forbidden,
        NotAuthenticated,
        ConverterUnavailable,
        ConversionTimeout,
        ConverterLost,
        ConversionError,
        RenderError,
        PdfRejected,
        TemplateNotFound,
        DomainError,
        DocumentError,
    )
}
_WITH_FIELDS = (
    "NotFound",
    "ValidationFailed",
    "UnsafeInput",
    "MissingVariables",
    "TemplateInvalid",
)


def failure_of(exc: DomainError | DocumentError) -> dict[str, Any]:
    """What a failed dossier job keeps: the error's kind, its text and the fields it names."""
    fields: list[list[str]] = []
    if isinstance(exc, ValidationFailed):
        fields = [[e.field, e.reason] for e in exc.errors]
    elif isinstance(exc, UnsafeInput):
        fields = [[exc.field, exc.reason]]
    elif isinstance(exc, MissingVariables):
        fields = [[name, "missing"] for name in exc.names]
    elif isinstance(exc, TemplateInvalid):
        fields = [["file", problem] for problem in exc.problems]
    known = (*_WITH_FIELDS, *_PLAIN)
    kind = next(c.__name__ for c in type(exc).__mro__ if c.__name__ in known)
    return {"error": kind, "detail": str(exc), "fields": fields}


def error_of(failure: dict[str, Any], case_id: int) -> Exception:
    """The error a failed dossier job ended in, again, to be raised where it was asked for."""
    kind, detail = str(failure.get("error", "")), str(failure.get("detail", ""))
    fields = [(str(f), str(r)) for f, r in failure.get("fields") or []]
    if kind == "NotFound":
        return NotFound("case", case_id)  # word for word the answer for a missing case
    if kind == "ValidationFailed" and fields:
        return ValidationFailed([FieldError(f, r) for f, r in fields])
    if kind == "UnsafeInput" and fields:
        return UnsafeInput(*fields[0])
    if kind == "MissingVariables" and fields:
        return MissingVariables([f for f, _ in fields])
    if kind == "TemplateInvalid" and fields:
        return TemplateInvalid([r for _, r in fields])
    return _PLAIN.get(kind, RuntimeError)(detail or kind)
