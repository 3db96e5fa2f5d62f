"""Every answer the test suite gets from the app, checked against the app's own /openapi.json.

`install()` wraps `TestClient.send`, so each response to an operation the OpenAPI document
describes is validated with openapi-core: its status must be documented, its media type too,
and its body must match the schema. A mismatch fails the test that made the call, with one
readable paragraph saying which call, what came back and what the document says.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi.testclient import TestClient
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

_documents: dict[str, OpenAPI] = {}  # one per distinct document (every test app is alike)
# openapi-core reads application/json itself; RFC 9457 problems are JSON as well.
_CONFIG = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
_original_send = TestClient.send


class DocumentDrift(AssertionError):
    """The app answered something its OpenAPI document does not describe."""


class _Request:
    """An httpx request as openapi-core reads one (only what response checks need)."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        query = parse_qs(request.url.query.decode())
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self.request.url.scheme}://{self.request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def body(self) -> bytes | None:
        return None  # requests are not checked: tests send bad ones on purpose

    @property
    def content_type(self) -> str:
        return str(self.request.headers.get("content-type", ""))


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    @property
    def data(self) -> bytes:
        return self.response.content

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def content_type(self) -> str:
        return str(self.response.headers.get("content-type", ""))

    @property
    def headers(self) -> Headers:
        return Headers(dict(self.response.headers))


def document_for(app: Any) -> OpenAPI:
    schema = app.openapi()
    text = json.dumps(schema, sort_keys=True)
    if text not in _documents:
        # From the schema itself, not the sorted text: where two paths match one URL
        # (`{task_id}` and `{task_id}.pdf`), openapi-core, like the router, takes the first.
        _documents[text] = OpenAPI.from_dict(copy.deepcopy(schema), config=_CONFIG)
    return _documents[text]


def check(app: Any, request: httpx.Request, response: httpx.Response) -> None:
    """Raise DocumentDrift when `response` is not what the document says `request` gets."""
    if request.method in ("HEAD", "OPTIONS"):
        return
    document = document_for(app)
    try:
        document.validate_response(_Request(request), _Response(response))
    except (PathNotFound, OperationNotFound):
        return  # not an operation of the document (a page, an unknown path, 405)
    except Exception as exc:  # openapi-core's errors: say them plainly
        raise DocumentDrift(_explain(request, response, exc)) from None


def _explain(request: httpx.Request, response: httpx.Response, exc: Exception) -> str:
    reasons = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__ or exc.__context__
    for error in getattr(cause, "schema_errors", None) or []:
        where = "/".join(str(p) for p in error.absolute_path) or "(body)"
        reasons.append(f"at {where}: {error.message}")
    if cause is not None and not getattr(cause, "schema_errors", None):
        reasons.append(f"{type(cause).__name__}: {cause}")
    body = response.text[:600] if "json" in response.headers.get("content-type", "") else ""
    return (
        f"{request.method} {request.url.path} answered {response.status_code} "
        f"{response.headers.get('content-type', '(no content type)')}, which /openapi.json "
        f"does not describe:\n  " + "\n  ".join(reasons) + (f"\n  body: {body}" if body else "")
    )


def _checked_send(self: TestClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
    response = _original_send(self, request, **kwargs)
    if not kwargs.get("stream"):
        check(self.app, request, response)
    return response


def install() -> None:
    TestClient.send = _checked_send  # type: ignore[method-assign]
