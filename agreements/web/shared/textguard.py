"""The text policy at the door of every page: query strings and form fields, before handlers.

A page route cannot forget the policy: its route class checks every query parameter (one
line of text) and every field of a posted form (multi-line text) before the handler runs,
and answers with a Dutch page instead. A handler that shows the problem at the field itself,
keeping what was typed, names those fields with `own_text_checks`; the net then leaves them
to it (tests/e2e/test_text_policy_pages.py checks that they do).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute

from agreements.domain import text
from agreements.web.shared.views import html

F = TypeVar("F", bound=Callable[..., Any])
ALL_FIELDS = "*"
_FORM = "application/x-www-form-urlencoded"
# Multipart forms carry uploads; their handlers read them with their own limits, and the
# only text in them (the CSRF token) is compared, never stored or searched. An uploaded
# file's name is only shown back, through `text.shown` (its tricks made visible).


def own_text_checks(*fields: str) -> Callable[[F], F]:
    """Mark a page handler that checks these form fields itself (`"*"`: all, through the
    API's input models) and shows the Dutch reason at the field."""

    def mark(endpoint: F) -> F:
        endpoint.own_text_checks = frozenset(fields)  # type: ignore[attr-defined]
        return endpoint

    return mark


def query_refusal(request: Request) -> tuple[str, text.Refusal] | None:
    """The first query parameter (name or value) the policy refuses on one line."""
    for name, value in request.query_params.multi_items():
        for part in (name, value):
            refusal = text.find_refusal(part, multiline=False)
            if refusal is not None:
                return name, refusal
    return None


async def form_refusal(request: Request, own: frozenset[str]) -> tuple[str, text.Refusal] | None:
    """The first posted form field, not checked by the handler itself, the policy refuses."""
    if ALL_FIELDS in own or request.method != "POST":
        return None
    if request.headers.get("content-type", "").split(";")[0].strip() != _FORM:
        return None
    form = await request.form()  # parsed once: the handler gets the same form
    for name, value in form.multi_items():
        if name in own or not isinstance(value, str):
            continue
        refusal = text.find_refusal(text.normalise_line_ends(value))
        if refusal is not None:
            return name, refusal
    return None


class CheckedRoute(APIRoute):
    """A page route whose query string and form pass the text policy before its handler."""

    def refused(self, request: Request, status: int, heading: str, reason: str) -> Response:
        """The page that says what was refused, in the signing pages' style."""
        return html("text_refused.html", status, request.app.state.deps, heading=heading,
                    reason=reason)  # fmt: skip

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        own: frozenset[str] = getattr(self.endpoint, "own_text_checks", frozenset())

        async def guarded(request: Request) -> Response:
            if found := query_refusal(request):
                return self.refused(
                    request, 400, "Deze zoekopdracht kunnen wij niet gebruiken", found[1].dutch()
                )
            if found := await form_refusal(request, own):
                return self.refused(
                    request, 422, "Dit formulier kunnen wij niet verwerken", found[1].dutch()
                )
            return await handler(request)

        return guarded
