"""Rendering Word templates with docxtpl, safely: sandboxed, escaped, strict, time-limited."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from jinja2 import TemplateError, UndefinedError
from jinja2.exceptions import SecurityError

from templates.errors import (
    DocumentError,
    MissingVariables,
    RenderError,
    TemplateInvalid,
    UnsafeInput,
)
from templates.isolation import run_isolated
from templates.package import MAX_FILE_BYTES, safe_docx
from templates.sandbox import WordTemplate, make_environment
from templates.text import text_problem
from templates.usage import analyse, missing_variables

# Generous for a document (a render takes tens of milliseconds), short enough for a worker.
RENDER_TIME_LIMIT = 30.0
# The rendered DOCX may be no larger than a template may be.
MAX_OUTPUT_BYTES = MAX_FILE_BYTES

_SCALARS = (str, int, float, Decimal, date, type(None))
_MAX_DEPTH = 32


def check_data(data: Any, field: str = "", depth: int = 0) -> None:
    """Refuse data that would corrupt a document silently: control characters, lone surrogates."""
    where = field or "data"
    if depth > _MAX_DEPTH:
        raise UnsafeInput(where, f"nested deeper than {_MAX_DEPTH} levels")
    if isinstance(data, str):
        # Word drops or truncates on control characters and the like, silently (DESIGN 6);
        # the service's text policy refuses the same characters at the door.
        problem = text_problem(data)
        if problem:
            raise UnsafeInput(where, problem)
    elif isinstance(data, Mapping):
        for key, value in data.items():
            if not isinstance(key, str):
                raise UnsafeInput(where, f"key {key!r} is not a string")
            check_data(key, where, depth + 1)
            check_data(value, f"{field}.{key}" if field else key, depth + 1)
    elif isinstance(data, list | tuple):
        for index, item in enumerate(data):
            check_data(item, f"{where}[{index}]", depth + 1)
    elif not isinstance(data, _SCALARS):
        # Only plain data: objects would widen what a template can reach.
        raise UnsafeInput(where, f"values of type {type(data).__name__} are not allowed")


def render_docx(
    template_bytes: bytes, data: Mapping[str, Any], *, time_limit: float = RENDER_TIME_LIMIT
) -> bytes:
    """Render a DOCX template with data; raises UnsafeInput, MissingVariables or RenderError.

    The render runs in a child process that is stopped after `time_limit` seconds, and its
    output may be at most MAX_OUTPUT_BYTES (see templates.isolation).
    """
    check_data(data)
    return run_isolated(
        (template_bytes, dict(data), time_limit),
        time_limit=time_limit,
        max_answer=MAX_OUTPUT_BYTES + 1,
    )


def render_here(template_bytes: bytes, data: Mapping[str, Any], *, deadline: float | None) -> bytes:
    """The render itself, in this process and without a hard time limit: use render_docx."""
    check_data(data)
    try:
        usage = analyse(template_bytes)
    except DocumentError:
        raise
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        raise TemplateInvalid([f"Word cannot open this template: {exc}"]) from exc
    missing = missing_variables(usage, data)
    if missing:
        raise MissingVariables(missing)
    # A fresh template every time: reusing one corrupts later renders (DESIGN section 6).
    tpl = WordTemplate(io.BytesIO(safe_docx(template_bytes)))
    try:
        tpl.render(dict(data), make_environment(deadline=deadline), autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
    except DocumentError:
        raise
    except SecurityError as exc:
        raise RenderError(f"the template tried something the sandbox forbids: {exc}") from exc
    except UndefinedError as exc:
        raise MissingVariables([_undefined_name(exc)]) from exc
    except TemplateError as exc:
        raise RenderError(f"the template failed: {exc}") from exc
    except Exception as exc:  # a library boundary: any failure is a RenderError with its reason
        raise RenderError(f"rendering failed: {type(exc).__name__}: {exc}") from exc
    result = out.getvalue()
    if len(result) > MAX_OUTPUT_BYTES:
        raise RenderError(
            f"the rendered document is {len(result):,} bytes; the limit is {MAX_OUTPUT_BYTES:,}"
        )
    return result


def _undefined_name(exc: UndefinedError) -> str:
    found = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", str(exc))
    if found:
        return found.group(1) or found.group(2)
    return str(exc)
