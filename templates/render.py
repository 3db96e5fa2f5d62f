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
from templates.usage import analyse, missing_variables

# Generous for a document (a render takes tens of milliseconds), short enough for a worker.
RENDER_TIME_LIMIT = 30.0
# The rendered DOCX may be no larger than a template may be.
MAX_OUTPUT_BYTES = MAX_FILE_BYTES

# Cc characters other than tab and newline, lone surrogates and the two XML non-characters:
# Word drops or truncates on them, silently (DESIGN section 6).
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# docxtpl turns these into Jinja delimiters after rendering, so a value holding one would change.
_DOCXTPL_ESCAPES = ("{_{", "}_}", "{_%", "%_}")
_SCALARS = (str, int, float, Decimal, date, type(None))
_MAX_DEPTH = 32


def check_data(data: Any, field: str = "", depth: int = 0) -> None:
    """Refuse data that would corrupt a document silently: control characters, lone surrogates."""
    where = field or "data"
    if depth > _MAX_DEPTH:
        raise UnsafeInput(where, f"nested deeper than {_MAX_DEPTH} levels")
    if isinstance(data, str):
        bad = _FORBIDDEN.search(data)
        if bad:
            char = bad.group()
            kind = "lone surrogate" if "\ud800" <= char <= "\udfff" else "control character"
            raise UnsafeInput(where, f"{kind} U+{ord(char):04X} at position {bad.start()}")
        for marker in _DOCXTPL_ESCAPES:
            if marker in data:
                raise UnsafeInput(where, f"the sequence {marker!r} would be changed by docxtpl")
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
